//! The cluster under test: three node processes on one broker, node 1 the emitter (and the
//! only one serving `probe`), and 1,000 subscribed sessions per node; the CPU time each
//! process used.

use std::time::Duration;

use serde_json::json;

use super::processes::{Broker, NodeProcess, NodeSpec};
use super::subscribers::{Subscribers, STEP};
use crate::extra::subscribe_all;
use crate::load::connect_many;

/// The node that emits and serves `probe`.
pub const EMITTER: usize = 0;

pub struct Testbed {
    /// First, so that the sessions close before their nodes are stopped.
    pub subscribers: Subscribers,
    /// Node 1 (the emitter), 2 and 3.
    pub nodes: Vec<NodeProcess>,
    pub broker: Broker,
    /// The number of the next step of ticks (0 is the warm-up).
    next_step: u64,
}

/// CPU time of each process: the nodes, the broker, the bench itself.
#[derive(Debug, Clone, Default)]
pub struct Cpu {
    pub nodes: Vec<Duration>,
    pub broker: Duration,
    pub bench: Duration,
}

impl Cpu {
    /// What was used since `before`.
    pub fn since(&self, before: &Cpu) -> Cpu {
        Cpu {
            nodes: self.nodes.iter().zip(&before.nodes).map(|(now, then)| now.saturating_sub(*then)).collect(),
            broker: self.broker.saturating_sub(before.broker),
            bench: self.bench.saturating_sub(before.bench),
        }
    }
}

impl Testbed {
    /// Starts three nodes of a cluster of its own (`namespace`) whose sessions batch events
    /// within `batch_window`, subscribes `sessions` sessions on each, and waits until a few
    /// ticks reach all of them (the bindings follow the subscriptions).
    pub async fn start(url: &str, namespace: &str, batch_window: Duration, sessions: usize) -> Result<Testbed, String> {
        let mut nodes = Vec::new();
        for (name, sets) in [("node-1", "bench,emitter"), ("node-2", "bench"), ("node-3", "bench")] {
            let spec = NodeSpec { url, namespace, name, sets, batch_window };
            nodes.push(NodeProcess::start(&spec).await?);
        }
        for node in &mut nodes {
            node.await_cluster(3, "probe").await?;
        }
        let mut testbed = Testbed { nodes, broker: Broker::find(), subscribers: Subscribers::new(), next_step: 0 };
        for node in 0..testbed.nodes.len() {
            testbed.subscribe(node, sessions).await?;
        }
        testbed.warm_up().await?;
        Ok(testbed)
    }

    /// Connects `sessions` sessions to `node`, subscribes them to `tick` and tallies.
    pub async fn subscribe(&mut self, node: usize, sessions: usize) -> Result<(), String> {
        let mut connected = connect_many(&self.nodes[node].server, sessions).await?;
        subscribe_all(&mut connected, "tick").await?;
        self.subscribers.add(node, connected);
        Ok(())
    }

    /// Ticks until every session has had ten of them.
    async fn warm_up(&mut self) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let first = self.begin_step();
            self.pace(20.0, 10, first).await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            if self.subscribers.received() == 10 * self.subscribers.count() {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                let (received, expected) = (self.subscribers.received(), 10 * self.subscribers.count());
                return Err(format!("warm-up: {received} of {expected} ticks arrived; the bindings never settled"));
            }
        }
    }

    /// Starts counting a new step; returns the number of its first tick.
    pub fn begin_step(&mut self) -> u64 {
        let step = self.next_step;
        self.next_step += 1;
        self.subscribers.begin(step);
        step * STEP
    }

    /// Has the emitter emit `count` ticks at `rate` per second, numbered from `first`;
    /// returns how many it emitted, once it has.
    pub async fn pace(&mut self, rate: f64, count: u64, first: u64) -> Result<u64, String> {
        let paced = self.nodes[EMITTER].call("pace", &json!({"rate": rate, "count": count, "first": first})).await?;
        Ok(paced["events"].as_u64().unwrap_or(0))
    }

    /// The CPU time of every process so far (a killed node's stays at its last reading: zero).
    pub fn cpu(&self) -> Cpu {
        Cpu {
            nodes: self.nodes.iter().map(NodeProcess::cpu).collect(),
            broker: self.broker.cpu(),
            bench: crate::sys::cpu_time(std::process::id()),
        }
    }
}
