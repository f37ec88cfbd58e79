//! What the session engine reads from and writes to its transport: frames and close reasons.
//!
//! The engine is transport-agnostic: it consumes a `Stream` of [`Frame`]s and feeds a
//! `Sink` of them. The WebSocket adapter maps tungstenite messages to frames; tests and
//! other transports can use channels.

use std::fmt;
use std::ops::Deref;

use tokio_tungstenite::tungstenite::Utf8Bytes;

/// One unit of transport traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A protocol message (one JSON object).
    Text(Text),
    /// A transport ping (the transport answers it; the engine counts it as a sign of life).
    Ping(Vec<u8>),
    /// A transport pong.
    Pong(Vec<u8>),
    /// Data the protocol ignores (WebSocket binary frames).
    Binary(Vec<u8>),
    /// The end of the conversation, with an optional reason.
    Close(Option<CloseReason>),
}

/// The text of a [`Frame::Text`]: UTF-8, shared rather than copied.
///
/// A message read from a WebSocket stays in the buffer it was read into, and a message
/// written is handed to the socket as it was serialized: neither is copied on its way
/// between the transport and the session. Build one from a `String` or a `&str`, read it as
/// a `&str`. A text read from a WebSocket keeps the read buffer it was read into allocated for
/// as long as it lives (the session drops it as soon as the message is handled): keep a
/// `String` of it (`String::from(text)`) rather than the text itself for longer.
///
/// ```
/// use osmp_runtime::transport::{Frame, Text};
///
/// let frame = Frame::Text(Text::from(r#"{"nr":1,"type":"cmd","id":"echo"}"#));
/// if let Frame::Text(text) = &frame {
///     assert!(text.starts_with('{'));
///     assert_eq!(text.as_str().len(), 33);
/// }
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Utf8Bytes);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// A WebSocket message's payload, as read (no copy). Not a `From`: tungstenite's types
    /// stay out of the public API.
    pub(crate) fn from_utf8_bytes(text: Utf8Bytes) -> Text {
        Text(text)
    }

    /// The WebSocket message's payload (no copy).
    pub(crate) fn into_utf8_bytes(self) -> Utf8Bytes {
        self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Utf8Bytes::from(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Utf8Bytes::from(text))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.as_str().to_owned()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
