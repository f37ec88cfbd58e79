//! Part 2 of the hostile-peers issue, the floods: many sessions filling the server-wide
//! limit of running commands with `wait`, and sessions sending cheap commands as fast as
//! they can (is reading fair between sessions?).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::tally::Tally;
use super::Outcome;
use crate::load::{command, connect_many, ServerProcess, Ws};

/// Sessions holding `wait` commands…
const WAIT_SESSIONS: usize = 100;
/// …each this many (the per-session limit is 1,024; together twice the server-wide 50,000).
const WAITS_PER_SESSION: u64 = 1000;
/// A session whose answers have stopped coming for this long has had all it will get (on
/// two busy cores the server may take a second to answer 100,000 commands).
const QUIET: Duration = Duration::from_secs(2);
/// How long the waiting commands are held once all are placed.
const HOLD: Duration = Duration::from_secs(3);

/// Sessions flooding cheap commands…
const FLOOD_SESSIONS: usize = 8;
/// …written in batches of this many, one flush each.
const FLOOD_BATCH: u64 = 256;

pub async fn waits(server: &ServerProcess) -> Result<Outcome, String> {
    let sockets = connect_many(server, WAIT_SESSIONS).await?;
    let sessions: Vec<_> = sockets.into_iter().map(|ws| tokio::spawn(place_waits(ws))).collect();
    let mut tally = Tally::default();
    let mut held = Vec::new();
    for session in sessions {
        let (ws, answers) = session.await.map_err(|e| e.to_string())??;
        for answer in answers {
            tally.add(answer);
        }
        held.push(ws);
    }
    tokio::time::sleep(HOLD).await;
    drop(held);
    let total = WAIT_SESSIONS as u64 * WAITS_PER_SESSION;
    Ok(Outcome {
        size: format!(
            "{WAIT_SESSIONS} sessions × {WAITS_PER_SESSION} `wait` ({total} commands), held {} s",
            HOLD.as_secs()
        ),
        attackers: format!(
            "no session closed; answers: {}; the rest kept running until the sessions left",
            tally.summary()
        ),
        notes: Vec::new(),
    })
}

/// Sends the waits, then collects the answers that come (refusals; a running `wait` does
/// not answer) until the session has been quiet for a while.
async fn place_waits(mut ws: Ws) -> Result<(Ws, Vec<String>), String> {
    for nr in 1..=WAITS_PER_SESSION {
        ws.feed(Message::text(command(nr, "wait", &serde_json::Value::Null))).await.map_err(|e| e.to_string())?;
    }
    ws.flush().await.map_err(|e| e.to_string())?;
    let mut answers = Vec::new();
    while let Ok(Some(message)) = tokio::time::timeout(QUIET, ws.next()).await {
        let Message::Text(text) = message.map_err(|e| e.to_string())? else { continue };
        let reply: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        if reply["type"] == "response" {
            answers.push(format!(
                "{} \"{}\"",
                reply["status"].as_str().unwrap_or("?"),
                reply["result"].as_str().unwrap_or("")
            ));
        }
    }
    Ok((ws, answers))
}

pub async fn cheap(server: &ServerProcess, duration: Duration) -> Result<Outcome, String> {
    let sockets = connect_many(server, FLOOD_SESSIONS).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = server.cpu();
    let started = Instant::now();
    let floods: Vec<_> = sockets.into_iter().map(|ws| tokio::spawn(flood(ws, stop.clone()))).collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut answered = 0;
    let mut ends = Tally::default();
    for flood in floods {
        let (count, end) = flood.await.map_err(|e| e.to_string())?;
        answered += count;
        ends.add(end);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = server.cpu().saturating_sub(cpu_before).as_secs_f64();
    Ok(Outcome {
        size: format!(
            "{FLOOD_SESSIONS} sessions × `echo` without data, as fast as they can, {:.0} s",
            duration.as_secs_f64()
        ),
        attackers: format!("{answered} answered ({:.0}/s); {}", answered as f64 / elapsed, ends.summary()),
        notes: vec![format!(
            "server CPU {cpu:.1} s in {elapsed:.1} s, {:.2} µs per answer",
            cpu * 1e6 / answered.max(1) as f64
        )],
    })
}

/// Writes `echo` commands in batches while another task reads the answers; stops writing
/// when told, then reads the answers still due. Returns the answers read and how the
/// flood ended.
async fn flood(ws: Ws, stop: Arc<AtomicBool>) -> (u64, String) {
    let (mut sink, mut stream) = ws.split();
    let sent = Arc::new(AtomicU64::new(0));
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (sent, writing) = (sent.clone(), writing.clone());
        tokio::spawn(async move {
            let mut nr = 0;
            'flood: while !stop.load(Ordering::Relaxed) {
                for _ in 0..FLOOD_BATCH {
                    nr += 1;
                    if sink.feed(Message::text(format!(r#"{{"nr":{nr},"type":"cmd","id":"echo"}}"#))).await.is_err() {
                        break 'flood;
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                if sink.flush().await.is_err() {
                    break;
                }
            }
            writing.store(false, Ordering::Relaxed);
            sink
        })
    };
    let mut answered = 0;
    let mut waited = Duration::ZERO;
    let end = loop {
        if !writing.load(Ordering::Relaxed) && answered >= sent.load(Ordering::Relaxed) {
            break "served to the end".to_owned();
        }
        match tokio::time::timeout(Duration::from_millis(100), stream.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                waited = Duration::ZERO;
                if text.contains(r#""type":"response""#) {
                    answered += 1;
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(error))) => break format!("error: {error}"),
            Ok(None) => break "ended by the server".to_owned(),
            Err(_) => {
                waited += Duration::from_millis(100);
                if waited >= QUIET * 5 {
                    break "answers stopped coming".to_owned();
                }
            }
        }
    };
    writer.abort();
    (answered, end)
}
