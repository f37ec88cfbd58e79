//! One node of a cluster: what its parts share (the server, the broker link, the other
//! nodes, the calls in flight both ways), joining, the node's background work, and leaving.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use lapin::types::ShortString;
use lapin::BasicProperties;
use osmp_broker::{publish, publish_confirmed, BrokerError, Link, LinkConfig, Published};
use osmp_runtime::instruction::{export_schema, ExportedSet, InstructionSet};
use osmp_runtime::server::ServerRef;
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::calls::ForwardedCalls;
use crate::config::Cluster;
use crate::events::{Bindings, InboundSequences, Relay};
use crate::execute::RunningCalls;
use crate::membership::Members;
use crate::messages::Announcement;
use crate::names::{self, kind, Names};
use crate::stats::Counters;
use crate::topology::NodeTopology;
use crate::JoinError;

pub(crate) struct Node {
    /// The node's id on the broker: its name and a suffix unique to the process.
    pub(crate) id: String,
    pub(crate) config: Cluster,
    /// Where things are on the broker.
    pub(crate) names: Names,
    pub(crate) server: ServerRef,
    pub(crate) link: OnceLock<Link<NodeTopology>>,
    /// This node's own description.
    pub(crate) announcement: Announcement,
    /// The names of the sets this node serves (without the standard set).
    pub(crate) local_sets: Vec<String>,
    pub(crate) members: Members,
    pub(crate) bindings: Bindings,
    pub(crate) inbound: InboundSequences,
    pub(crate) calls: ForwardedCalls,
    pub(crate) running: RunningCalls,
    pub(crate) counters: Counters,
    /// Cancelled when the node leaves.
    pub(crate) stop: CancellationToken,
    /// The node's background tasks.
    pub(crate) tasks: TaskTracker,
}

impl Node {
    /// Connects, declares, announces itself and starts relaying: the node has joined.
    pub(crate) async fn join(config: Cluster, server: ServerRef) -> Result<Arc<Node>, JoinError> {
        let id = format!("{}-{}", config.node_name, &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let served: Vec<Arc<dyn InstructionSet>> =
            server.local_sets().into_iter().filter(|set| set.schema().name != "standard").collect();
        let local_sets = served.iter().map(|set| set.schema().name.to_string()).collect();
        let announcement = announcement(&id, &config.node_name, &served);
        let node = Arc::new(Node {
            id,
            names: Names::new(config.namespace.as_deref()),
            members: Members::default(),
            bindings: Bindings::default(),
            inbound: InboundSequences::default(),
            calls: ForwardedCalls::default(),
            running: RunningCalls::new(config.max_forwarded),
            counters: Counters::default(),
            stop: CancellationToken::new(),
            tasks: TaskTracker::new(),
            link: OnceLock::new(),
            announcement,
            local_sets,
            config,
            server,
        });
        let link_config = LinkConfig::new(node.config.url.clone())
            .name(format!("osmp node {}", node.id))
            .connect_timeout(node.config.connect_timeout)
            .reconnect(node.config.reconnect);
        let supervisor = Link::open(link_config, NodeTopology::new(&node))
            .await
            .map_err(|source| JoinError::Connect { url: node.config.url.clone(), source })?;
        let span = tracing::info_span!("cluster", node = %node.id);
        let _ = node.link.set(supervisor.spawn());
        let relay = Relay::start(&node);
        node.server.events().set_relay(relay).map_err(|_| JoinError::RelayTaken)?;
        node.tasks.spawn(node.clone().heartbeat().instrument(span.clone()));
        node.tasks.spawn(node.clone().follow_interest().instrument(span));
        node.announce().await;
        tracing::info!(node = %node.id, sets = ?node.local_sets, "joined the cluster");
        Ok(node)
    }

    /// Leaves: tells the others, stops serving for them, lets running forwarded commands
    /// finish (briefly) and closes the connection.
    pub(crate) async fn leave(&self) {
        self.stop.cancel();
        let _ = self.publish(&self.names.nodes_exchange(), &names::leave_key(&self.id), kind::LEAVE, &self.id).await;
        self.tasks.close();
        self.tasks.wait().await;
        if let Some(link) = self.link.get() {
            link.shutdown().await;
        }
        tracing::info!(node = %self.id, "left the cluster");
    }

    pub(crate) fn link(&self) -> Option<&Link<NodeTopology>> {
        self.link.get()
    }

    /// Tells everyone what this node serves.
    pub(crate) async fn announce(&self) {
        let key = names::announce_key(&self.id);
        if let Err(error) = self.publish(&self.names.nodes_exchange(), &key, kind::ANNOUNCE, &self.announcement).await {
            tracing::debug!(%error, "announcement not sent");
        }
    }

    /// Beats and forgets the silent, until the node leaves.
    async fn heartbeat(self: Arc<Self>) {
        let beat = crate::messages::Beat { node: self.id.clone(), digest: self.announcement.digest.clone() };
        let key = names::beat_key(&self.id);
        let mut ticks = tokio::time::interval(self.config.heartbeat);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = self.stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            if let Err(error) = self.publish(&self.names.nodes_exchange(), &key, kind::BEAT, &beat).await {
                tracing::debug!(%error, "beat not sent");
            }
            self.forget_silent();
        }
    }

    /// How long a node may be silent before the others forget it.
    pub(crate) fn patience(&self) -> Duration {
        self.config.heartbeat * self.config.missed_beats + self.config.heartbeat / 2
    }

    /// Publishes a JSON body without confirm (events, announcements, replies): at most once.
    pub(crate) async fn publish<T: Serialize + ?Sized>(
        &self,
        exchange: &str,
        key: &str,
        kind: &str,
        body: &T,
    ) -> Result<(), BrokerError> {
        let body = serde_json::to_vec(body).unwrap_or_default();
        self.publish_raw(exchange, key, &body, self.properties(kind)).await
    }

    /// Publishes bytes as they are, without confirm.
    pub(crate) async fn publish_raw(
        &self,
        exchange: &str,
        key: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<(), BrokerError> {
        let live = self.link().and_then(Link::current).ok_or(BrokerError::ConnectionLost)?;
        publish(&live.channels().publish, exchange, key, body, properties).await
    }

    /// Publishes to a queue through the default exchange, with publisher confirms and
    /// `mandatory`: `Unroutable` when the queue does not exist.
    pub(crate) async fn publish_to_queue(
        &self,
        queue: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<Published, BrokerError> {
        let live = self.link().and_then(Link::current).ok_or(BrokerError::ConnectionLost)?;
        publish_confirmed(&live.channels().confirmed, "", queue, true, body, properties).await
    }

    /// The properties every message of this node carries: its kind and its origin.
    pub(crate) fn properties(&self, kind: &str) -> BasicProperties {
        BasicProperties::default()
            .with_type(ShortString::from(kind))
            .with_app_id(ShortString::from(self.id.as_str()))
            .with_delivery_mode(1)
    }
}

/// This node's description: each set it serves as the schema document exports it.
fn announcement(id: &str, name: &str, sets: &[Arc<dyn InstructionSet>]) -> Announcement {
    let document = export_schema(sets.iter().map(|set| set.schema()));
    let sets = ExportedSet::from_document(&document);
    let digest = digest(&serde_json::to_string(&sets).unwrap_or_default());
    Announcement { node: id.to_owned(), name: name.to_owned(), digest, sets }
}

/// A short digest of a text (FNV-1a, 64 bits): enough to notice that a description changed.
fn digest(text: &str) -> String {
    let hash = text
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}
