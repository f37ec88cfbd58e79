//! The handshake scenario: fresh connections, each connected, upgraded, asked one echo and closed, several at a time.
//!
//! Over `wss://` a connection's set-up (a key exchange and a signature by the server) costs
//! more than many echoes; this measures what a server spends on clients that come and go.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::load::{self, percentile, ServerProcess, Ws};

/// Connections made before measuring: the first ones pay for what a server sets up lazily.
const WARM_UP: usize = 32;

/// How long a closed client waits for the server to end the connection.
const CLOSE_PATIENCE: Duration = Duration::from_secs(5);

/// What one run of fresh connections measured.
pub struct HandshakeResult {
    pub connections: usize,
    pub elapsed: Duration,
    pub server_cpu: Duration,
    /// The load generator's CPU (the clients' side of the handshakes, on the same cores).
    pub client_cpu: Duration,
    /// Microseconds from the TCP connect to the echo's reply, sorted.
    pub latencies: Vec<u32>,
}

impl HandshakeResult {
    /// Connections set up, used and closed per second.
    pub fn rate(&self) -> f64 {
        self.connections as f64 / self.elapsed.as_secs_f64()
    }

    /// Server CPU per connection, in microseconds.
    pub fn server_cpu_per_connection(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.connections.max(1) as f64
    }

    /// Client CPU per connection, in microseconds.
    pub fn client_cpu_per_connection(&self) -> f64 {
        self.client_cpu.as_secs_f64() * 1e6 / self.connections.max(1) as f64
    }

    pub fn percentile(&self, p: f64) -> f64 {
        percentile(&self.latencies, p)
    }
}

/// Makes `connections` fresh connections to `server`, `parallel` at a time, after a few
/// unmeasured ones.
pub async fn run(server: &ServerProcess, connections: usize, parallel: usize) -> Result<HandshakeResult, String> {
    connect_all(server, WARM_UP, parallel).await?;
    let server_before = server.cpu();
    let client_before = client_cpu();
    let start = Instant::now();
    let mut latencies = connect_all(server, connections, parallel).await?;
    let elapsed = start.elapsed();
    let server_cpu = server.cpu().saturating_sub(server_before);
    let client_cpu = client_cpu().saturating_sub(client_before);
    latencies.sort_unstable();
    Ok(HandshakeResult { connections, elapsed, server_cpu, client_cpu, latencies })
}

fn client_cpu() -> Duration {
    crate::sys::cpu_time(std::process::id())
}

/// Runs `count` connections, `parallel` at a time; their latencies in microseconds.
async fn connect_all(server: &ServerProcess, count: usize, parallel: usize) -> Result<Vec<u32>, String> {
    futures_util::stream::iter(0..count)
        .map(|_| one_connection(server))
        .buffer_unordered(parallel)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// TCP connect, TLS handshake (when the server has TLS), WebSocket upgrade, one echo, close.
async fn one_connection(server: &ServerProcess) -> Result<u32, String> {
    let started = Instant::now();
    let mut ws = load::connect(server).await?;
    load::call(&mut ws, server.kind, load::echo_request(server.kind, 1, "hello"), 1).await?;
    let latency = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
    close(ws).await;
    Ok(latency)
}

/// Closes as a well-behaved client does: a close frame, then whatever the server still
/// sends until it ends the connection, so that the server's side of the close is done
/// (and counted) before the next connection starts in this slot.
async fn close(mut ws: Ws) {
    let _ = ws.close(None).await;
    let drained = async { while let Some(Ok(_)) = ws.next().await {} };
    let _ = tokio::time::timeout(CLOSE_PATIENCE, drained).await;
}
