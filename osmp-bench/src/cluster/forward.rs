//! The round trip of a forwarded command against a local one: `probe` (an `echo` served on
//! node 1 only), called one at a time by a session on node 1 (local) and by one on node 2
//! (forwarded through the broker to node 1 and back).

use std::time::Instant;

use serde_json::json;

use super::testbed::{Testbed, EMITTER};
use crate::load::{call, command, connect, percentile};
use crate::Kind;

/// Round trips in microseconds, sorted.
pub struct RoundTrips {
    pub local: Vec<u32>,
    pub forwarded: Vec<u32>,
}

impl RoundTrips {
    pub fn p(&self, forwarded: bool, p: f64) -> f64 {
        percentile(if forwarded { &self.forwarded } else { &self.local }, p)
    }
}

/// `calls` probes from each side, after a tenth as many to warm up.
pub async fn round_trips(testbed: &mut Testbed, calls: usize) -> Result<RoundTrips, String> {
    // Node 2 knows node 1's sets (again, if the broker restarted meanwhile).
    let nodes = testbed.nodes.len() as u64;
    testbed.nodes[1].await_cluster(nodes, "probe").await?;
    let local = probes(testbed, EMITTER, calls).await?;
    let forwarded = probes(testbed, 1, calls).await?;
    Ok(RoundTrips { local, forwarded })
}

async fn probes(testbed: &Testbed, node: usize, calls: usize) -> Result<Vec<u32>, String> {
    let mut ws = connect(&testbed.nodes[node].server).await?;
    let warm_up = calls / 10;
    let mut round_trips = Vec::with_capacity(calls);
    for nr in 1..=(warm_up + calls) as u64 {
        let started = Instant::now();
        let reply = call(&mut ws, Kind::Osmp, command(nr, "probe", &json!({"token": "x"})), nr).await?;
        let elapsed = started.elapsed();
        if !reply.contains(r#""token":"x""#) {
            return Err(format!("probe lost its token: {}", crate::excerpt(&reply)));
        }
        if nr > warm_up as u64 {
            round_trips.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
        }
    }
    round_trips.sort_unstable();
    Ok(round_trips)
}
