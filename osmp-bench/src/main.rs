//! The OSMP benchmark suite: `cargo run --release -p osmp-bench`.
//!
//! Runs a raw tokio-tungstenite server (the baseline), a jsonrpsee server (the peer) and
//! the OSMP server, each in a child process of its own, and drives them from this process
//! with identical clients over loopback. Prints one table per scenario; asserts nothing.
//! The echo, handshake and memory scenarios also run over TLS (`wss://`, module `wss`):
//! every server then has the same certificate and rustls configuration (module `tls`). The
//! `cluster` scenario runs only when named: three OSMP nodes on a RabbitMQ broker.
//!
//! ```text
//! osmp-bench [--quick] [--only 1x1,16x16,64x4,1000x1,memory,wss-16x16,wss-64x4,wss-1000x1,handshakes,wss-memory,
//!                              fanout,stream,transfer,hostile,cluster] [--servers baseline,jsonrpsee,osmp]
//!            [--attacks half-sent,non-reading,waits,floods,logins,logins-spread] [--chart PATH]
//! ```
#![forbid(unsafe_code)]

mod chart;
mod cluster;
mod control;
mod counting;
mod extra;
mod handshakes;
mod hostile;
mod load;
mod serve;
mod sys;
mod targets;
mod tls;
mod transfer;
mod wss;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use load::{EchoLoad, EchoResult, ServerProcess, Timing};
use targets::Targets;

/// The allocator the suite's processes use (the servers under test are among them).
const ALLOCATOR_NAME: &str =
    "the system's (glibc malloc on Linux), behind a counter that is off outside the counting intervals";
/// Where the chart goes without `--chart`.
const DEFAULT_CHART: &str = "target/osmp-bench.svg";

/// Which server a child process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Baseline,
    Jsonrpsee,
    Osmp,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Baseline, Kind::Jsonrpsee, Kind::Osmp];

    fn name(self) -> &'static str {
        match self {
            Kind::Baseline => "baseline",
            Kind::Jsonrpsee => "jsonrpsee",
            Kind::Osmp => "osmp",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Locks `mutex`, also after a task panicked while holding it (the suite's shared tallies
/// and lists stay usable).
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The start of a message, for error reports.
fn excerpt(text: &str) -> &str {
    let cut = (0..=text.len().min(200)).rev().find(|&index| text.is_char_boundary(index)).unwrap_or(0);
    &text[..cut]
}

const USAGE: &str =
    "usage: osmp-bench [--quick] [--only SCENARIO,...] [--servers KIND,...] [--attacks ATTACK,...] [--chart PATH]
  scenarios: 1x1 16x16 64x4 1000x1 memory fanout stream transfer hostile,
             wss-16x16 wss-64x4 wss-1000x1 (the echo loads over TLS), handshakes (1,000 fresh
             connections over wss:// and ws://), wss-memory (idle sessions over TLS) (default: all)
             cluster (only when named: three cluster nodes on the RabbitMQ broker at $OMCP_AMQP_URL,
             default amqp://127.0.0.1:5672/%2f; start one with scripts/rabbitmq.sh start)
  servers:   baseline jsonrpsee osmp (default: all)
  attacks:   half-sent non-reading waits floods logins logins-spread (of hostile; default: all)
  chart:     the echo scenarios as an SVG (default: target/osmp-bench.svg)";

struct Options {
    quick: bool,
    only: Vec<String>,
    servers: Vec<Kind>,
    attacks: Vec<hostile::Attack>,
    chart: PathBuf,
}

impl Options {
    fn wants(&self, scenario: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|name| name == scenario)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        let serve = if args.iter().any(|arg| arg == "--cluster") { cluster::node::serve } else { serve_command };
        if let Err(error) = serve(&args[1..]) {
            eprintln!("osmp-bench serve: {error}");
            std::process::exit(1);
        }
        return;
    }
    let options = match parse_options(&args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error}\n{USAGE}");
            std::process::exit(2);
        }
    };
    sys::raise_open_files_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    if let Err(error) = runtime.block_on(run(&options)) {
        eprintln!("osmp-bench: {error}");
        std::process::exit(1);
    }
}

fn serve_command(args: &[String]) -> Result<(), String> {
    let mut kind = None;
    let mut bind = "127.0.0.1:0".to_owned();
    let mut options = serve::ServerOptions::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--kind" => kind = args.next().and_then(|name| Kind::parse(name)),
            "--bind" => bind = args.next().cloned().ok_or("--bind needs an address")?,
            "--accounts" => options.accounts = true,
            "--tls" => options.tls = true,
            "--default-limits" => options.default_limits = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    serve::serve(kind.ok_or("--kind baseline|jsonrpsee|osmp is required")?, &bind, options)
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        only: Vec::new(),
        servers: Kind::ALL.to_vec(),
        attacks: hostile::Attack::ALL.to_vec(),
        chart: PathBuf::from(DEFAULT_CHART),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--only" => {
                let list = args.next().ok_or("--only needs a list")?;
                options.only = list.split(',').map(str::to_owned).collect();
            }
            "--servers" => {
                let list = args.next().ok_or("--servers needs a list")?;
                options.servers = list
                    .split(',')
                    .map(|name| Kind::parse(name).ok_or(format!("unknown server {name}")))
                    .collect::<Result<_, _>>()?;
            }
            "--attacks" => {
                let list = args.next().ok_or("--attacks needs a list")?;
                options.attacks = list
                    .split(',')
                    .map(|name| hostile::Attack::parse(name).ok_or(format!("unknown attack {name}")))
                    .collect::<Result<_, _>>()?;
            }
            "--chart" => options.chart = args.next().ok_or("--chart needs a path")?.into(),
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

struct EchoScenario {
    name: &'static str,
    title: &'static str,
    load: EchoLoad,
}

async fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let timing = if options.quick {
        Timing {
            warm_up: Duration::from_millis(300),
            measure: Duration::from_secs(1),
            count: Duration::from_millis(300),
        }
    } else {
        Timing { warm_up: Duration::from_secs(1), measure: Duration::from_secs(4), count: Duration::from_secs(1) }
    };
    println!("{}", machine_description());
    println!(
        "warm-up {:.1} s, then {:.1} s measured per server and scenario (server CPU from /proc/<pid>/stat), \
         then {:.1} s counting the server's allocations\n",
        timing.warm_up.as_secs_f64(),
        timing.measure.as_secs_f64(),
        timing.count.as_secs_f64()
    );

    let scenarios = [
        EchoScenario {
            name: "1x1",
            title: "1 conn × 1 in flight",
            load: EchoLoad { connections: 1, in_flight: 1, payload: 5 },
        },
        EchoScenario {
            name: "16x16",
            title: "16 conn × 16 pipelined",
            load: EchoLoad { connections: 16, in_flight: 16, payload: 5 },
        },
        EchoScenario {
            name: "64x4",
            title: "64 conn × 4, 1 KiB",
            load: EchoLoad { connections: 64, in_flight: 4, payload: 1024 },
        },
        EchoScenario {
            name: "1000x1",
            title: "1000 conn × 1",
            load: EchoLoad { connections: 1000, in_flight: 1, payload: 5 },
        },
    ];

    let mut targets = Targets::default();
    // Every echo scenario's figures, ws and wss, for the chart.
    let mut echo_figures: Vec<chart::EchoFigures> = Vec::new();
    let echo_wanted: Vec<&EchoScenario> = scenarios.iter().filter(|s| options.wants(s.name)).collect();
    if !echo_wanted.is_empty() {
        println!("## echo");
        println!("{ECHO_HEADER}");
        for scenario in echo_wanted {
            let results = echo_scenario(options, scenario.name, scenario, &timing, ServerProcess::start).await?;
            targets.note_echo(scenario.name, &results);
            echo_figures.push(chart::EchoFigures::new("ws", scenario.name, &results));
        }
        println!("{ALLOCATIONS_NOTE}\n");
    }

    let memory_sessions = if options.quick { 1_000 } else { 10_000 };
    if options.wants("memory") {
        println!("## memory: {memory_sessions} idle sessions (each made one echo call)");
        println!("{:<10} {:>12} {:>12} {:>14}", "server", "idle RSS", "loaded RSS", "per session");
        for &kind in &options.servers {
            let server = ServerProcess::start(kind)?;
            let result = extra::memory(&server, memory_sessions).await.map_err(|e| format!("memory: {e}"))?;
            drop(server);
            println!(
                "{:<10} {:>9} MiB {:>9} MiB {:>10.1} KiB",
                kind.name(),
                mib(result.idle_rss),
                mib(result.loaded_rss),
                result.per_session() / 1024.0
            );
            if kind == Kind::Osmp {
                targets.note_session_memory(result.per_session());
            }
        }
        println!();
    }

    // Plain data for the targets and the chart; `wss::run` prints its own tables.
    let wss = wss::run(options, &scenarios, &timing, memory_sessions).await?;
    note_wss(&wss, &mut targets, &mut echo_figures);

    if options.wants("fanout") {
        fan_out(options, &mut targets).await?;
    }

    // Only when named: it needs a RabbitMQ broker.
    if options.only.iter().any(|name| name == "cluster") {
        cluster::run(options.quick).await.map_err(|e| format!("cluster: {e}"))?;
    }

    if options.wants("stream") {
        let count = if options.quick { 20_000 } else { 100_000 };
        println!("## stream: one command streaming {count} progress messages to one client");
        println!("{:<10} {:>12} {:>14} {:>8}", "server", "messages/s", "CPU µs/msg", "×msg/s");
        let mut baseline_rate = None;
        for &kind in options.servers.iter().filter(|kind| **kind != Kind::Jsonrpsee) {
            let server = ServerProcess::start(kind)?;
            let result = extra::stream(&server, count).await.map_err(|e| format!("stream on {}: {e}", kind.name()))?;
            drop(server);
            let rate = result.messages as f64 / result.elapsed.as_secs_f64();
            if kind == Kind::Baseline {
                baseline_rate = Some(rate);
            }
            println!(
                "{:<10} {:>12.0} {:>14.2} {:>8}",
                kind.name(),
                rate,
                result.server_cpu.as_secs_f64() * 1e6 / result.messages.max(1) as f64,
                ratio(Some(rate), baseline_rate)
            );
        }
        println!();
    }

    if options.wants("transfer") && options.servers.contains(&Kind::Osmp) {
        let size = if options.quick { 16 << 20 } else { 64 << 20 };
        println!("## file transfer (osmp, in process, loopback): {} MiB in 64 KiB parts", size >> 20);
        println!("{:<30} {:>10} {:>10} {:>8}", "transfer", "MiB/s", "seconds", "×copy");
        let results = transfer::run(size).await.map_err(|e| format!("transfer: {e}"))?;
        let copy = results.first().map(transfer::TransferResult::mib_per_second);
        for result in &results {
            println!(
                "{:<30} {:>10.1} {:>10.3} {:>8}",
                result.what,
                result.mib_per_second(),
                result.elapsed.as_secs_f64(),
                ratio(Some(result.mib_per_second()), copy)
            );
        }
        println!();
    }
    if options.wants("hostile") && options.servers.contains(&Kind::Osmp) {
        hostile::run(&options.attacks, &hostile::Settings::new(options.quick)).await?;
    }

    println!("{}", targets.report());
    if !echo_figures.is_empty() {
        write_chart(options, &echo_figures);
    }
    println!("suite wall time {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

pub(crate) const ECHO_HEADER: &str = "scenario                 server         req/s   p50 µs   p99 µs  CPU µs/r allocs/req   ×req/s     ×p50     ×CPU  ×allocs";

/// What the allocation columns count.
const ALLOCATIONS_NOTE: &str = "allocs/req: every heap allocation (alloc or realloc call) of the server's process, on \
any of its threads, in an interval after the timed one, divided by the requests answered in that interval. Counting \
costs the servers 10-20% CPU per request, so req/s, latency and CPU come from the timed interval, which counts nothing";

/// Runs one echo scenario against each server `start` starts, printing a row for each
/// (its ratios to the baseline, which runs first); `name` names it in errors.
pub(crate) async fn echo_scenario(
    options: &Options,
    name: &str,
    scenario: &EchoScenario,
    timing: &Timing,
    start: impl Fn(Kind) -> Result<ServerProcess, String>,
) -> Result<Vec<(Kind, EchoResult)>, String> {
    let mut results: Vec<(Kind, EchoResult)> = Vec::new();
    for &kind in &options.servers {
        let server = start(kind)?;
        let result = load::run_echo(&server, &scenario.load, timing)
            .await
            .map_err(|error| format!("{name} on {}: {error}", kind.name()))?;
        drop(server);
        let baseline = results.iter().find(|(kind, _)| *kind == Kind::Baseline).map(|(_, r)| r);
        println!("{}", echo_row(scenario.title, kind, &result, baseline));
        results.push((kind, result));
    }
    Ok(results)
}

fn echo_row(title: &str, kind: Kind, result: &EchoResult, baseline: Option<&EchoResult>) -> String {
    format!(
        "{:<24} {:<10} {:>9.0} {:>8.0} {:>8.0} {:>9.2} {:>10} {:>8} {:>8} {:>8} {:>8}",
        title,
        kind.name(),
        result.rate(),
        result.percentile(0.50),
        result.percentile(0.99),
        result.cpu_per_request(),
        fixed(result.allocations_per_request(), 1),
        ratio(Some(result.rate()), baseline.map(EchoResult::rate)),
        ratio(Some(result.percentile(0.5)), baseline.map(|b| b.percentile(0.5))),
        ratio(Some(result.cpu_per_request()), baseline.map(EchoResult::cpu_per_request)),
        ratio(result.allocations_per_request(), baseline.and_then(EchoResult::allocations_per_request)),
    )
}

/// A figure with `decimals` decimals, `-` when there is none.
fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or("-".to_owned(), |value| format!("{value:.decimals$}"))
}

fn ratio(value: Option<f64>, base: Option<f64>) -> String {
    match (value, base) {
        (Some(value), Some(base)) if base > 0.0 => format!("{:.2}", value / base),
        _ => "-".to_owned(),
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Event fan-out to 1,000 sessions: the baseline's broadcast, then osmp's (with its storm).
async fn fan_out(options: &Options, targets: &mut Targets) -> Result<(), String> {
    let (sessions, repeats, storm) = if options.quick { (1_000, 3, 1.0) } else { (1_000, 10, 3.0) };
    let mut baseline_last = None;
    for kind in [Kind::Baseline, Kind::Osmp] {
        if !options.servers.contains(&kind) {
            continue;
        }
        let server = ServerProcess::start(kind)?;
        let storm = (kind == Kind::Osmp).then_some(storm);
        let result = extra::fan_out(&server, sessions, repeats, storm).await.map_err(|e| format!("fan-out: {e}"))?;
        drop(server);
        let last = median(&result.last_delivery);
        println!("## event fan-out ({}): {} subscribed sessions, {} single events", kind.name(), sessions, repeats);
        println!(
            "emit → last session:   median {:.1} ms, worst {:.1} ms   (emit → median session: {:.1} ms){}",
            last / 1e3,
            result.last_delivery.iter().copied().fold(0.0, f64::max) / 1e3,
            median(&result.median_delivery) / 1e3,
            baseline_last.map(|baseline| format!("   {:.2}× the baseline's", last / baseline)).unwrap_or_default()
        );
        if let Some(storm) = &result.storm {
            println!(
                "storm, 200 ms batching: {:.0} events/s emitted, {:.0} deliveries/s in {:.0} messages/s ({:.1}% of \
                 emitted×sessions), server CPU {:.2} µs per delivery",
                storm.emitted as f64 / storm.seconds,
                storm.delivered as f64 / storm.seconds,
                storm.messages as f64 / storm.seconds,
                100.0 * storm.delivered as f64 / (storm.emitted * sessions as u64).max(1) as f64,
                storm.server_cpu.as_secs_f64() * 1e6 / storm.delivered.max(1) as f64
            );
        }
        println!();
        match kind {
            Kind::Baseline => baseline_last = Some(last),
            _ => targets.note_fan_out(last, baseline_last),
        }
    }
    Ok(())
}

/// What the `wss://` scenarios measured, for the targets and the chart.
fn note_wss(wss: &wss::WssReport, targets: &mut targets::Targets, echo_figures: &mut Vec<chart::EchoFigures>) {
    for (name, results) in &wss.echo {
        targets.note_echo(name, results);
        echo_figures.push(chart::EchoFigures::new("wss", name, results));
    }
    let handshakes: Vec<targets::HandshakeFigures> = wss
        .handshakes
        .iter()
        .filter(|row| row.tls)
        .map(|row| targets::HandshakeFigures {
            kind: row.kind,
            per_second: row.result.rate(),
            cpu_per_handshake_us: row.result.server_cpu.as_secs_f64() * 1e6 / row.result.connections.max(1) as f64,
        })
        .collect();
    if !handshakes.is_empty() {
        targets.note_handshakes(&handshakes);
    }
    if let Some(row) = wss.memory.iter().find(|row| row.kind == Kind::Osmp) {
        targets.note_tls_session_memory(row.wss.per_session());
    }
}

/// The chart of the echo scenarios; a failure to write it is reported, not fatal.
fn write_chart(options: &Options, figures: &[chart::EchoFigures]) {
    let run = if options.quick { "quick run" } else { "full run" };
    let date = chrono::Local::now().format("%Y-%m-%d");
    let title = format!("osmp-bench echo against the baseline, {date}, {}, {run}", machine_summary());
    match chart::write(&options.chart, &title, figures) {
        Ok(()) => println!("chart: {}", options.chart.display()),
        Err(error) => println!("chart not written: {error}"),
    }
}

fn machine_description() -> String {
    format!("machine: {}; clients and servers share them; allocator: {ALLOCATOR_NAME}", machine_summary())
}

/// `2 cores (nproc), <CPU model>`.
fn machine_summary() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name").and_then(|rest| rest.split_once(':')))
        .map_or("unknown CPU", |(_, model)| model.trim())
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{cores} cores (nproc), {model}")
}
