//! One step of the rising rates: the emitter ticks at a rate for some seconds; every session
//! of every node tallies what it received, each process's CPU time is read before and after,
//! and the nodes' own counters say what they saw missing.

use std::time::Duration;

use super::node::NodeCounts;
use super::subscribers::{NodeTally, Subscribers};
use super::testbed::{Cpu, Testbed};
use crate::load::percentile;
use crate::serve::unix_micros;

/// How long deliveries may go on after the last emit before what has not arrived is lost.
const STRAGGLERS: Duration = Duration::from_secs(2);

pub struct StepResult {
    pub rate: f64,
    pub emitted: u64,
    /// Seconds from the first emit to the last receipt.
    pub seconds: f64,
    /// What the sessions of each node counted.
    pub nodes: Vec<NodeTally>,
    pub cpu: Cpu,
    /// Lost, duplicated and unpublished events, as the nodes counted them.
    pub node_lost: u64,
    pub node_duplicated: u64,
}

impl StepResult {
    pub fn expected(&self) -> u64 {
        self.emitted * self.nodes.iter().map(|node| node.sessions).sum::<u64>()
    }

    pub fn received(&self) -> u64 {
        self.nodes.iter().map(|node| node.received).sum()
    }

    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received())
    }

    pub fn disorder(&self) -> u64 {
        self.nodes.iter().map(|node| node.disorder).sum()
    }

    pub fn frames(&self) -> u64 {
        self.nodes.iter().map(|node| node.frames).sum()
    }

    pub fn frames_per_second(&self) -> f64 {
        self.frames() as f64 / self.seconds
    }

    pub fn deliveries_per_second(&self) -> f64 {
        self.received() as f64 / self.seconds
    }

    /// Latency percentile `p` in milliseconds, of the emitting node's sessions (`local`) or of
    /// the others'.
    pub fn latency_ms(&self, local: bool, p: f64) -> f64 {
        percentile(&self.latencies(local), p) / 1e3
    }

    fn latencies(&self, local: bool) -> std::borrow::Cow<'_, [u32]> {
        let (emitter, others) = self.nodes.split_first().expect("three nodes");
        if local {
            return std::borrow::Cow::Borrowed(&emitter.latencies);
        }
        let mut all: Vec<u32> = others.iter().flat_map(|node| node.latencies.iter().copied()).collect();
        all.sort_unstable();
        std::borrow::Cow::Owned(all)
    }

    /// Microseconds of CPU that node `node` used per frame its own sessions received.
    pub fn node_cpu_per_frame(&self, node: usize) -> f64 {
        self.cpu.nodes[node].as_secs_f64() * 1e6 / self.nodes[node].frames.max(1) as f64
    }

    /// Microseconds of CPU per frame received by all sessions.
    pub fn cpu_per_frame(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() * 1e6 / self.frames().max(1) as f64
    }
}

/// Ticks at `rate` for `seconds` and waits for the deliveries.
pub async fn step(testbed: &mut Testbed, rate: f64, seconds: f64) -> Result<StepResult, String> {
    let all: Vec<usize> = (0..testbed.nodes.len()).collect();
    let counts_before = node_counts(testbed, &all).await?;
    let first = testbed.begin_step();
    let cpu_before = testbed.cpu();
    let started = unix_micros();
    let count = (rate * seconds).round().max(1.0) as u64;
    let emitted = testbed.pace(rate, count, first).await?;
    await_deliveries(&testbed.subscribers, emitted).await;
    let cpu = testbed.cpu().since(&cpu_before);
    let nodes = testbed.subscribers.collect(testbed.nodes.len());
    let last_receipt = nodes.iter().map(|node| node.last_receipt).max().unwrap_or(started);
    let counts_after = node_counts(testbed, &all).await?;
    Ok(StepResult {
        rate,
        emitted,
        seconds: (last_receipt.saturating_sub(started) as f64 / 1e6).max(1e-3),
        nodes,
        cpu,
        node_lost: counted(&counts_before, &counts_after, |counts| counts.lost + counts.not_published),
        node_duplicated: counted(&counts_before, &counts_after, |counts| counts.duplicated),
    })
}

/// Waits until every session has `emitted` ticks of the current step, or none has had one
/// for a while (what has not arrived by then is lost).
pub async fn await_deliveries(subscribers: &Subscribers, emitted: u64) {
    let expected = emitted * subscribers.count();
    let mut received = subscribers.received();
    let mut last_change = tokio::time::Instant::now();
    while received < expected && last_change.elapsed() < STRAGGLERS {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = subscribers.received();
        if now != received {
            (received, last_change) = (now, tokio::time::Instant::now());
        }
    }
}

/// The counters of the nodes `nodes` names (their indices).
pub async fn node_counts(testbed: &mut Testbed, nodes: &[usize]) -> Result<Vec<NodeCounts>, String> {
    let mut counts = Vec::new();
    for &node in nodes {
        counts.push(testbed.nodes[node].counts().await?);
    }
    Ok(counts)
}

/// What the nodes counted of `of` between two readings.
pub fn counted(before: &[NodeCounts], after: &[NodeCounts], of: fn(&NodeCounts) -> u64) -> u64 {
    after.iter().zip(before).map(|(after, before)| of(after).saturating_sub(of(before))).sum()
}
