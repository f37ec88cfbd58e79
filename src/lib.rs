//! # OSMP for Rust
//!
//! The Open System Management Protocol: JSON commands, progress streams, cancellation and
//! server events over a secure WebSocket. This crate is the one dependency you need:
//! it re-exports the runtime (server, client, session engine, standard instruction set)
//! and the `#[instruction_set]` macro; with the cargo feature `omcp`, also `osmp::omcp` (the
//! OSIRIS module communication protocol over RabbitMQ) and `#[module]`.
//!
//! ```no_run
//! use osmp::prelude::*;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::builder().bind("127.0.0.1:0").build().await?.spawn();
//! let client = Client::builder(server.url()).fingerprint(server.fingerprint().unwrap()).connect().await?;
//! let time = client.call("time", &()).await?;
//! println!("server time: {}", time.data.unwrap());
//! server.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

// Every item has one home, its module; the prelude gathers what most programs need.
pub use osmp_runtime::{auth, client, events, instruction, limits, server, session, standard, transport, wire};

/// Turns an annotated trait into an OSMP instruction set: the trait with `Send` futures, `XClient`,
/// `XServer<T>` (dispatch), `x_schema()` and `XEvents` (a typed event emitter).
pub use osmp_runtime::instruction_set;

/// What `#[instruction_set]` generates code against; not a public API.
#[doc(hidden)]
pub use osmp_runtime::__private;

/// OMCP, the OSIRIS module communication protocol (cargo feature `omcp`): REST-style calls
/// between the modules of a system through RabbitMQ, in the original's wire format.
#[cfg(feature = "omcp")]
pub use omcp;

/// Several servers acting as one through RabbitMQ (cargo feature `cluster`): events reach
/// every subscribed session of every node, commands the node that serves them.
#[cfg(feature = "cluster")]
pub use osmp_cluster as cluster;

/// Turns a trait of routes into an OMCP module (cargo feature `omcp`): `XServer<T>` to
/// serve, `XClient` to call, `x_schema()`. See [`omcp::module`].
#[cfg(feature = "omcp")]
pub use omcp::module;

/// The README's code blocks, compiled as doctests so that it cannot drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The names most programs need: `use osmp::prelude::*;`.
pub mod prelude {
    #[doc(no_inline)]
    pub use osmp_runtime::client::{Call, Client, ClientBuilder, ReconnectPolicy, Subscription};
    #[doc(no_inline)]
    pub use osmp_runtime::events::EventBus;
    #[doc(no_inline)]
    pub use osmp_runtime::instruction::{CommandContext, CommandError, InstructionSet, Outcome};
    #[doc(no_inline)]
    pub use osmp_runtime::limits::Limits;
    #[doc(no_inline)]
    pub use osmp_runtime::server::{Server, ServerBuilder, ServerHandle, ServerRef};
    #[doc(no_inline)]
    pub use osmp_runtime::session::{CallError, Session};
    #[doc(no_inline)]
    pub use osmp_runtime::transport::tls::{ClientTls, Fingerprint, ServerTls};
    #[doc(no_inline)]
    pub use osmp_runtime::transport::ClientError;
    #[doc(no_inline)]
    pub use osmp_runtime::wire::{Payload, StreamItem, Timestamp};
}
