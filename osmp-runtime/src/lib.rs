//! Runtime of the Open System Management Protocol.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod wire;
