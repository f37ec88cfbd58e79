// The front page is the README: the guide, its examples compiled as this crate's doctests.
#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

// Every item has one home, its module; the prelude gathers what most programs need.
pub use osmp_runtime::{auth, client, events, instruction, limits, server, session, standard, transport, wire};

pub use osmp_runtime::instruction_set;

/// serde, the version `osmp` is built with: derive through it (`#[derive(osmp::serde::Serialize)]`
/// with `#[serde(crate = "osmp::serde")]`) to need no dependency of your own.
pub use osmp_runtime::__private::serde;

/// schemars, the version `osmp` is built with: derive through it
/// (`#[derive(osmp::schemars::JsonSchema)]` with `#[schemars(crate = "osmp::schemars")]`).
pub use osmp_runtime::__private::schemars;

/// serde_json, the version `osmp` is built with (`osmp::serde_json::json!`).
pub use osmp_runtime::__private::serde_json;

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

/// The examples of the `#[instruction_set]` page, compiled here: the macro's own crate cannot
/// use the macro.
#[doc = include_str!("../osmp-derive/doc/instruction_set.md")]
#[cfg(doctest)]
pub struct InstructionSetDoctests;

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
