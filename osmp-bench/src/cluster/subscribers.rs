//! The subscribed sessions of the cluster scenario: raw WebSockets of the bench process, each
//! subscribed to `tick` on one node, each tallying what one step of the emitter sent: ticks
//! received, frames, ticks out of order, and the latency of each from its emit.

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::load::Ws;
use crate::lock;
use crate::serve::unix_micros;

/// Ticks of step `k` are numbered from `k × STEP`: a tick says which step it belongs to.
pub const STEP: u64 = 1_000_000_000;

/// What one session counted of the current step.
#[derive(Default)]
struct Tally {
    step: u64,
    received: u64,
    frames: u64,
    /// Ticks that came after a later one of the same step (or twice).
    disorder: u64,
    last_seq: Option<u64>,
    /// When the latest tick arrived (µs since the epoch).
    last_receipt: u64,
    /// Microseconds from each tick's emit to its receipt.
    latencies: Vec<u32>,
}

/// What the sessions of one node counted of a step.
#[derive(Default)]
pub struct NodeTally {
    pub sessions: u64,
    pub received: u64,
    pub frames: u64,
    pub disorder: u64,
    pub last_receipt: u64,
    /// Sorted.
    pub latencies: Vec<u32>,
}

/// The sessions subscribed on each node, tallying in tasks of their own.
pub struct Subscribers {
    /// The node of each session (its index among the nodes), and its tally.
    tallies: Vec<(usize, Arc<Mutex<Tally>>)>,
    /// The reading task of each session, by node.
    tasks: Vec<(usize, JoinHandle<()>)>,
}

impl Subscribers {
    pub fn new() -> Subscribers {
        Subscribers { tallies: Vec::new(), tasks: Vec::new() }
    }

    /// Starts tallying what `sessions` (subscribed on node `node`) receive.
    pub fn add(&mut self, node: usize, sessions: Vec<Ws>) {
        for ws in sessions {
            let tally = Arc::new(Mutex::new(Tally::default()));
            self.tasks.push((node, tokio::spawn(receive(ws, tally.clone()))));
            self.tallies.push((node, tally));
        }
    }

    /// Closes the sessions of `node` (their tasks own them).
    pub fn remove_node(&mut self, node: usize) {
        self.tasks.retain(|(of, task)| {
            if *of == node {
                task.abort();
            }
            *of != node
        });
        self.tallies.retain(|(of, _)| *of != node);
    }

    pub fn count(&self) -> u64 {
        self.tallies.len() as u64
    }

    /// Forgets what was counted and counts the ticks of `step` from now on.
    pub fn begin(&self, step: u64) {
        for (_, tally) in &self.tallies {
            *lock(tally) = Tally { step, ..Tally::default() };
        }
    }

    /// Ticks of the current step received by all sessions so far.
    pub fn received(&self) -> u64 {
        self.tallies.iter().map(|(_, tally)| lock(tally).received).sum()
    }

    /// What the sessions of each of `nodes` nodes counted of the current step.
    pub fn collect(&self, nodes: usize) -> Vec<NodeTally> {
        let mut by_node: Vec<NodeTally> = (0..nodes).map(|_| NodeTally::default()).collect();
        for (node, tally) in &self.tallies {
            let mut tally = lock(tally);
            let into = &mut by_node[*node];
            into.sessions += 1;
            into.received += tally.received;
            into.frames += tally.frames;
            into.disorder += tally.disorder;
            into.last_receipt = into.last_receipt.max(tally.last_receipt);
            into.latencies.append(&mut tally.latencies);
        }
        for node in &mut by_node {
            node.latencies.sort_unstable();
        }
        by_node
    }
}

impl Drop for Subscribers {
    fn drop(&mut self) {
        for (_, task) in &self.tasks {
            task.abort();
        }
    }
}

#[derive(Deserialize)]
struct Tick {
    micros: u64,
    seq: u64,
}

/// An event message: a single `tick`, or a multi-event (`id` null) of them.
#[derive(Deserialize)]
struct EventMessage<'a> {
    #[serde(borrow)]
    id: Option<&'a str>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct MultiEvent {
    events: Vec<MultiItem>,
}

#[derive(Deserialize)]
struct MultiItem {
    data: Tick,
}

/// The ticks a message carries (none for other messages).
fn ticks(text: &str) -> Vec<Tick> {
    let Ok(message) = serde_json::from_str::<EventMessage>(text) else { return Vec::new() };
    let Some(data) = message.data else { return Vec::new() };
    match message.id {
        Some("tick") => serde_json::from_str::<Tick>(data.get()).map(|tick| vec![tick]).unwrap_or_default(),
        None => serde_json::from_str::<MultiEvent>(data.get())
            .map(|multi| multi.events.into_iter().map(|item| item.data).collect())
            .unwrap_or_default(),
        Some(_) => Vec::new(),
    }
}

async fn receive(mut ws: Ws, tally: Arc<Mutex<Tally>>) {
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else { continue };
        let received = unix_micros();
        let ticks = ticks(&text);
        if ticks.is_empty() {
            continue;
        }
        lock(&tally).record(&ticks, received);
    }
}

impl Tally {
    /// Counts the ticks of one message that belong to the current step.
    fn record(&mut self, ticks: &[Tick], received: u64) {
        let mut counted = false;
        for tick in ticks.iter().filter(|tick| tick.seq / STEP == self.step) {
            counted = true;
            self.received += 1;
            if self.last_seq.is_some_and(|last| tick.seq <= last) {
                self.disorder += 1;
            }
            self.last_seq = Some(self.last_seq.map_or(tick.seq, |last| last.max(tick.seq)));
            self.latencies.push(u32::try_from(received.saturating_sub(tick.micros)).unwrap_or(u32::MAX));
        }
        if counted {
            self.frames += 1;
            self.last_receipt = received;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_single_and_multi_events() {
        let single = r#"{"type":"event","id":"tick","nr":4,"data":{"micros":10,"seq":3}}"#;
        assert_eq!(ticks(single).iter().map(|t| (t.micros, t.seq)).collect::<Vec<_>>(), [(10, 3)]);
        let multi = r#"{"type":"event","id":null,"nr":5,"data":{"events":[
            {"event":"tick","data":{"micros":11,"seq":4}},{"event":"tick","data":{"micros":12,"seq":5}}]}}"#;
        assert_eq!(ticks(multi).iter().map(|t| t.seq).collect::<Vec<_>>(), [4, 5]);
        assert!(ticks(r#"{"type":"response","nr":6,"cmd-nr":1,"status":"OK","data":{}}"#).is_empty());
    }
}
