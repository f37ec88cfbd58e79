//! How a node joins: the broker, its name, its heartbeat, and the bounds of the queues it
//! declares. Every node of one cluster must declare its queues with the same arguments
//! (RabbitMQ refuses a declaration that differs): keep the queue settings equal everywhere.

use std::time::Duration;

use osmp_broker::Reconnect;

/// Configures a node of a cluster; give it to `ServerBuilder::cluster`.
///
/// ```no_run
/// use osmp_cluster::Cluster;
///
/// let cluster = Cluster::rabbitmq("amqp://127.0.0.1:5672/%2f").node_name("pa-1");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct Cluster {
    pub(crate) url: String,
    pub(crate) node_name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) heartbeat: Duration,
    pub(crate) missed_beats: u32,
    pub(crate) connect_timeout: Duration,
    pub(crate) reconnect: Reconnect,
    pub(crate) queues: QueueSettings,
    pub(crate) unbind_after: Duration,
    pub(crate) accept_timeout: Duration,
    pub(crate) max_forwarded: usize,
    pub(crate) relay_buffer: usize,
    pub(crate) handle: crate::ClusterHandle,
}

/// The bounds of the queues a node declares on the broker (equal on every node).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct QueueSettings {
    /// A queue whose node stopped consuming is deleted after this long (`x-expires`), so a
    /// dead node's queues disappear. Default 30 s.
    pub expires: Duration,
    /// An event that waits longer in a node's queue is dropped (`x-message-ttl`). Default 10 s.
    pub event_ttl: Duration,
    /// Events a node's queue holds at most; beyond it the oldest are dropped
    /// (`x-max-length` with `drop-head`), so that a stalled node cannot fill the broker.
    /// Default 100,000.
    pub max_events: u32,
    /// A forwarded command that no node takes within this long is dropped from its set's
    /// queue (`x-message-ttl`); its caller has been answered long before. Default 30 s.
    pub command_ttl: Duration,
}

impl Default for QueueSettings {
    fn default() -> QueueSettings {
        QueueSettings {
            expires: Duration::from_secs(30),
            event_ttl: Duration::from_secs(10),
            max_events: 100_000,
            command_ttl: Duration::from_secs(30),
        }
    }
}

impl Cluster {
    /// A node of the cluster whose nodes meet at the RabbitMQ broker at `url`
    /// (`amqp://user:password@host:port/vhost`; a virtual host per cluster keeps clusters
    /// apart).
    pub fn rabbitmq(url: impl Into<String>) -> Cluster {
        Cluster {
            url: url.into(),
            node_name: "osmp".to_owned(),
            namespace: None,
            heartbeat: Duration::from_secs(1),
            missed_beats: 3,
            connect_timeout: Duration::from_secs(10),
            reconnect: Reconnect { initial_delay: Duration::from_millis(100), max_delay: Duration::from_secs(2) },
            queues: QueueSettings::default(),
            unbind_after: Duration::from_secs(5),
            accept_timeout: Duration::from_secs(3),
            max_forwarded: 1024,
            relay_buffer: 65_536,
            handle: crate::ClusterHandle::default(),
        }
    }

    /// The node's name, for people and logs (default `osmp`); the node's id on the broker
    /// is the name with a suffix unique to the process.
    pub fn node_name(mut self, name: impl Into<String>) -> Cluster {
        self.node_name = name.into();
        self
    }

    /// Keeps this cluster apart from others on the same virtual host: its exchanges and
    /// queues are named `<namespace>.osmp.…` instead of `osmp.…`. Every node of the cluster
    /// must use the same one. A virtual host per cluster is the broker's own way to do this.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Cluster {
        self.namespace = Some(namespace.into());
        self
    }

    /// How often the node tells the others it is alive (default 1 s), and how many beats
    /// it may miss before they forget it (default 3): a node that dies is forgotten, and
    /// the commands it was running fail at their callers, within about `interval × missed`.
    pub fn heartbeat(mut self, interval: Duration, missed: u32) -> Cluster {
        self.heartbeat = interval.max(Duration::from_millis(10));
        self.missed_beats = missed.max(1);
        self
    }

    /// How long the first connection may take (default 10 s); the server's build fails
    /// after it.
    pub fn connect_timeout(mut self, timeout: Duration) -> Cluster {
        self.connect_timeout = timeout;
        self
    }

    /// How the node reconnects after losing the broker (default: from 100 ms, doubling, at
    /// most 2 s apart). Meanwhile local delivery goes on; events to and from other nodes
    /// are lost (and counted).
    pub fn reconnect(mut self, reconnect: Reconnect) -> Cluster {
        self.reconnect = reconnect;
        self
    }

    /// The bounds of the queues the node declares.
    pub fn queues(mut self, queues: QueueSettings) -> Cluster {
        self.queues = queues;
        self
    }

    /// How long the node keeps receiving an event after its last local subscriber left
    /// (default 5 s), so that a subscriber that comes and goes does not rebind each time.
    pub fn unbind_after(mut self, linger: Duration) -> Cluster {
        self.unbind_after = linger;
        self
    }

    /// How long a forwarded command may wait for a node to take it (default 3 s); after
    /// that its caller gets an error rather than waiting for its own timeout.
    pub fn accept_timeout(mut self, timeout: Duration) -> Cluster {
        self.accept_timeout = timeout;
        self
    }

    /// Commands forwarded from other nodes that this node runs at once (default 1,024);
    /// more wait in their set's queue, where another node may take them.
    pub fn max_forwarded(mut self, commands: usize) -> Cluster {
        self.max_forwarded = commands.max(1);
        self
    }
}
