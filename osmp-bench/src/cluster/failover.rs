//! A node killed with its clients connected: 1,000 `osmp::client::Client`s on node 3, each
//! knowing nodes 1 and 2 as alternatives and reconnecting by the default policy, each
//! subscribed to `tick`. Node 3 is killed with SIGKILL while node 1 ticks; each client is
//! back when it receives a tick emitted after the kill. The sessions on nodes 1 and 2 tally
//! the same ticks: what they lost across the kill.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use osmp::prelude::*;
use serde_json::json;

use super::rates::{await_deliveries, counted, node_counts};
use super::subscribers::NodeTally;
use super::testbed::{Testbed, EMITTER};
use crate::serve::unix_micros;

/// The node killed.
const VICTIM: usize = 2;
/// Ticks per second while the clients move: the resolution of the figure.
pub const RATE: f64 = 100.0;
/// How long the ticks go on after the kill, at most.
const PATIENCE: Duration = Duration::from_secs(15);

pub struct Failover {
    pub clients: usize,
    /// Microseconds from the kill to each client's first tick emitted after it, sorted.
    pub back_after: Vec<u32>,
    /// The sessions on the surviving nodes: what they counted of the ticks across the kill.
    pub survivors: Vec<NodeTally>,
    pub emitted: u64,
    /// What the surviving nodes counted as lost meanwhile (gaps, unpublished).
    pub node_lost: u64,
}

impl Failover {
    /// Ticks the sessions of each surviving node did not receive.
    pub fn survivors_lost(&self) -> Vec<u64> {
        self.survivors.iter().map(|node| (self.emitted * node.sessions).saturating_sub(node.received)).collect()
    }
}

/// The clients of the node to be killed, and when each heard a tick emitted after `kill`.
struct Displaced {
    clients: Vec<Client>,
    /// µs since the epoch: the kill (`u64::MAX` until then).
    kill: Arc<AtomicU64>,
    /// Whether each client heard any tick.
    alive: Vec<Arc<AtomicU64>>,
    /// When each heard the first tick emitted after the kill (0 until it does).
    back: Vec<Arc<AtomicU64>>,
}

pub async fn kill_a_node(testbed: &mut Testbed, clients: usize) -> Result<Failover, String> {
    // Node 3's raw sessions make room for clients that reconnect.
    testbed.subscribers.remove_node(VICTIM);
    let displaced = Displaced::connect(testbed, clients).await?;
    displaced.await_ticks(testbed).await?;

    let survivors: Vec<usize> = (0..testbed.nodes.len()).filter(|node| *node != VICTIM).collect();
    let counts_before = node_counts(testbed, &survivors).await?;
    let first = testbed.begin_step();
    let emitter = Client::connect(format!("ws://{}/osmp/v1", testbed.nodes[EMITTER].server.addr))
        .await
        .map_err(|e| format!("the emitter's client: {e}"))?;
    // More ticks than needed: cancelled once every client is back.
    let count = (RATE * (1.0 + PATIENCE.as_secs_f64())) as u64;
    let pace = emitter
        .start("pace", &json!({"rate": RATE, "count": count, "first": first}))
        .await
        .map_err(|e| format!("pace: {e}"))?;
    tokio::time::sleep(Duration::from_secs(1)).await;

    displaced.kill.store(unix_micros(), Ordering::Relaxed);
    testbed.nodes[VICTIM].server.kill();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while displaced.back_count() < clients && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pace.cancel();
    let paced = pace.response().await.map_err(|e| format!("pace: {e}"))?;
    let emitted = paced.data.map_or(0, |data| data.to_value()["events"].as_u64().unwrap_or(0));
    emitter.close().await;
    await_deliveries(&testbed.subscribers, emitted).await;
    let counts_after = node_counts(testbed, &survivors).await?;

    let mut tallies = testbed.subscribers.collect(testbed.nodes.len());
    tallies.remove(VICTIM);
    let kill = displaced.kill.load(Ordering::Relaxed);
    let mut back_after: Vec<u32> = displaced
        .back
        .iter()
        .map(|back| back.load(Ordering::Relaxed))
        .filter(|back| *back != 0)
        .map(|back| u32::try_from(back.saturating_sub(kill)).unwrap_or(u32::MAX))
        .collect();
    back_after.sort_unstable();
    for client in &displaced.clients {
        client.close().await;
    }
    Ok(Failover {
        clients,
        back_after,
        survivors: tallies,
        emitted,
        node_lost: counted(&counts_before, &counts_after, |counts| counts.lost + counts.not_published),
    })
}

impl Displaced {
    /// Connects `count` clients to the victim, half of them trying node 1 first when it goes,
    /// half node 2, and subscribes each to `tick`.
    async fn connect(testbed: &Testbed, count: usize) -> Result<Displaced, String> {
        let url = |node: usize| format!("ws://{}/osmp/v1", testbed.nodes[node].server.addr);
        let (victim, one, two) = (url(VICTIM), url(0), url(1));
        let kill = Arc::new(AtomicU64::new(u64::MAX));
        let connected: Vec<(Client, Subscription)> = futures_util::stream::iter(0..count)
            .map(|index| {
                let (first, second) = if index % 2 == 0 { (&one, &two) } else { (&two, &one) };
                let builder = Client::builder(&victim)
                    .alternative_url(first)
                    .alternative_url(second)
                    .reconnect(ReconnectPolicy::default());
                async move {
                    let client = builder.connect().await.map_err(|e| format!("a client of node 3: {e}"))?;
                    let ticks = client.subscribe("tick").await.map_err(|e| format!("subscribe: {e}"))?;
                    Ok::<_, String>((client, ticks))
                }
            })
            .buffer_unordered(64)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let mut displaced = Displaced { clients: Vec::new(), kill, alive: Vec::new(), back: Vec::new() };
        for (client, ticks) in connected {
            let (alive, back) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            tokio::spawn(watch(ticks, displaced.kill.clone(), alive.clone(), back.clone()));
            displaced.clients.push(client);
            displaced.alive.push(alive);
            displaced.back.push(back);
        }
        Ok(displaced)
    }

    /// Ticks until every client has heard one.
    async fn await_ticks(&self, testbed: &mut Testbed) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let first = testbed.begin_step();
            testbed.pace(20.0, 10, first).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let alive = self.alive.iter().filter(|alive| alive.load(Ordering::Relaxed) != 0).count();
            if alive == self.clients.len() {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(format!("{alive} of {} clients of node 3 hear the ticks", self.clients.len()));
            }
        }
    }

    fn back_count(&self) -> usize {
        self.back.iter().filter(|back| back.load(Ordering::Relaxed) != 0).count()
    }
}

/// Notes that a client hears ticks, and when it first heard one emitted after the kill.
async fn watch(mut ticks: Subscription, kill: Arc<AtomicU64>, alive: Arc<AtomicU64>, back: Arc<AtomicU64>) {
    while let Some(event) = ticks.next().await {
        let received = unix_micros();
        let emitted = event.data.map(|data| data.to_value()["micros"].as_u64().unwrap_or(0)).unwrap_or(0);
        alive.store(1, Ordering::Relaxed);
        if emitted >= kill.load(Ordering::Relaxed) {
            back.store(received, Ordering::Relaxed);
            return;
        }
    }
}
