//! The `wss://` scenarios: the echo loads over TLS, fresh TLS handshakes, and the memory of idle TLS sessions.
//!
//! Every server runs with `--tls` (the certificate and rustls configuration of
//! `crate::tls`); ratios are to the baseline over TLS, so that they show what the
//! framework costs on top of TLS rather than what TLS costs.

use crate::extra::{self, MemoryResult};
use crate::handshakes::{self, HandshakeResult};
use crate::load::{EchoResult, ServerProcess, Timing};
use crate::{mib, ratio, EchoScenario, Kind, Options};

/// Each TLS echo scenario and the plain one whose load it repeats.
const ECHO: [(&str, &str); 3] = [("wss-16x16", "16x16"), ("wss-64x4", "64x4"), ("wss-1000x1", "1000x1")];

/// Fresh connections of the handshake scenario, and how many are under way at once.
const HANDSHAKES: usize = 1_000;
const HANDSHAKES_PARALLEL: usize = 16;

/// What the `wss://` scenarios measured, as plain data for the targets and the chart.
#[derive(Default)]
pub struct WssReport {
    /// Each TLS echo scenario that ran (`wss-16x16`, …) with each server's result.
    pub echo: Vec<(&'static str, Vec<(Kind, EchoResult)>)>,
    /// Fresh connections: over TLS, and over plain `ws://` for reference.
    pub handshakes: Vec<HandshakeRow>,
    /// Idle sessions of each server, over `ws://` and over `wss://`.
    pub memory: Vec<MemoryRow>,
}

/// One server's fresh connections over one transport.
pub struct HandshakeRow {
    pub kind: Kind,
    pub tls: bool,
    pub result: HandshakeResult,
}

/// One server's idle sessions without and with TLS.
pub struct MemoryRow {
    pub kind: Kind,
    pub ws: MemoryResult,
    pub wss: MemoryResult,
}

/// Runs the `wss://` scenarios `options` asks for, printing a table for each.
pub async fn run(
    options: &Options,
    scenarios: &[EchoScenario],
    timing: &Timing,
    memory_sessions: usize,
) -> Result<WssReport, String> {
    let mut report = WssReport::default();
    let echo: Vec<(&'static str, &EchoScenario)> = ECHO
        .iter()
        .filter(|(name, _)| options.wants(name))
        .filter_map(|(name, plain)| Some((*name, scenarios.iter().find(|s| s.name == *plain)?)))
        .collect();
    if !echo.is_empty() {
        report.echo = echo_table(options, &echo, timing).await?;
    }
    if options.wants("handshakes") {
        report.handshakes = handshake_table(options).await?;
    }
    if options.wants("wss-memory") {
        report.memory = memory_table(options, memory_sessions).await?;
    }
    Ok(report)
}

/// A server process serving `wss://`.
fn start_tls(kind: Kind) -> Result<ServerProcess, String> {
    ServerProcess::start_with(kind, &["--tls"])
}

async fn echo_table(
    options: &Options,
    scenarios: &[(&'static str, &EchoScenario)],
    timing: &Timing,
) -> Result<Vec<(&'static str, Vec<(Kind, EchoResult)>)>, String> {
    println!("## echo over TLS (wss://)");
    println!("{}", crate::ECHO_HEADER);
    let mut all = Vec::new();
    for (name, scenario) in scenarios {
        all.push((*name, crate::echo_scenario(options, name, scenario, timing, start_tls).await?));
    }
    println!();
    Ok(all)
}

async fn handshake_table(options: &Options) -> Result<Vec<HandshakeRow>, String> {
    println!(
        "## handshakes: {HANDSHAKES} fresh connections, {HANDSHAKES_PARALLEL} at a time (TCP connect, TLS handshake, \
         WebSocket upgrade, one echo, close; full TLS handshakes, no resumption)"
    );
    println!(
        "{:<10} {:<5} {:>8} {:>8} {:>8} {:>12} {:>12} {:>8} {:>8}",
        "server", "over", "conn/s", "p50 ms", "p99 ms", "server µs/c", "client µs/c", "×conn/s", "×CPU"
    );
    let mut rows: Vec<HandshakeRow> = Vec::new();
    // TLS first, the table's subject; then plain ws, which shows what TLS adds.
    for tls in [true, false] {
        for &kind in &options.servers {
            let server = if tls { start_tls(kind)? } else { ServerProcess::start(kind)? };
            let result = handshakes::run(&server, HANDSHAKES, HANDSHAKES_PARALLEL)
                .await
                .map_err(|error| format!("handshakes on {}: {error}", kind.name()))?;
            drop(server);
            let baseline = rows.iter().find(|row| row.kind == Kind::Baseline && row.tls == tls).map(|row| &row.result);
            println!("{}", handshake_row(kind, tls, &result, baseline));
            rows.push(HandshakeRow { kind, tls, result });
        }
    }
    println!();
    Ok(rows)
}

fn handshake_row(kind: Kind, tls: bool, result: &HandshakeResult, baseline: Option<&HandshakeResult>) -> String {
    format!(
        "{:<10} {:<5} {:>8.0} {:>8.2} {:>8.2} {:>12.0} {:>12.0} {:>8} {:>8}",
        kind.name(),
        if tls { "wss" } else { "ws" },
        result.rate(),
        result.percentile(0.50) / 1e3,
        result.percentile(0.99) / 1e3,
        result.server_cpu_per_connection(),
        result.client_cpu_per_connection(),
        ratio(Some(result.rate()), baseline.map(HandshakeResult::rate)),
        ratio(Some(result.server_cpu_per_connection()), baseline.map(HandshakeResult::server_cpu_per_connection)),
    )
}

async fn memory_table(options: &Options, sessions: usize) -> Result<Vec<MemoryRow>, String> {
    println!("## memory over TLS (wss://): {sessions} idle sessions (each made one echo call)");
    println!("{:<10} {:>14} {:>14} {:>12} {:>14}", "server", "ws/session", "wss/session", "TLS adds", "wss loaded RSS");
    let mut rows = Vec::new();
    for &kind in &options.servers {
        let ws = measure_memory(ServerProcess::start(kind)?, sessions).await?;
        let wss = measure_memory(start_tls(kind)?, sessions).await?;
        let row = MemoryRow { kind, ws, wss };
        println!("{}", memory_row(&row));
        rows.push(row);
    }
    println!();
    Ok(rows)
}

fn memory_row(row: &MemoryRow) -> String {
    let (ws, wss) = (row.ws.per_session() / 1024.0, row.wss.per_session() / 1024.0);
    format!(
        "{:<10} {:>10.1} KiB {:>10.1} KiB {:>8.1} KiB {:>10} MiB",
        row.kind.name(),
        ws,
        wss,
        wss - ws,
        mib(row.wss.loaded_rss)
    )
}

/// `extra::memory` on a server that is stopped afterwards.
async fn measure_memory(server: ServerProcess, sessions: usize) -> Result<MemoryResult, String> {
    let over = if server.tls { "wss" } else { "ws" };
    extra::memory(&server, sessions).await.map_err(|e| format!("{over} memory on {}: {e}", server.kind.name()))
}
