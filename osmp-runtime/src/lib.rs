//! Runtime of the Open System Management Protocol.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod client;
pub mod events;
pub mod instruction;
pub mod server;
pub mod session;
pub mod standard;
pub mod tls;
pub mod transport;
pub mod wire;
