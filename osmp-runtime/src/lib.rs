//! Runtime of the Open System Management Protocol.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod auth;
pub mod client;
pub mod events;
pub mod instruction;
pub mod server;
pub mod session;
pub mod standard;
pub mod tls;
pub mod transport;
pub mod wire;

#[doc(hidden)]
pub mod __private;

/// Turns an annotated trait into an OSMP instruction set: dispatch, schema and a typed
/// event emitter. See the `osmp-derive` crate for the attributes it accepts.
pub use osmp_derive::instruction_set;
