//! Where things are on the broker: exchange and queue names, routing keys, and the kinds of
//! message (the AMQP `type` property). The crate documentation describes the layout.

/// The names of a cluster's exchanges and queues: `osmp.…`, or `<namespace>.osmp.…` for a
/// cluster that shares its virtual host with others.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    prefix: String,
}

impl Names {
    pub(crate) fn new(namespace: Option<&str>) -> Names {
        Names { prefix: namespace.map_or_else(|| "osmp".to_owned(), |namespace| format!("{namespace}.osmp")) }
    }

    /// The durable topic exchange every event goes through, routing key `<set>.<event>`.
    pub(crate) fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    /// The durable topic exchange nodes announce themselves on.
    pub(crate) fn nodes_exchange(&self) -> String {
        format!("{}.nodes", self.prefix)
    }

    /// The queue of a node's events (bound as its sessions' interest says).
    pub(crate) fn events_queue(&self, node: &str) -> String {
        format!("{}.events.{node}", self.prefix)
    }

    /// The queue of what is sent to one node: announcements of the others, replies to the
    /// commands it forwarded, cancels and answers for those it runs.
    pub(crate) fn node_queue(&self, node: &str) -> String {
        format!("{}.node.{node}", self.prefix)
    }

    /// The queue of an instruction set's forwarded commands, consumed by every node serving
    /// it.
    pub(crate) fn set_queue(&self, set: &str) -> String {
        format!("{}.set.{set}", self.prefix)
    }
}

/// The routing key of an event.
pub(crate) fn event_key(set: &str, event: &str) -> String {
    format!("{set}.{event}")
}

/// Routing keys on [`NODES_EXCHANGE`].
pub(crate) fn announce_key(node: &str) -> String {
    format!("announce.{node}")
}

pub(crate) fn beat_key(node: &str) -> String {
    format!("beat.{node}")
}

pub(crate) fn leave_key(node: &str) -> String {
    format!("leave.{node}")
}

/// The kinds of message, in the AMQP `type` property.
pub(crate) mod kind {
    /// An event (on the events exchange).
    pub(crate) const EVENT: &str = "event";
    /// A node's full description: its sets (on the nodes exchange).
    pub(crate) const ANNOUNCE: &str = "announce";
    /// A node is alive, with the digest of its description.
    pub(crate) const BEAT: &str = "beat";
    /// A node leaves.
    pub(crate) const LEAVE: &str = "leave";
    /// Please announce yourself (to a node's queue: its description is unknown here).
    pub(crate) const DESCRIBE: &str = "describe";
    /// A forwarded command (to a set's queue).
    pub(crate) const COMMAND: &str = "command";
    /// The executing node took a forwarded command (to the caller's node).
    pub(crate) const ACCEPTED: &str = "accepted";
    /// Stream data of a forwarded command.
    pub(crate) const STREAM: &str = "stream";
    /// A forwarded command asks its caller's client something.
    pub(crate) const ASK: &str = "ask";
    /// A question is withdrawn (the command no longer waits for the answer).
    pub(crate) const ASK_WITHDRAWN: &str = "ask-withdrawn";
    /// The response that ends a forwarded command.
    pub(crate) const RESPONSE: &str = "response";
    /// The caller cancels (to the executing node).
    pub(crate) const CANCEL: &str = "cancel";
    /// The client's answer to a question (to the executing node).
    pub(crate) const ANSWER: &str = "answer";
}

/// AMQP headers the cluster sets.
pub(crate) mod header {
    /// The event's canonical name.
    pub(crate) const EVENT: &str = "osmp-event";
    /// The origin's sequence number of an event.
    pub(crate) const SEQUENCE: &str = "osmp-seq";
    /// When the event was emitted, microseconds since the Unix epoch.
    pub(crate) const EMITTED: &str = "osmp-emitted-us";
}
