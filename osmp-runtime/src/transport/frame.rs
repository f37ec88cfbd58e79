//! What the session engine reads from and writes to its transport: frames and close reasons.
//!
//! The engine is transport-agnostic: it consumes a `Stream` of [`Frame`]s and feeds a
//! `Sink` of them. The WebSocket adapter maps tungstenite messages to frames; tests and
//! other transports can use channels.

use std::fmt;

/// One unit of transport traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A protocol message (one JSON object).
    Text(String),
    /// A transport ping (the transport answers it; the engine counts it as a sign of life).
    Ping(Vec<u8>),
    /// A transport pong.
    Pong(Vec<u8>),
    /// Data the protocol ignores (WebSocket binary frames).
    Binary(Vec<u8>),
    /// The end of the conversation, with an optional reason.
    Close(Option<CloseReason>),
}

/// Why a session ended, in WebSocket close-frame terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReason {
    /// WebSocket close code (1000 normal, 1001 going away, 1008 policy, 1009 too big, 1011 error).
    pub code: u16,
    /// Human-readable reason (at most 123 bytes on the wire).
    pub reason: String,
}

impl CloseReason {
    /// A normal closure (1000).
    pub fn normal(reason: impl Into<String>) -> CloseReason {
        CloseReason { code: 1000, reason: reason.into() }
    }

    /// The endpoint is going away (1001), e.g. the server shuts down.
    pub fn going_away(reason: impl Into<String>) -> CloseReason {
        CloseReason { code: 1001, reason: reason.into() }
    }

    /// The peer violated a policy or limit (1008).
    pub fn policy(reason: impl Into<String>) -> CloseReason {
        CloseReason { code: 1008, reason: reason.into() }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.code)
    }
}
