//! Part 2 of the hostile-peers issue, the peer that does not read: one session sends
//! 20,000 `echo` commands of 64 KiB each, a pong after each (unsolicited pongs once kept
//! such a peer alive), and never reads what the server answers.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

use super::ending::{ending, io_kind};
use super::Outcome;
use crate::load::{connect, ServerProcess};

/// Commands the peer means to send…
const COMMANDS: u64 = 20_000;
/// …each asking to echo this many bytes.
const TOKEN: usize = 64 << 10;
/// The peer gives up by then (the server's write-stall timeout is 30 s).
const GIVE_UP: Duration = Duration::from_secs(90);
/// What the peer reads at the end, to see how the server ended the connection.
const READ_AT_THE_END: Duration = Duration::from_secs(5);

pub async fn run(server: &ServerProcess) -> Result<Outcome, String> {
    let (mut sink, mut stream) = connect(server).await?.split();
    let token = "y".repeat(TOKEN);
    let started = Instant::now();
    let mut sent = 0u64;
    let mut last_sent = Duration::ZERO;
    let sending = async {
        while sent < COMMANDS {
            let command = format!(r#"{{"nr":{},"type":"cmd","id":"echo","data":{{"token":"{token}"}}}}"#, sent + 1);
            sink.send(Message::text(command)).await?;
            sink.send(Message::Pong(Bytes::new())).await?;
            sent += 1;
            last_sent = started.elapsed();
        }
        Ok::<_, WsError>(())
    };
    let stopped = match tokio::time::timeout(GIVE_UP, sending).await {
        Ok(Ok(())) => "every command was taken".to_owned(),
        Ok(Err(WsError::Io(error))) => format!("send failed: {}", io_kind(&error)),
        Ok(Err(error)) => format!("send failed: {error}"),
        Err(_) => format!("the peer gave up after {} s", GIVE_UP.as_secs()),
    };
    let ended_after = started.elapsed();
    // Now read what the server sent, to its end.
    let read = tokio::time::timeout(READ_AT_THE_END, ending(&mut stream)).await;
    let ending = read.unwrap_or_else(|_| "no end within 5 s of reading".to_owned());
    drop((sink, stream));
    Ok(Outcome {
        size: format!(
            "1 session: {COMMANDS} echo × {} KiB (+ a pong each), never reading; {sent} sent ({:.1} MiB) before the \
             server stopped reading",
            TOKEN >> 10,
            (sent as usize * TOKEN) as f64 / f64::from(1 << 20)
        ),
        attackers: format!("{stopped} {:.1} s after the start; then reading: {ending}", ended_after.as_secs_f64()),
        notes: vec![format!("the last command went out {:.1} s after the start", last_sent.as_secs_f64())],
    })
}
