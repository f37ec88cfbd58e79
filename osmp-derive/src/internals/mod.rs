//! The shared layer both macros are built on, as serde_derive's `internals`: attribute
//! arguments, errors, docs, the trait header, the IR pieces and parsing rules they share,
//! the token helpers of generated code, and the server and client wrappers.

pub mod attr;
pub mod client;
pub mod docs;
pub mod errors;
pub mod header;
pub mod ir;
pub mod item;
pub mod param;
pub mod server;
pub mod shape;
pub mod suggest;
pub mod tokens;
pub mod trait_def;
pub mod types;
