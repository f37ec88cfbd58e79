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
//! - [`Router`]: from a [`Module`]'s routes (method and path template) to the code that
//!   answers, with 404 and 405 for requests no route serves.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod address;
pub mod broker;
mod error;
pub mod packet;
mod router;
pub mod schema;

pub use address::{queue_name, Address, AddressError};
pub use broker::{Client, ClientBuilder, ClientError, Reconnect, Server, ServerBuilder, ServerError, ServerHandle};
pub use error::OmcpError;
pub use packet::{Method, Packet, ParseError, Request, Response, Status};
pub use router::{percent_decode, push_segment, Created, Handler, HandlerFuture, Module, PathTemplate, Router, TemplateError};
pub use schema::{export_schema, ModuleSchema, ParamSchema, RouteSchema};
