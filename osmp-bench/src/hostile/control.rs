//! The well-behaved control session: one `echo` round trip every 10 ms throughout a trial,
//! through the typed client, on a thread and runtime of its own, so that what it measures
//! is the server's delay and not the load generator's queue of attacker tasks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use osmp::prelude::*;
use serde_json::json;

use crate::serve::{BENCH_PASSWORD, BENCH_USER};

/// The pace of the control session's round trips.
const PACE: Duration = Duration::from_millis(10);

/// One round trip: when it began, and how long it took (or why it failed).
#[derive(Debug, Clone)]
pub struct RoundTrip {
    pub sent: Instant,
    pub took: Result<Duration, String>,
}

/// The running control session.
pub struct Control {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<Vec<RoundTrip>, String>>,
}

impl Control {
    /// Connects to `url` (and logs in, on a server with accounts), then keeps echoing
    /// until stopped. Returns once the session is up.
    pub fn start(url: String, log_in: bool) -> Result<Control, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("control runtime: {e}"))?;
                runtime.block_on(async move {
                    let client = match connect(&url, log_in).await {
                        Ok(client) => client,
                        Err(error) => {
                            let _ = ready_tx.send(Err(error.clone()));
                            return Err(error);
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    Ok(echo_until(&client, &stop).await)
                })
            })
        };
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Control { stop, thread }),
            Ok(Err(error)) => Err(error),
            Err(_) => Err("the control session's thread ended".into()),
        }
    }

    /// Stops the session; every round trip it made.
    pub fn stop(self) -> Result<Vec<RoundTrip>, String> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().map_err(|_| "the control session panicked".to_owned())?
    }
}

async fn connect(url: &str, log_in: bool) -> Result<Client, String> {
    // A stalled server is measured, not given up on after the default 10 s.
    let client = Client::builder(url)
        .call_timeout(Duration::from_secs(60))
        .connect()
        .await
        .map_err(|e| format!("control session: {e}"))?;
    if log_in {
        client.login(BENCH_USER, BENCH_PASSWORD).await.map_err(|e| format!("control session login: {e}"))?;
    }
    Ok(client)
}

async fn echo_until(client: &Client, stop: &AtomicBool) -> Vec<RoundTrip> {
    let mut trips = Vec::with_capacity(16_384);
    let mut pace = tokio::time::interval(PACE);
    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let token = json!({"token": "control"});
    while !stop.load(Ordering::Relaxed) {
        pace.tick().await;
        let sent = Instant::now();
        let took = client.call("echo", &token).await.map(|_| sent.elapsed()).map_err(|error| error.to_string());
        trips.push(RoundTrip { sent, took });
    }
    trips
}

/// The round trips begun within a window of time, summarised.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub failed: usize,
    /// Why the first failed round trip failed.
    pub first_failure: Option<String>,
}

impl Latency {
    pub fn of(trips: &[RoundTrip], from: Instant, to: Instant) -> Latency {
        let window: Vec<&RoundTrip> = trips.iter().filter(|trip| trip.sent >= from && trip.sent < to).collect();
        let mut took: Vec<Duration> = window.iter().filter_map(|trip| trip.took.clone().ok()).collect();
        took.sort_unstable();
        let at = |p: f64| took.get(((took.len() as f64 * p) as usize).min(took.len().saturating_sub(1))).copied();
        Latency {
            p50: at(0.50).unwrap_or_default(),
            p99: at(0.99).unwrap_or_default(),
            max: took.last().copied().unwrap_or_default(),
            failed: window.len() - took.len(),
            first_failure: window.iter().find_map(|trip| trip.took.clone().err()),
        }
    }
}
