//! How bytes reach the session engine: TCP, TLS, the HTTP step in front of the WebSocket
//! upgrade, and the WebSocket itself, on both ends.
//!
//! A server connection goes `accept` (TLS, the HTTP request, the `Origin` check and the
//! upgrade at [`OSMP_PATH`], or a plain HTTP answer) → `websocket` (messages become
//! [`Frame`]s) → the session. A client connection goes `connect` (URL, TCP, TLS, upgrade) → `websocket` → the session.
//! The session engine sees only frames, so any other transport works too
//! (`ServerRef::serve_transport`).

pub(crate) mod accept;
pub(crate) mod budget;
pub(crate) mod connect;
mod frame;
pub(crate) mod http;
pub(crate) mod origin;
mod socket;
pub mod tls;
mod upgrade;
pub(crate) mod websocket;

pub use connect::ClientError;
pub use frame::{CloseReason, Frame, Text};

pub(crate) use socket::Socket;

/// The path every OSMP v1 session connects to.
pub const OSMP_PATH: &str = "/osmp/v1";
