//! # OMCP for Rust
//!
//! OMCP, the OSIRIS module communication protocol, connects the modules of a system
//! through a message broker (RabbitMQ), REST-style: GET, POST, PUT and DELETE are answered
//! with a status (200, 201 and its location, 400, 403, 404, 405, 408, 500, 501), NOTIFY is
//! not. This crate speaks it as the original Java implementation does, so a Rust module can
//! join an OSIRIS installation:
//!
//! - [`packet`]: the OMCP/0.1 packets ([`Request`], [`Response`]) and their codec;
//! - [`address`]: `omcp://module/path?query` addresses, queue names, message groups;
//! - [`Server`] and [`Client`]: the transport over AMQP 0-9-1 (see [`broker`] for the
//!   queues, exchanges and properties used, and what reconnecting means for work in flight);
//! - [`module`]: the attribute that turns a trait of routes into a server, a typed client
//!   and a schema.
//!
//! ```no_run
//! use omcp::{Created, OmcpError};
//! # use serde::{Deserialize, Serialize};
//! # use schemars::JsonSchema;
//! # #[derive(Serialize, Deserialize, JsonSchema)] pub struct Sensor { id: u32 }
//! # #[derive(Serialize, Deserialize, JsonSchema)] pub struct NewSensor { name: String }
//!
//! /// Sensors of a network.
//! #[omcp::module(name = "sensornet", crate = "omcp")]
//! pub trait SensorNet {
//!     /// Read one sensor.
//!     #[get("/sensors/{id}")]
//!     async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError>;
//!
//!     /// Add a sensor.
//!     #[post("/sensors")]
//!     async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError>;
//! }
//!
//! struct Network;
//!
//! impl SensorNet for Network {
//!     async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError> {
//!         Ok(Sensor { id })
//!     }
//!     // `create_sensor` is not implemented: it answers 501 NOT IMPLEMENTED.
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let url = "amqp://127.0.0.1:5672/%2f";
//! let server = omcp::Server::builder(url).module(SensorNetServer::new(Network)).build().await?.spawn();
//! let client = omcp::Client::builder(url).source("dashboard").connect().await?;
//! let sensor = SensorNetClient::new(&client).sensor(3).await?;
//! # Ok(()) }
//! ```
//!
//! # On the wire, as the original
//!
//! - **Path parameters** travel as the original client sends them: as they are
//!   (`/echo/café:1`), except the characters that cannot travel in a segment as they are,
//!   sent as `%XX` escapes: `/` (it would add a segment), `?` (it would start the query),
//!   `%` (it would be read as an escape), white space and control characters (they would
//!   cut the start line). The typed client writes them so ([`push_plain_segment`]); the
//!   plain client decodes an address's other escapes before sending, as the original does
//!   (`omcp://echo/echo/caf%C3%A9%3A1` is sent as `/echo/café:1`; see [`address`]). A module
//!   of the original, which never decodes, thus receives the same value whoever calls it.
//!   The [`Router`] reads both forms: it decodes every escape, and refuses a `%` that starts
//!   none (`400`).
//! - **One server per module**: a [`Server`] consumes its queue exclusively, does not start
//!   while another consumer serves it ([`ServerError::QueueInUse`]) and keeps others from
//!   joining, unless every server of the module shares the queue with
//!   [`ServerBuilder::competing_consumers`].
//! - **Message groups**: a NOTIFY to `omcp://X.messagegroup/a/b?x=1` is published with the
//!   routing key `a.b?x=1` ([`address::routing_key`]).
//!
//! # Differences from the original
//!
//! - **Bodies are JSON only.** The original's serializer (XStream) also reads and writes XML.
//!   XStream's XML is a Java object graph, not a document format: its root element is the
//!   Java class name (`<com.example.Sensor>`), collections and maps have shapes of their
//!   own (`<list>`, `<map><entry>`), and `class` and `reference` attributes point into the
//!   graph. No Rust crate reads or writes it faithfully, and a generic XML mapping (serde
//!   over quick-xml) would silently disagree with it on exactly those shapes, which is worse
//!   than a clear refusal. So a body whose `content-type` is XML (`application/xml`,
//!   `text/xml`, `…+xml`) is refused with an error that says so (a module answers `400
//!   BAD REQUEST`, a typed call fails with [`TypedCallError::Decode`]), and a GET that asks
//!   for XML is answered JSON, with `content-type:application/json`. Modules of the
//!   original that speak JSON interoperate fully.
//! - A request without a response within the client's timeout is answered `408 REQUEST
//!   TIMEOUT` (the original waits forever; see [`broker`]).
//! - A `%` in a path parameter is sent as `%25` (the original sends it as it is; a module of
//!   ours could not tell it from an escape), and a `/` or `?` as `%2F` and `%3F` (the
//!   original cannot send them in a parameter at all).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod address;
pub mod broker;
mod call;
mod error;
pub mod packet;
mod percent;
mod router;
pub mod schema;

#[doc(hidden)]
pub mod __private;

pub use address::{queue_name, Address, AddressError};
pub use broker::{Client, ClientBuilder, Reconnect, RequestError, Server, ServerBuilder, ServerError, ServerHandle};
pub use call::TypedCallError;
pub use error::OmcpError;
pub use packet::{Method, Packet, ParseError, Request, Response, StatusCode};
pub use percent::{percent_decode, push_plain_segment, push_segment};
pub use router::{Created, Handler, HandlerFuture, Module, PathTemplate, Router, TemplateError};
pub use schema::{export_schema, ModuleSchema, ParamSchema, RouteSchema};

/// Turns a trait of routes into an OMCP module: `XServer<T>` (a [`Module`] to serve),
/// `XClient` (typed calls) and `x_schema()`.
///
/// ```text
/// #[osmp::module(name = "sensornet")]
/// pub trait SensorNet {
///     /// Read one sensor.
///     #[get("/sensors/{id}")]
///     async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError>;
///     #[post("/sensors")]
///     async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError>;
///     #[put("/sensors/{id}")]
///     async fn update_sensor(&self, id: u32, body: NewSensor) -> Result<(), OmcpError>;
///     #[delete("/sensors/{id}")]
///     async fn delete_sensor(&self, id: u32) -> Result<(), OmcpError>;
///     #[notify("/samples")]
///     async fn sample(&self, body: Sample);
/// }
/// ```
///
/// Arguments of the attribute: `name = "…"` (the module name, default: the trait's name in
/// kebab case), `crate = "…"` (the path of this crate in generated code, default
/// `::osmp::omcp`), `client = false` (no typed client, for types that only serialize).
///
/// Each method is one route: `#[get(path)]`, `#[post(path)]`, `#[put(path)]`,
/// `#[delete(path)]` or `#[notify(path)]` on an `async fn` taking `&self`. A path template
/// has literal segments and whole-segment parameters (`/sensors/{id}`); each parameter is an
/// argument of that name, decoded with `FromStr` (400 when it does not parse), and sent by
/// the typed client as the original sends it (its `Display`, as it is but for `/`, `?`,
/// `%` and white space: see [`push_plain_segment`]). One more
/// argument may be the body, decoded from JSON (400 when it does not decode; not on GET and
/// DELETE). An argument of type `Request` receives the whole request (query, source,
/// headers). Answered routes return `Result<T, E>` where `E: Into<OmcpError>` (a `From`
/// impl on `OmcpError` gives it) and `E: From<OmcpError>` (for the 501 default): `()` answers an empty 200, [`Created`] 201 with its location, any
/// other `T: Serialize` a 200 with it as JSON, and an error its status (500 for a handler's
/// internal error, with its message). NOTIFY routes return nothing (or `Result<(), E>`,
/// whose errors are logged).
///
/// Every method has a default implementation that answers `501 NOT IMPLEMENTED` (NOTIFY:
/// ignores the notification): a module implements the routes it serves, and a client can
/// use the trait of a module written elsewhere.
pub use osmp_derive::module;
