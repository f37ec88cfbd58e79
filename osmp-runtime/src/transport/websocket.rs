//! Adapts a tokio-tungstenite WebSocket to the engine's frames.
//!
//! Text messages become [`Frame::Text`]; transport failures become the close reason the
//! session reports (message too big → 1009, invalid UTF-8 → 1007, protocol errors → 1002).
//! Pings are answered by tungstenite itself whenever the stream is read or written.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Sink, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::session::{CloseReason, Frame};

/// Transport limits of a WebSocket connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebSocketLimits {
    /// Largest accepted message, in bytes.
    pub max_message_size: usize,
    /// Largest accepted frame, in bytes.
    pub max_frame_size: usize,
    /// Size of the read buffer allocated per connection, and the most read from the socket
    /// at once. Small keeps idle sessions cheap; it grows for large messages anyway.
    pub read_buffer_size: usize,
    /// Bytes buffered before a write goes to the socket (a flush always writes).
    pub write_buffer_size: usize,
    /// Bytes of unsent data after which writing fails (a peer that stopped reading).
    pub max_write_buffer_size: usize,
}

impl Default for WebSocketLimits {
    fn default() -> WebSocketLimits {
        WebSocketLimits {
            max_message_size: 4 << 20,
            max_frame_size: 4 << 20,
            // tungstenite zero-fills the whole chunk before every socket read, so each
            // session's buffer is resident from its first message on, and every read pays for
            // clearing it. 4 KiB still takes a burst of some forty typical commands (or four
            // 1 KiB ones) in one read; 8 KiB cost 4 KiB more per idle session for no
            // measurable gain.
            read_buffer_size: 4 << 10,
            write_buffer_size: 64 << 10,
            max_write_buffer_size: 64 << 20,
        }
    }
}

impl WebSocketLimits {
    pub(crate) fn to_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .max_message_size(Some(self.max_message_size))
            .max_frame_size(Some(self.max_frame_size))
            .read_buffer_size(self.read_buffer_size)
            .write_buffer_size(self.write_buffer_size)
            .max_write_buffer_size(self.max_write_buffer_size.max(self.write_buffer_size + 1))
    }
}

/// Splits a WebSocket into the engine's frame stream and frame sink.
pub(crate) fn frames<S>(
    socket: WebSocketStream<S>,
) -> (impl Stream<Item = Result<Frame, CloseReason>> + Send, FrameSink<S>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sink, stream) = socket.split();
    let frames =
        stream.filter_map(|message| async move {
            match message {
                Ok(Message::Text(text)) => Some(Ok(Frame::Text(text.as_str().to_owned()))),
                Ok(Message::Binary(data)) => Some(Ok(Frame::Binary(data.to_vec()))),
                Ok(Message::Ping(data)) => Some(Ok(Frame::Ping(data.to_vec()))),
                Ok(Message::Pong(data)) => Some(Ok(Frame::Pong(data.to_vec()))),
                Ok(Message::Close(frame)) => Some(Ok(Frame::Close(frame.map(|frame| CloseReason {
                    code: u16::from(frame.code),
                    reason: frame.reason.as_str().to_owned(),
                })))),
                Ok(Message::Frame(_)) => None,
                Err(error) => Some(Err(close_reason(&error))),
            }
        });
    (frames, FrameSink { inner: sink })
}

/// The close a transport failure calls for.
fn close_reason(error: &WsError) -> CloseReason {
    match error {
        WsError::ConnectionClosed | WsError::AlreadyClosed => CloseReason::normal("connection closed"),
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
            CloseReason { code: 1009, reason: format!("message too big: {size} bytes, limit {max_size}") }
        }
        WsError::Capacity(other) => CloseReason { code: 1009, reason: other.to_string() },
        WsError::Utf8(_) => CloseReason { code: 1007, reason: "invalid UTF-8 in a text message".to_owned() },
        WsError::Protocol(protocol) => CloseReason { code: 1002, reason: format!("protocol error: {protocol}") },
        WsError::Io(io) => CloseReason { code: 1011, reason: format!("connection error: {io}") },
        other => CloseReason { code: 1011, reason: other.to_string() },
    }
}

/// The sending half, taking frames.
pub(crate) struct FrameSink<S> {
    inner: futures_util::stream::SplitSink<WebSocketStream<S>, Message>,
}

impl<S> Sink<Frame> for FrameSink<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    type Error = WsError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, frame: Frame) -> Result<(), WsError> {
        Pin::new(&mut self.inner).start_send(to_message(frame))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

fn to_message(frame: Frame) -> Message {
    match frame {
        Frame::Text(text) => Message::Text(text.into()),
        Frame::Binary(data) => Message::Binary(data.into()),
        Frame::Ping(data) => Message::Ping(data.into()),
        Frame::Pong(data) => Message::Pong(data.into()),
        Frame::Close(reason) => Message::Close(reason.map(|reason| CloseFrame {
            code: CloseCode::from(reason.code),
            reason: truncate_reason(reason.reason).into(),
        })),
    }
}

/// A close frame's reason must fit in 123 bytes.
fn truncate_reason(mut reason: String) -> String {
    if reason.len() > 123 {
        let cut = (0..=120).rev().find(|&index| reason.is_char_boundary(index)).unwrap_or(0);
        reason.truncate(cut);
        reason.push('…');
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_fit_a_frame() {
        assert_eq!(truncate_reason("short".into()), "short");
        let long = truncate_reason("ä".repeat(100));
        assert!(long.len() <= 123, "{}", long.len());
    }
}
