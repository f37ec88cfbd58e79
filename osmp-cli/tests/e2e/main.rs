//! End-to-end tests of the `osmp` binary: the real executable, run as a child process
//! against a real server on 127.0.0.1 (in this process, see `support`). One test binary
//! with a module per topic keeps link times down.

mod support;

mod calls;
mod discovery;
mod events;
mod files;
mod pa_system;
mod security;
mod shell;
mod streams;
