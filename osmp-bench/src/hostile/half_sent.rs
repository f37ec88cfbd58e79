//! Part 1 of the hostile-peers issue: many connections each start a fragmented message
//! just under the message limit (4 MiB) and then send nothing, waiting for what the server
//! does (its incoming-data budget closes the largest holders, the message timeout the
//! rest).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

use super::ending::{ending, io_kind};
use super::tally::Tally;
use super::Outcome;
use crate::load::{connect_many, ServerProcess, Ws};

/// Connections, each holding one unfinished message.
const CONNECTIONS: usize = 200;
/// The message is sent in fragments of this size (FIN unset on every one)…
const FRAGMENT: usize = 64 << 10;
/// …this many: 63 × 64 KiB = 3.94 MiB, just under the default 4 MiB message limit.
const FRAGMENTS: usize = 63;
/// An attacker the server has not closed by then gives up (the message timeout is 10 s).
const GIVE_UP: Duration = Duration::from_secs(30);

pub async fn run(server: &ServerProcess) -> Result<Outcome, String> {
    let sockets = connect_many(server, CONNECTIONS).await?;
    let fragment = Bytes::from(vec![b'x'; FRAGMENT]);
    let started = Instant::now();
    let attackers: Vec<_> = sockets.into_iter().map(|ws| tokio::spawn(attack(ws, fragment.clone(), started))).collect();
    let mut tally = Tally::default();
    let mut closed_at = Vec::new();
    for attacker in attackers {
        let (ending, after) = attacker.await.map_err(|e| e.to_string())?;
        tally.add(ending);
        closed_at.push(after);
    }
    closed_at.sort_unstable();
    let seconds = |at: Option<&Duration>| at.map_or(f64::NAN, Duration::as_secs_f64);
    Ok(Outcome {
        size: format!(
            "{CONNECTIONS} connections × {:.2} MiB unfinished message ({FRAGMENTS} fragments of {} KiB), then silence",
            (FRAGMENT * FRAGMENTS) as f64 / f64::from(1 << 20),
            FRAGMENT >> 10
        ),
        attackers: tally.summary(),
        notes: vec![format!(
            "connections ended {:.1} s (first) to {:.1} s (last) after the attack began",
            seconds(closed_at.first()),
            seconds(closed_at.last())
        )],
    })
}

/// Sends the fragments while watching for the server's answer; returns how the connection
/// ended and when.
async fn attack(ws: Ws, fragment: Bytes, started: Instant) -> (String, Duration) {
    let (mut sink, mut stream) = ws.split();
    // The read half keeps the connection open once everything is sent.
    let sender = tokio::spawn(async move {
        for index in 0..FRAGMENTS {
            let opcode = OpCode::Data(if index == 0 { Data::Text } else { Data::Continue });
            sink.feed(Message::Frame(Frame::message(fragment.clone(), opcode, false))).await?;
        }
        sink.flush().await
    });
    let ended = tokio::time::timeout(GIVE_UP, ending(&mut stream)).await;
    let after = started.elapsed();
    sender.abort();
    let outcome = match (ended, sender.await) {
        (Ok(ending), _) => ending,
        (Err(_), Ok(Err(WsError::Io(error)))) => format!("send failed: {}", io_kind(&error)),
        (Err(_), _) => format!("still open after {} s", GIVE_UP.as_secs()),
    };
    (outcome, after)
}
