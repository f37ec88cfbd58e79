//! What the owner of a link declares on each connection and how it consumes: the
//! [`Topology`] trait.

use std::future::Future;
use std::sync::Arc;

use futures_util::StreamExt;
use lapin::Connection;

/// The owner's part of a [`Link`](crate::Link): what it declares on a connection, how it
/// consumes, what it does when the connection is lost and when the link shuts down.
///
/// [`declare`](Topology::declare) runs on the first connection and again on every new
/// connection after a loss. It reads the owner's *current* state (queues, bindings,
/// consumers), so that what was bound or unbound at run time is what the new connection
/// gets. A change at run time goes through [`Link::lock_topology`](crate::Link::lock_topology),
/// so that it is either seen by a declaration or applied to the connection that
/// declaration opened, never lost in between.
///
/// ```no_run
/// use std::sync::Arc;
/// use lapin::options::{BasicConsumeOptions, QueueDeclareOptions};
/// use lapin::types::FieldTable;
/// use lapin::{Channel, Connection, Consumer};
///
/// /// Reads the queue `inbox`.
/// struct Inbox;
///
/// impl osmp_broker::Topology for Inbox {
///     type Channels = Channel;
///     type Consumers = Consumer;
///
///     async fn declare(&self, connection: &Connection) -> Result<(Channel, Consumer), lapin::Error> {
///         let channel = connection.create_channel().await?;
///         channel.queue_declare("inbox".into(), QueueDeclareOptions::default(), FieldTable::default()).await?;
///         let options = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
///         let consumer = channel.basic_consume("inbox".into(), "".into(), options, FieldTable::default()).await?;
///         Ok((channel, consumer))
///     }
///
///     async fn serve(&self, _channel: Arc<Channel>, mut consumer: Consumer) -> String {
///         loop {
///             match osmp_broker::next_delivery(&mut consumer).await {
///                 Ok(delivery) => println!("{}", String::from_utf8_lossy(&delivery.data)),
///                 Err(reason) => return reason,
///             }
///         }
///     }
/// }
/// ```
pub trait Topology: Send + Sync + 'static {
    /// What the owner publishes and acknowledges through: its channels, and whatever it
    /// learnt while declaring (a server-named queue, consumer tags). Shared with
    /// [`serve`](Topology::serve) and with [`Live::channels`](crate::Live::channels).
    type Channels: Send + Sync + 'static;
    /// What [`serve`](Topology::serve) consumes: usually one or several
    /// [`lapin::Consumer`]s.
    type Consumers: Send + 'static;

    /// Declares everything on a new connection (channels, their options, queues, exchanges,
    /// bindings, consumers), from the owner's current state. An error on the first
    /// connection is returned by [`Link::open`](crate::Link::open); on a later one, the
    /// link closes that connection and tries again after the next delay.
    ///
    /// It runs while the link's topology lock is held: it must not call
    /// [`Link::lock_topology`](crate::Link::lock_topology).
    fn declare(
        &self,
        connection: &Connection,
    ) -> impl Future<Output = Result<(Self::Channels, Self::Consumers), lapin::Error>> + Send;

    /// Consumes until the connection is lost, and says why (for the logs). It returns only
    /// on a loss: when the link shuts down, it drops this future, so it must not hold
    /// anything across an `.await` that a drop would lose (spawn what must finish, such as
    /// a delivery already taken, in a task of its own).
    fn serve(&self, channels: Arc<Self::Channels>, consumers: Self::Consumers) -> impl Future<Output = String> + Send;

    /// The connection is lost (`reason`): fails what waited on it (responses that can no
    /// longer arrive). Called once per loss, after the link stopped counting itself
    /// connected and before it reconnects.
    fn lost(&self, reason: &str) {
        let _ = reason;
    }

    /// The link shuts down: the owner's graceful part, before the connection is closed
    /// (cancel its consumers, wait for work in flight). `channels` are those of the live
    /// connection, `None` when the link shuts down while reconnecting. Does nothing by
    /// default.
    fn shutdown(&self, channels: Option<&Self::Channels>) -> impl Future<Output = ()> + Send {
        let _ = channels;
        async {}
    }
}

/// The next delivery of a consumer, or why there is none: the consumer failed (its channel
/// or connection is gone) or was cancelled. What [`Topology::serve`] returns once its
/// consumers end.
pub async fn next_delivery(consumer: &mut lapin::Consumer) -> Result<lapin::message::Delivery, String> {
    match consumer.next().await {
        Some(Ok(delivery)) => Ok(delivery),
        Some(Err(error)) => Err(error.to_string()),
        None => Err(format!("the consumer {} was cancelled", consumer.tag())),
    }
}
