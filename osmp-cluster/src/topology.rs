//! What a node declares on each connection to the broker, and how it consumes: the
//! exchanges, its own two queues (events and everything sent to it), one queue per set it
//! serves, and the consumers that hand deliveries to the node's parts. Declared again after
//! every reconnect from the node's current state (the events it is bound to), so a node
//! that comes back hears what its sessions want.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, Connection, Consumer, ExchangeKind};
use osmp_broker::{next_delivery, Topology};

use crate::config::QueueSettings;
use crate::node::Node;

/// The node's side of its link to the broker.
pub(crate) struct NodeTopology {
    node: Weak<Node>,
}

/// The channels of one connection.
pub(crate) struct Channels {
    /// Events, announcements and replies: no confirms.
    pub(crate) publish: Channel,
    /// Forwarded commands: with confirms (a command must not vanish unnoticed).
    pub(crate) confirmed: Channel,
    /// Where the set queues are consumed (prefetch bounded by `max_forwarded`).
    sets: Channel,
    set_consumers: Vec<ShortString>,
}

/// The consumers of one connection.
pub(crate) struct Consumers {
    node: Consumer,
    events: Consumer,
    sets: Vec<Consumer>,
}

impl NodeTopology {
    pub(crate) fn new(node: &Arc<Node>) -> NodeTopology {
        NodeTopology { node: Arc::downgrade(node) }
    }

    fn node(&self) -> Result<Arc<Node>, lapin::Error> {
        self.node
            .upgrade()
            .ok_or_else(|| lapin::ErrorKind::InvalidConnectionState(lapin::ConnectionState::Closed).into())
    }
}

impl Topology for NodeTopology {
    type Channels = Channels;
    type Consumers = Consumers;

    async fn declare(&self, connection: &Connection) -> Result<(Channels, Consumers), lapin::Error> {
        let node = self.node()?;
        let publish = connection.create_channel().await?;
        let confirmed = connection.create_channel().await?;
        confirmed.confirm_select(ConfirmSelectOptions::default()).await?;
        for exchange in [node.names.events_exchange(), node.names.nodes_exchange()] {
            let options = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
            publish.exchange_declare(exchange.into(), ExchangeKind::Topic, options, FieldTable::default()).await?;
        }

        // Everything sent to this node, and every node's announcements.
        let node_queue = node.names.node_queue(&node.id);
        let queues = &node.config.queues;
        declare_queue(&publish, &node_queue, expiring(queues.expires, queues.command_ttl)).await?;
        bind(&publish, &node_queue, &node.names.nodes_exchange(), "#").await?;

        // The node's events, bound as its sessions' interest says now.
        let events_queue = node.names.events_queue(&node.id);
        declare_queue(&publish, &events_queue, events_arguments(queues)).await?;
        for key in node.bindings.bound() {
            bind(&publish, &events_queue, &node.names.events_exchange(), &key).await?;
        }
        let no_ack = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
        let node_consumer = publish.basic_consume(node_queue.into(), "".into(), no_ack, FieldTable::default()).await?;
        let events = publish.basic_consume(events_queue.into(), "".into(), no_ack, FieldTable::default()).await?;

        // One queue per set served here, shared with every other node serving it.
        let sets = connection.create_channel().await?;
        let prefetch = u16::try_from(node.config.max_forwarded).unwrap_or(u16::MAX);
        sets.basic_qos(prefetch, BasicQosOptions::default()).await?;
        let mut set_consumers = Vec::new();
        for set in &node.local_sets {
            let queue = node.names.set_queue(set);
            declare_queue(&sets, &queue, expiring(queues.expires, queues.command_ttl)).await?;
            let consumer = sets
                .basic_consume(queue.into(), "".into(), BasicConsumeOptions::default(), FieldTable::default())
                .await?;
            set_consumers.push(consumer);
        }
        let tags = set_consumers.iter().map(Consumer::tag).collect();
        let channels = Channels { publish, confirmed, sets, set_consumers: tags };
        Ok((channels, Consumers { node: node_consumer, events, sets: set_consumers }))
    }

    async fn serve(&self, _channels: Arc<Channels>, consumers: Consumers) -> String {
        let Ok(node) = self.node() else { return "the node is gone".to_owned() };
        let Consumers { node: mut node_consumer, events: mut events_consumer, sets } = consumers;
        let node_messages = async {
            loop {
                match next_delivery(&mut node_consumer).await {
                    Ok(delivery) => node.on_node_message(delivery),
                    Err(reason) => return reason,
                }
            }
        };
        let events = async {
            loop {
                match next_delivery(&mut events_consumer).await {
                    Ok(delivery) => node.on_event(delivery),
                    Err(reason) => return reason,
                }
            }
        };
        let mut commands: FuturesUnordered<_> = sets.into_iter().map(|consumer| node.run_commands(consumer)).collect();
        tokio::select! {
            reason = node_messages => reason,
            reason = events => reason,
            Some(reason) = commands.next() => reason,
        }
    }

    fn lost(&self, reason: &str) {
        if let Ok(node) = self.node() {
            node.calls.fail_all(&format!(
                "the connection to the broker was lost ({reason}): the command may or may not have run"
            ));
        }
    }

    async fn shutdown(&self, channels: Option<&Channels>) {
        // No new forwarded commands; those running finish (briefly).
        if let Some(channels) = channels {
            for tag in &channels.set_consumers {
                let _ = channels.sets.basic_cancel(tag.clone(), BasicCancelOptions::default()).await;
            }
        }
        if let Ok(node) = self.node() {
            node.running.finish().await;
        }
    }
}

async fn declare_queue(channel: &Channel, queue: &str, arguments: FieldTable) -> Result<(), lapin::Error> {
    // Not exclusive: a connection blip must not delete it; `x-expires` removes it once its
    // node is gone for good.
    channel.queue_declare(queue.into(), QueueDeclareOptions::default(), arguments).await.map(drop)
}

pub(crate) async fn bind(channel: &Channel, queue: &str, exchange: &str, key: &str) -> Result<(), lapin::Error> {
    channel
        .queue_bind(queue.into(), exchange.into(), key.into(), QueueBindOptions::default(), FieldTable::default())
        .await
}

fn millis(duration: Duration) -> AMQPValue {
    AMQPValue::LongInt(i32::try_from(duration.as_millis()).unwrap_or(i32::MAX).max(1))
}

/// A queue deleted once unused for `expires`, whose messages live at most `ttl`.
fn expiring(expires: Duration, ttl: Duration) -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert("x-expires".into(), millis(expires));
    arguments.insert("x-message-ttl".into(), millis(ttl));
    arguments
}

/// A node's events queue: expiring, and bounded so that a stalled node cannot fill the
/// broker (the oldest events go first).
fn events_arguments(queues: &QueueSettings) -> FieldTable {
    let mut arguments = expiring(queues.expires, queues.event_ttl);
    arguments.insert("x-max-length".into(), AMQPValue::LongInt(i32::try_from(queues.max_events).unwrap_or(i32::MAX)));
    arguments.insert("x-overflow".into(), AMQPValue::LongString("drop-head".into()));
    arguments
}
