//! # OMCP for Rust
//!
//! OMCP, the OSIRIS module communication protocol, connects the modules of a system
//! through a message broker (RabbitMQ), REST-style: GET, POST, PUT and DELETE are answered
//! with a status (200, 201 and its location, 400, 403, 404, 405, 408, 500, 501), NOTIFY is
//! not. This crate speaks it as the original Java implementation does, so a Rust module can
//! join an OSIRIS installation:
//!
//! - [`packet`]: the OMCP/0.1 packets ([`Request`], [`Response`]) and their codec;
//! - [`address`]: `omcp://module/path?query` addresses, queue names, message groups.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod address;
mod error;
pub mod packet;

pub use address::{queue_name, Address, AddressError};
pub use error::OmcpError;
pub use packet::{Method, Packet, ParseError, Request, Response, Status};
