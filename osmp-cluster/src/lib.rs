//! Several OSMP servers acting as one, through RabbitMQ.
//!
//! Clients connect to any node (through a load balancer, or with
//! `ClientBuilder::alternative_url`); every client sees every event and reaches every
//! command, wherever it runs:
//!
//! ```no_run
//! use osmp_cluster::Cluster;
//! use osmp_runtime::server::Server;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let cluster = Cluster::rabbitmq("amqp://127.0.0.1:5672/%2f").node_name("pa-1");
//! let handle = cluster.handle();
//! let server = Server::builder().cluster(cluster).build().await?.spawn();
//! println!("{} other nodes", handle.nodes().len());
//! # Ok(()) }
//! ```
//!
//! # What travels, and how
//!
//! - **Events**: an event emitted on any node reaches every subscribed session of every
//!   node, once, in the order of its origin. Each emit is serialized once; the broker
//!   message's body is the event's data. Events go through the durable topic exchange
//!   `osmp.events` with routing key `<set>.<event>`; each node has one queue
//!   `osmp.events.<node-id>` (not exclusive, so that a connection blip does not delete it;
//!   `x-expires`, so that a dead node's queue disappears; a message TTL and a maximum length
//!   with `drop-head`, so that a stalled node cannot fill the broker). **Bindings follow
//!   local interest**: a node binds an event's key when its first local session subscribes
//!   it (`#` when its sessions want every event) and unbinds it some seconds after the last
//!   one left; after a reconnect it binds again what its sessions want then. AMQP
//!   properties carry the origin node (`app-id`; a node drops its own events, as RabbitMQ
//!   has no no-local), and headers the event's name, its origin's sequence number of that
//!   event and the emit time. Events are **at most once**: transient, without confirms, and
//!   what is emitted while the broker is unreachable is lost; a receiving node counts gaps
//!   and duplicates instead of hiding them ([`ClusterStats`]). Sessions see no difference:
//!   batching, per-session buffers and the slow-consumer policy apply to remote events as to
//!   local ones.
//! - **Descriptions**: each node announces its instruction sets with their schemas on the
//!   topic exchange `osmp.nodes` and beats every second; a node that stops beating is
//!   forgotten after a few missed beats. `help`, `apropos`, `schema` and `event-list` on any
//!   node describe the whole cluster.
//! - **Commands**: a command whose set is served on another node is forwarded to the
//!   queue `osmp.set.<set>`, consumed by every node that serves the set (competing
//!   consumers: load spread and fail-over). Replies come to the caller's node queue
//!   `osmp.node.<node-id>` with the call's correlation id. Everything a command does through
//!   its `CommandContext` works when forwarded: its response, progress and other stream
//!   items in order, the `session-status` keep-alive of the calling client, cancellation by
//!   the client (one, a list, `*`, or a disconnect), server-to-client commands asked of the
//!   calling client, the events it emits, and the caller's identity and roles (permissions
//!   are checked where the command runs). Commands are at most once: a forwarded command is
//!   acknowledged when a node takes it, and one whose node dies fails at its caller within
//!   about three heartbeats, not at the client's timeout. Local commands never touch the
//!   broker.
//!
//! # What does not travel
//!
//! State a set keeps per session lives on the node that ran the command, and the snapshot a
//! set sends a new subscriber (`InstructionSet::on_subscribe`) is sent only by a set served
//! on the subscriber's own node.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod calls;
mod config;
mod events;
mod execute;
mod membership;
mod messages;
mod names;
mod node;
mod remote;
mod stats;
mod topology;

use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use osmp_runtime::server::cluster::{ClusterNode, Joining, Membership};
use osmp_runtime::server::ServerRef;

pub use config::{Cluster, QueueSettings};
pub use membership::NodeInfo;
pub use osmp_broker::Reconnect;
pub use stats::ClusterStats;

use node::Node;

/// Why a server could not join its cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The broker could not be reached, or refused the node's declarations.
    #[error("cannot connect to the broker at {url}: {source}")]
    Connect {
        /// The broker URL.
        url: String,
        /// What failed.
        #[source]
        source: osmp_broker::OpenError,
    },
    /// The server's event bus has a relay already (it joined a cluster before).
    #[error("the server's events are relayed elsewhere already")]
    RelayTaken,
}

/// A view of a node once its server has joined: its id, the other nodes, its counters.
/// Take it from the [`Cluster`] before giving that to the server builder.
#[derive(Clone, Default)]
pub struct ClusterHandle {
    node: Arc<OnceLock<Arc<Node>>>,
}

impl ClusterHandle {
    /// The node's id on the broker, once joined.
    pub fn node_id(&self) -> Option<&str> {
        self.node.get().map(|node| node.id.as_str())
    }

    /// The other nodes this node knows, with the sets they serve.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        self.node.get().map(|node| node.members.list()).unwrap_or_default()
    }

    /// The node's counters (all zero before joining).
    pub fn stats(&self) -> ClusterStats {
        let Some(node) = self.node.get() else { return ClusterStats::default() };
        let connections = node.link().map_or(0, |link| link.connections());
        node.counters.snapshot(node.members.count() + 1, connections)
    }

    /// Whether the node is connected to the broker now.
    pub fn is_connected(&self) -> bool {
        self.node.get().and_then(|node| node.link()).is_some_and(|link| link.is_connected())
    }
}

impl std::fmt::Debug for ClusterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterHandle").field("node", &self.node_id()).finish_non_exhaustive()
    }
}

impl Cluster {
    /// A handle to the node this configuration makes, live once the server has joined.
    pub fn handle(&self) -> ClusterHandle {
        self.handle.clone()
    }
}

impl Membership for Cluster {
    fn join(self: Box<Self>, server: ServerRef) -> Joining {
        Box::pin(async move {
            let handle = self.handle.clone();
            let node = Node::join(*self, server).await?;
            let _ = handle.node.set(node.clone());
            Ok(Box::new(Joined(node)) as Box<dyn ClusterNode>)
        })
    }
}

/// A server's membership, left when it shuts down.
struct Joined(Arc<Node>);

impl ClusterNode for Joined {
    fn leave(&self) -> Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(self.0.leave())
    }
}
