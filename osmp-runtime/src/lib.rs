//! Runtime of the Open System Management Protocol.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod events;
pub mod instruction;
pub mod session;
pub mod tls;
pub mod wire;
