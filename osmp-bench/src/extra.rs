//! The scenarios beyond request/response: memory per idle session, event fan-out and
//! command streams.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::load::{self, call, command, connect, connect_many, ServerProcess, Ws};
use crate::serve::unix_micros;
use crate::Kind;

// ---------------------------------------------------------------------------------------
// Memory: RSS of the server idle, then with many idle sessions.

pub struct MemoryResult {
    pub sessions: usize,
    pub idle_rss: u64,
    pub loaded_rss: u64,
}

impl MemoryResult {
    pub fn per_session(&self) -> f64 {
        self.loaded_rss.saturating_sub(self.idle_rss) as f64 / self.sessions as f64
    }
}

/// Connects `sessions` clients, each of which makes one `echo` call and then stays idle, so
/// that every session has read and written once (its buffers are in use, as in real life).
pub async fn memory(server: &ServerProcess, sessions: usize) -> Result<MemoryResult, String> {
    // One session first, so that what every server allocates once is in the idle figure.
    let mut first = connect(server).await?;
    call(&mut first, server.kind, load::echo_request(server.kind, 1, "warm"), 1).await?;
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle_rss = server.rss();

    let mut sockets = connect_many(server, sessions).await?;
    let kind = server.kind;
    futures_util::stream::iter(sockets.iter_mut())
        .map(|ws| call(ws, kind, load::echo_request(kind, 1, "idle"), 1))
        .buffer_unordered(128)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let loaded_rss = server.rss();
    drop(sockets);
    Ok(MemoryResult { sessions, idle_rss, loaded_rss })
}

// ---------------------------------------------------------------------------------------
// Event fan-out: one event to many subscribed sessions; then a sustained storm.

pub struct FanOutResult {
    /// For each emitted event: microseconds from the emit until the last session had it.
    pub last_delivery: Vec<f64>,
    /// For each emitted event: the median session's delay, in microseconds.
    pub median_delivery: Vec<f64>,
    /// osmp only: the baseline does not batch events.
    pub storm: Option<StormResult>,
}

pub struct StormResult {
    pub seconds: f64,
    pub emitted: u64,
    pub delivered: u64,
    pub messages: u64,
    pub server_cpu: Duration,
}

/// What every subscribed session counts.
#[derive(Default)]
struct Counters {
    events: AtomicU64,
    messages: AtomicU64,
}

/// Subscribes `sessions` clients to `tick`, fires `repeats` single events and measures when
/// each session had each; then, for osmp, a storm of events for `storm_seconds`.
pub async fn fan_out(
    server: &ServerProcess,
    sessions: usize,
    repeats: usize,
    storm_seconds: Option<f64>,
) -> Result<FanOutResult, String> {
    let mut subscribers = connect_many(server, sessions).await?;
    subscribe_all(&mut subscribers, "tick").await?;

    let counters = Arc::new(Counters::default());
    let (delays_tx, mut delays) = mpsc::unbounded_channel();
    let receivers: Vec<_> = subscribers
        .into_iter()
        .map(|ws| tokio::spawn(receive_ticks(ws, counters.clone(), delays_tx.clone())))
        .collect();
    drop(delays_tx);

    let mut trigger = connect(server).await?;
    let mut nr = 1;
    let mut last_delivery = Vec::new();
    let mut median_delivery = Vec::new();
    for seq in 0..repeats as u64 {
        // Longer than the batching window (200 ms): each event starts a quiet period and
        // goes out at once, as a single event.
        tokio::time::sleep(Duration::from_millis(300)).await;
        nr += 1;
        call(&mut trigger, server.kind, command(nr, "fire", &json!({"seq": seq})), nr).await?;
        let mut samples = Vec::with_capacity(sessions);
        while samples.len() < sessions {
            match tokio::time::timeout(Duration::from_secs(10), delays.recv()).await {
                Ok(Some((event_seq, delay))) if event_seq == seq => samples.push(delay),
                Ok(Some(_)) => {}
                _ => return Err(format!("event {seq} reached {} of {sessions} sessions", samples.len())),
            }
        }
        samples.sort_unstable();
        last_delivery.push(samples[samples.len() - 1] as f64);
        median_delivery.push(samples[samples.len() / 2] as f64);
    }

    let storm = match storm_seconds {
        Some(seconds) => Some(storm(server, &mut trigger, nr + 1, &counters, seconds).await?),
        None => None,
    };
    receivers.iter().for_each(|task| task.abort());
    Ok(FanOutResult { last_delivery, median_delivery, storm })
}

/// Has the server emit events back to back for `seconds` (command `nr`, on `trigger`) and
/// counts what the subscribed sessions receive until the count stops moving.
async fn storm(
    server: &ServerProcess,
    trigger: &mut Ws,
    nr: u64,
    counters: &Counters,
    seconds: f64,
) -> Result<StormResult, String> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    counters.events.store(0, Ordering::Relaxed);
    counters.messages.store(0, Ordering::Relaxed);
    let cpu_before = server.cpu();
    let start = Instant::now();
    let reply = call(trigger, Kind::Osmp, command(nr, "storm", &json!({ "seconds": seconds })), nr).await?;
    let emitted = serde_json::from_str::<serde_json::Value>(&reply).map_err(|e| e.to_string())?["data"]["events"]
        .as_u64()
        .unwrap_or(0);
    // Batched events still on their way: wait until the count stops moving.
    let mut delivered = counters.events.load(Ordering::Relaxed);
    let mut last_change = start.elapsed();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = counters.events.load(Ordering::Relaxed);
        if now != delivered {
            delivered = now;
            last_change = start.elapsed();
        } else if start.elapsed() > last_change + Duration::from_millis(400) {
            break;
        }
    }
    Ok(StormResult {
        seconds: last_change.as_secs_f64(),
        emitted,
        delivered,
        messages: counters.messages.load(Ordering::Relaxed),
        server_cpu: server.cpu().saturating_sub(cpu_before),
    })
}

/// Subscribes each session (osmp's or the baseline's) to `event` (with command number 1), 128 at a time.
pub async fn subscribe_all(sessions: &mut [Ws], event: &str) -> Result<(), String> {
    let subscribe = json!({ "event": event });
    futures_util::stream::iter(sessions.iter_mut())
        .map(|ws| call(ws, Kind::Osmp, command(1, "event-subscribe", &subscribe), 1))
        .buffer_unordered(128)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(())
}

/// Counts the `tick` events a session receives; for single events (the first of a quiet
/// period) also reports how long after its emit it arrived.
async fn receive_ticks(mut ws: Ws, counters: Arc<Counters>, delays: mpsc::UnboundedSender<(u64, u64)>) {
    #[derive(Deserialize)]
    struct Tick {
        micros: u64,
        seq: u64,
    }
    #[derive(Deserialize)]
    struct SingleTick {
        data: Tick,
    }
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else { continue };
        let received = unix_micros();
        // Counting by substring keeps this client cheap while a storm of multi-events
        // arrives; the server writes these fields exactly so.
        if text.contains(r#""id":"tick""#) {
            counters.events.fetch_add(1, Ordering::Relaxed);
            if let Ok(SingleTick { data: Tick { micros, seq } }) = serde_json::from_str(&text) {
                let _ = delays.send((seq, received.saturating_sub(micros)));
            }
        } else {
            let items = text.matches(r#""event":"tick""#).count() as u64;
            counters.events.fetch_add(items, Ordering::Relaxed);
        }
        counters.messages.fetch_add(1, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------
// Streams: one command streaming many progress messages to one client.

pub struct StreamResult {
    pub messages: u64,
    pub elapsed: Duration,
    pub server_cpu: Duration,
}

pub async fn stream(server: &ServerProcess, count: u64) -> Result<StreamResult, String> {
    let mut ws = connect(server).await?;
    // Warm up with a short stream.
    run_stream(&mut ws, 1, count / 100).await?;
    let cpu_before = server.cpu();
    let start = Instant::now();
    let messages = run_stream(&mut ws, 2, count).await?;
    let elapsed = start.elapsed();
    Ok(StreamResult { messages, elapsed, server_cpu: server.cpu().saturating_sub(cpu_before) })
}

async fn run_stream(ws: &mut Ws, nr: u64, count: u64) -> Result<u64, String> {
    use futures_util::SinkExt;
    ws.send(Message::text(command(nr, "flood", &json!({"count": count})))).await.map_err(|e| e.to_string())?;
    let mut messages = 0;
    loop {
        let text = load::next_text(ws).await?;
        if text.contains(r#""type":"stream""#) {
            messages += 1;
        } else if text.contains(r#""type":"response""#) {
            if !text.contains(r#""status":"OK""#) {
                return Err(format!("flood failed: {}", crate::excerpt(&text)));
            }
            if messages != count {
                return Err(format!("{messages} stream messages of {count}"));
            }
            return Ok(messages);
        }
    }
}
