//! Adapts a tokio-tungstenite WebSocket to the engine's frames.
//!
//! Text messages become [`Frame::Text`]; transport failures become the close reason the
//! session reports (message too big → 1009, invalid UTF-8 → 1007, protocol errors → 1002).
//! Pings are answered by tungstenite itself whenever the stream is read or written.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, Stream, StreamExt};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::budget::Account;
use super::{CloseReason, Frame, Socket, Text};
use crate::limits::Limits;

/// The WebSocket configuration the limits call for.
pub(crate) fn config(limits: &Limits) -> WebSocketConfig {
    let (messages, outgoing) = (&limits.messages, &limits.outgoing);
    WebSocketConfig::default()
        .max_message_size(Some(messages.max_message_size))
        .max_frame_size(Some(messages.max_frame_size))
        .read_buffer_size(messages.read_buffer_size)
        .write_buffer_size(outgoing.write_buffer_size)
        .max_write_buffer_size(outgoing.max_write_buffer_size.max(outgoing.write_buffer_size + 1))
}

/// Splits a WebSocket into the engine's frame stream and frame sink.
pub(crate) fn frames(socket: WebSocketStream<Socket>) -> (FrameStream, FrameSink) {
    let account = socket.get_ref().account().clone();
    let peer_closed = Arc::new(AtomicBool::new(false));
    let (sink, stream) = socket.split();
    (FrameStream { inner: stream, account, peer_closed: peer_closed.clone() }, FrameSink { inner: sink, peer_closed })
}

/// The receiving half, yielding frames, or the close reason of a transport failure (or of
/// a limit the connection's account enforces).
pub(crate) struct FrameStream {
    inner: SplitStream<WebSocketStream<Socket>>,
    account: Arc<Account>,
    /// Set when the peer's close frame arrived (the sink then only answers it).
    peer_closed: Arc<AtomicBool>,
}

impl FrameStream {
    /// What the connection has read and written (the session reads its progress).
    pub(crate) fn account(&self) -> &Arc<Account> {
        &self.account
    }
}

impl Stream for FrameStream {
    type Item = Result<Frame, CloseReason>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(reason) = self.account.poll_closed(cx) {
                return Poll::Ready(Some(Err(reason)));
            }
            let message = ready!(self.inner.poll_next_unpin(cx));
            // A limit may have closed the connection while this message was read.
            if let Some(reason) = self.account.poll_closed(cx) {
                return Poll::Ready(Some(Err(reason)));
            }
            if let Some(Ok(Message::Close(_))) = &message {
                self.peer_closed.store(true, Ordering::Relaxed);
            }
            if let Some(Ok(Message::Text(_) | Message::Binary(_) | Message::Close(_))) = &message {
                // Control frames may come between the fragments of a message: only a data
                // message (or the end) frees what the account holds.
                self.account.message_complete();
            }
            let frame = match message {
                None => return Poll::Ready(None),
                Some(Ok(Message::Text(text))) => Frame::Text(Text::from_utf8_bytes(text)),
                Some(Ok(Message::Binary(data))) => Frame::Binary(data.to_vec()),
                Some(Ok(Message::Ping(data))) => Frame::Ping(data.to_vec()),
                Some(Ok(Message::Pong(data))) => Frame::Pong(data.to_vec()),
                Some(Ok(Message::Close(frame))) => Frame::Close(frame.map(|frame| CloseReason {
                    code: u16::from(frame.code),
                    reason: frame.reason.as_str().to_owned(),
                })),
                // Raw frames are only seen when writing them; never when reading.
                Some(Ok(Message::Frame(_))) => continue,
                Some(Err(error)) => return Poll::Ready(Some(Err(close_reason(&error)))),
            };
            return Poll::Ready(Some(Ok(frame)));
        }
    }
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
pub(crate) struct FrameSink {
    inner: SplitSink<WebSocketStream<Socket>, Message>,
    peer_closed: Arc<AtomicBool>,
}

impl Sink<Frame> for FrameSink {
    type Error = WsError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, frame: Frame) -> Result<(), WsError> {
        if matches!(frame, Frame::Close(_)) && self.peer_closed.load(Ordering::Relaxed) {
            // tungstenite has queued its answer to the peer's close already (the same code,
            // or 1002 for an invalid one) and refuses a second close: the flush that follows
            // sends that answer.
            return Ok(());
        }
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
        Frame::Text(text) => Message::Text(text.into_utf8_bytes()),
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
