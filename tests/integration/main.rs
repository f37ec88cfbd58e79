//! Integration tests: real servers on 127.0.0.1:0, real sockets, literal JSON from the
//! specification. One test binary with a module per topic keeps link times down.

// The examples run here (custom_set, pa_system) each include the demo server's flags
// (`examples/support/server_args.rs`), as their own binaries need them.
#![allow(clippy::duplicate_mod)]

mod support;

mod auth;
mod bounds;
mod cancellation;
mod concurrency;
mod console;
mod events;
mod files;
mod hostile;
mod http;
mod keepalive_and_timeouts;
mod pa_system;
mod readme;
mod reconnect;
mod server_to_client;
mod smoke;
mod spec_examples;
mod tls_and_shutdown;
mod typed;

mod instruction_set;

/// The examples, run as they are: `cargo run --example …` must work as the README says.
#[allow(dead_code)]
#[path = "../../examples/quickstart.rs"]
mod quickstart;

#[allow(dead_code)]
#[path = "../../examples/custom_set.rs"]
mod custom_set;

#[cfg(feature = "omcp")]
#[allow(dead_code)]
#[path = "../../examples/omcp_module.rs"]
mod omcp_module;

#[cfg(feature = "cluster")]
#[allow(dead_code)]
#[path = "../../examples/cluster.rs"]
mod cluster;
