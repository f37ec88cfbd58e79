//! How a connection ends, seen from the attacker's side: the server's close frame (its
//! code and reason), a reset, or an end without either.

use futures_util::{Stream, StreamExt};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// Reads until the connection ends; says how. Messages before the end (answers, the
/// server's `session-status`) are skipped.
pub async fn ending<S>(stream: &mut S) -> String
where
    S: Stream<Item = Result<Message, WsError>> + Unpin,
{
    while let Some(message) = stream.next().await {
        match message {
            Ok(Message::Close(Some(frame))) => return format!("closed {} \"{}\"", u16::from(frame.code), frame.reason),
            Ok(Message::Close(None)) => return "closed without a code".to_owned(),
            Ok(_) => {}
            Err(WsError::Io(error)) => return format!("connection {}", io_kind(&error)),
            Err(error) => return format!("error: {error}"),
        }
    }
    "ended without a close frame".to_owned()
}

/// A short name for how a socket failed.
pub fn io_kind(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionReset => "reset".to_owned(),
        std::io::ErrorKind::BrokenPipe => "broken pipe".to_owned(),
        std::io::ErrorKind::UnexpectedEof => "closed mid-frame".to_owned(),
        _ => error.to_string(),
    }
}
