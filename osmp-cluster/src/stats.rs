//! What a node counts: events sent, received, lost and duplicated, commands forwarded and
//! run for others. Losses are counted rather than hidden: events are at-most-once.

use std::sync::atomic::{AtomicU64, Ordering};

/// A node's counters, read with [`ClusterHandle::stats`](crate::ClusterHandle::stats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterStats {
    /// Nodes this node knows (itself included).
    pub nodes: usize,
    /// Events emitted here and published to the broker.
    pub events_published: u64,
    /// Events emitted here that could not be published: the broker was unreachable, or the
    /// relay's buffer was full.
    pub events_not_published: u64,
    /// Events of other nodes received here.
    pub events_received: u64,
    /// Events of other nodes that never arrived: gaps in their origin's sequence of an
    /// event, while this node was bound to it.
    pub events_lost: u64,
    /// Events of other nodes that arrived twice or out of their origin's order.
    pub events_duplicated: u64,
    /// Commands of sessions here forwarded to the node serving their set.
    pub commands_forwarded: u64,
    /// Commands of sessions elsewhere run here.
    pub commands_run: u64,
    /// Times this node connected to the broker (1 after joining).
    pub connections: u64,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) events_published: AtomicU64,
    pub(crate) events_not_published: AtomicU64,
    pub(crate) events_received: AtomicU64,
    pub(crate) events_lost: AtomicU64,
    pub(crate) events_duplicated: AtomicU64,
    pub(crate) commands_forwarded: AtomicU64,
    pub(crate) commands_run: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, amount: u64) {
        counter.fetch_add(amount, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, nodes: usize, connections: u64) -> ClusterStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ClusterStats {
            nodes,
            events_published: read(&self.events_published),
            events_not_published: read(&self.events_not_published),
            events_received: read(&self.events_received),
            events_lost: read(&self.events_lost),
            events_duplicated: read(&self.events_duplicated),
            commands_forwarded: read(&self.commands_forwarded),
            commands_run: read(&self.commands_run),
            connections,
        }
    }
}
