//! PLACEHOLDER — end-to-end tests of `osmp` against the PA-system example
//! (`examples/pa_system.rs`, the spec's Director and VD1 instruction sets), to be added
//! when that example lands. Deliberately empty for now.
//!
//! The example is a binary of the root package, not of this one, so these tests will run it
//! as a child process (`cargo build --example pa_system` first, or find it next to the test
//! binary under `target/<profile>/examples/`), wait for its `listening on ws://…` line, and
//! run `osmp` against that URL with the helpers of `support` (`osmp()`, `run_with`,
//! `finish`, `interrupt`). Worth covering there:
//!
//! - `osmp help URL` lists the director and vd1 commands; `osmp help URL vcall-create`.
//! - `osmp call URL vcall-create …` then `vcall-play` (and its alias `vcall-start`),
//!   `vcall-list filter=…`, `vcall-status`, `vcall-delete id='*'`.
//! - `osmp --json call URL log-stream` cancelled with SIGINT: stream lines, then the
//!   cancelled response.
//! - `osmp --json watch URL vcall-status-changed vdevice-status-changed`: the snapshot on
//!   subscribe, then differential events.
//! - `--require-auth --user NAME:PASSWORD` on the example with `osmp --user NAME`.
