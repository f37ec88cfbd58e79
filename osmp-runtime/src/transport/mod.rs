//! Transports the session engine runs over.

pub(crate) mod websocket;

pub use websocket::WebSocketLimits;
