//! Runtime of the Open System Management Protocol.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

// The layers, bottom up: each module imports only those listed above it (ARCHITECTURE.md).
pub mod auth;
pub mod client;
mod console;
pub mod events;
pub mod instruction;
pub mod limits;
pub mod server;
pub mod session;
pub mod standard;
mod sync;
pub mod transport;
pub mod wire;

#[doc(hidden)]
pub mod __private;

pub use osmp_derive::instruction_set;
