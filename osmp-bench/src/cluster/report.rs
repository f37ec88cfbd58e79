//! What the cluster scenario prints: the machine's other load, a row per rate, the round
//! trips, the fail-over, and the targets next to the figures.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::failover::Failover;
use super::forward::RoundTrips;
use super::rates::StepResult;
use crate::load::percentile;

/// What else used the machine's CPU just before the scenario, and its load average.
pub struct Context {
    load: String,
    /// `(process name, share of one core)`, the busiest first.
    busiest: Vec<(String, f64)>,
}

impl Context {
    /// Samples every other process's CPU time over two seconds.
    pub async fn measure() -> Context {
        const SAMPLE: Duration = Duration::from_secs(2);
        let before = cpu_by_process();
        tokio::time::sleep(SAMPLE).await;
        let after = cpu_by_process();
        let mut by_name: HashMap<String, Duration> = HashMap::new();
        for (pid, (name, cpu)) in after.iter().filter(|(pid, _)| **pid != std::process::id()) {
            let used = before.get(pid).map_or(Duration::ZERO, |(_, then)| *then);
            *by_name.entry(name.clone()).or_default() += cpu.saturating_sub(used);
        }
        let mut busiest: Vec<(String, f64)> = by_name
            .into_iter()
            .map(|(name, cpu)| (name, cpu.as_secs_f64() / SAMPLE.as_secs_f64()))
            .filter(|(_, share)| *share >= 0.02)
            .collect();
        busiest.sort_by(|a, b| b.1.total_cmp(&a.1));
        busiest.truncate(6);
        Context { load: Context::measure_load(), busiest }
    }

    /// The load average, from `/proc/loadavg`.
    pub fn measure_load() -> String {
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let figures: Vec<&str> = load.split_whitespace().take(3).collect();
        format!("load average {}", figures.join(" "))
    }
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "before the scenario: {}; busiest other processes over 2 s:", self.load)?;
        if self.busiest.is_empty() {
            return write!(f, " none");
        }
        for (name, share) in &self.busiest {
            write!(f, " {name} {:.0} %", share * 100.0)?;
        }
        Ok(())
    }
}

/// Every process's name and CPU time so far, by pid.
fn cpu_by_process() -> HashMap<u32, (String, Duration)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return HashMap::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            Some((pid, (name.trim().to_owned(), crate::sys::cpu_time(pid))))
        })
        .collect()
}

/// What the columns of a step's row mean.
pub const LEGEND: &str = "latency in ms from emit to receipt; local = the emitting node's sessions, remote = the \
                          others'; lost = emitted × sessions − received; disor = ticks out of order; n-lst = what \
                          the nodes counted lost (gaps, unpublished) or duplicated; CPU in µs per delivered frame, \
                          from /proc/<pid>/stat (a node: per frame its sessions got; broker, bench: per frame of all)";

pub fn step_header() -> String {
    format!(
        "{:>5} {:>8} {:>8}  {:>6} {:>6} {:>6}  {:>6} {:>6} {:>6}  {:>7} {:>5} {:>5}  {:>5} {:>5} {:>5} {:>6} {:>5}",
        "ev/s",
        "frames/s",
        "deliv/s",
        "loc50",
        "loc99",
        "locmax",
        "rem50",
        "rem99",
        "remmax",
        "lost",
        "disor",
        "n-lst",
        "cpu-1",
        "cpu-2",
        "cpu-3",
        "broker",
        "bench"
    )
}

/// Frames a step must deliver for its CPU per frame to mean something: `/proc` counts CPU
/// time in clock ticks (10 ms).
const FRAMES_FOR_CPU: u64 = 10_000;

pub fn step_row(step: &StepResult, broker_alive: bool) -> String {
    let cpu = |per_frame: f64, width: usize| {
        if step.frames() < FRAMES_FOR_CPU {
            format!("{:>width$}", "-")
        } else {
            format!("{per_frame:>width$.1}")
        }
    };
    let mut row = format!(
        "{:>5.0} {:>8.0} {:>8.0}  {:>6.1} {:>6.1} {:>6.1}  {:>6.1} {:>6.1} {:>6.1}  {:>7} {:>5} {:>5}  {} {} {} {} {}",
        step.rate,
        step.frames_per_second(),
        step.deliveries_per_second(),
        step.latency_ms(true, 0.50),
        step.latency_ms(true, 0.99),
        step.latency_ms(true, 1.0),
        step.latency_ms(false, 0.50),
        step.latency_ms(false, 0.99),
        step.latency_ms(false, 1.0),
        step.lost(),
        step.disorder(),
        step.node_lost + step.node_duplicated,
        cpu(step.node_cpu_per_frame(0), 5),
        cpu(step.node_cpu_per_frame(1), 5),
        cpu(step.node_cpu_per_frame(2), 5),
        cpu(step.cpu_per_frame(step.cpu.broker), 6),
        cpu(step.cpu_per_frame(step.cpu.bench), 5),
    );
    if !broker_alive {
        row.push_str("  (the broker's process changed: its CPU is not measured)");
    }
    row
}

pub fn print_round_trips(round_trips: &RoundTrips, calls: usize) {
    println!("### `probe` (an echo served on node 1 only), {calls} calls one at a time from each side");
    for (what, forwarded) in [("local, a session on node 1", false), ("forwarded, a session on node 2", true)] {
        println!(
            "{what:<32} p50 {:>6.0} µs   p99 {:>6.0} µs",
            round_trips.p(forwarded, 0.50),
            round_trips.p(forwarded, 0.99)
        );
    }
    println!();
}

pub fn print_failover(failover: &Failover) {
    println!(
        "### SIGKILL node 3 with {} clients (osmp::client::Client, alternative URLs nodes 1 and 2, \
         ReconnectPolicy::default()), node 1 ticking {:.0}/s",
        failover.clients,
        super::failover::RATE
    );
    let ms = |p: f64| percentile(&failover.back_after, p) / 1e3;
    println!(
        "back (a tick emitted after the kill received): {} of {}; after p50 {:.0} ms, p99 {:.0} ms, last {:.0} ms",
        failover.back_after.len(),
        failover.clients,
        ms(0.50),
        ms(0.99),
        ms(1.0)
    );
    let lost = failover.survivors_lost();
    let disorder: u64 = failover.survivors.iter().map(|node| node.disorder).sum();
    println!(
        "the sessions of nodes 1 and 2 meanwhile ({} each): {} ticks emitted, lost {} and {}, {} out of order; \
         the nodes counted {} lost",
        failover.survivors.first().map_or(0, |node| node.sessions),
        failover.emitted,
        lost.first().copied().unwrap_or(0),
        lost.get(1).copied().unwrap_or(0),
        disorder,
        failover.node_lost
    );
    println!();
}

/// Frames per second the issue asks of the cluster without batching.
const TARGET_FRAMES: f64 = 30_000.0;

#[derive(Default)]
pub struct Results {
    pub light: Vec<StepResult>,
    pub unbatched: Vec<StepResult>,
    pub batched: Vec<StepResult>,
    pub round_trips: Option<RoundTrips>,
    pub failover: Option<Failover>,
}

impl Results {
    pub fn targets(&self) -> String {
        let mut out = String::from("### cluster targets\n");
        let mut line = |met: Option<bool>, what: String| {
            let verdict = met.map_or("not measured", |met| if met { "met" } else { "MISSED" });
            let _ = writeln!(out, "{verdict:<13} {what}");
        };
        let clean = |step: &&StepResult| step.lost() == 0 && step.disorder() == 0;
        let best = self.unbatched.iter().filter(clean).map(StepResult::frames_per_second).fold(None, max);
        line(
            best.map(|frames| frames >= TARGET_FRAMES),
            format!(
                "≥ 30,000 delivered frames/s without batching, zero loss: {} frames/s at most with zero loss",
                best.map_or("-".to_owned(), |frames| format!("{frames:.0}"))
            ),
        );
        // Judged at the first rate that reaches the target throughput (or else the fastest
        // clean one); the gap at every rate follows.
        let judged = self
            .unbatched
            .iter()
            .filter(clean)
            .find(|step| step.frames_per_second() >= TARGET_FRAMES)
            .or_else(|| self.unbatched.iter().rfind(clean));
        let gaps: Vec<String> =
            self.unbatched.iter().map(|step| format!("{:+.1} at {:.0}/s", p99_gap(step), step.rate)).collect();
        line(
            judged.map(|step| p99_gap(step) <= 5.0),
            judged.map_or("remote p99 ≤ local p99 + 5 ms: -".to_owned(), |step| {
                let light = self.light.first().map_or("-".to_owned(), |light| format!("{:+.1}", p99_gap(light)));
                format!(
                    "remote p99 ≤ local p99 + 5 ms: {:+.1} ms at {:.0} ticks/s without batching (all rates: {}; \
                     with one session per node: {light})",
                    p99_gap(step),
                    step.rate,
                    gaps.join(", ")
                )
            }),
        );
        let echo_gap = self.round_trips.as_ref().map(|trips| (trips.p(true, 0.5) - trips.p(false, 0.5)) / 1e3);
        line(
            echo_gap.map(|gap| gap <= 1.0),
            format!(
                "forwarded echo p50 within 1 ms of local: {}",
                echo_gap.map_or("-".to_owned(), |gap| format!("{gap:+.2} ms"))
            ),
        );
        let failover = self.failover.as_ref();
        let all_back = failover.map(|f| (f.back_after.len(), f.clients, percentile(&f.back_after, 1.0) / 1e3));
        line(
            all_back.map(|(back, clients, last)| back == clients && last <= 5_000.0),
            all_back.map_or("displaced clients back within 5 s: -".to_owned(), |(back, clients, last)| {
                format!("{clients} displaced clients reconnected and resubscribed within 5 s: {back} back, the last after {last:.0} ms")
            }),
        );
        out
    }
}

/// How much later than the local sessions' the remote sessions' p99 is, in ms.
fn p99_gap(step: &StepResult) -> f64 {
    step.latency_ms(false, 0.99) - step.latency_ms(true, 0.99)
}

fn max(best: Option<f64>, value: f64) -> Option<f64> {
    Some(best.map_or(value, |best: f64| best.max(value)))
}
