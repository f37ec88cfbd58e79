//! OMCP over RabbitMQ (AMQP 0-9-1), as OSIRIS uses it.
//!
//! - A module serves a durable queue named after it ([`queue_name`](crate::queue_name)),
//!   declared with `x-message-ttl` 60000 (a request nobody takes within a minute is
//!   dropped), with one consumer that runs up to [`ServerBuilder::concurrency`] handlers at
//!   a time. The consumer is exclusive: as the original refuses a second server for a
//!   module, a server does not start while another consumer serves its queue
//!   ([`ServerError::QueueInUse`]), and none can join while it runs, unless the servers
//!   share the queue as competing consumers ([`ServerBuilder::competing_consumers`]). A delivery with `reply_to` is a request: the response goes to `reply_to` with
//!   the request's `correlation_id`. One without is a notification: handled, not answered.
//! - A client publishes requests to the default exchange with the module's queue as routing
//!   key, `reply_to` set to its own reply queue (exclusive, one per client) and a random
//!   `correlation_id`, with publisher confirms. No response within the timeout is answered
//!   `408 REQUEST TIMEOUT` (the original waits forever); a module whose queue does not exist
//!   is answered `404 NOT FOUND` at once (the request is published `mandatory`). A NOTIFY is
//!   a persistent message without `reply_to`.
//! - A message group `X.messagegroup` is the topic exchange `osiris.messagegroup.X`. A NOTIFY
//!   to `omcp://X.messagegroup/a/b` is published there with routing key `a.b`, one to
//!   `omcp://X.messagegroup/a/b?x=1` with `a.b?x=1` as the original does (so a subscription
//!   to `a/b` does not receive it, `a/*` and `a/#` do); a server
//!   subscribes with [`ServerBuilder::subscribe`] (`omcp://X.messagegroup/a/#`), which binds
//!   its queue, so group notifications reach its handler like any other.
//!
//! Both sides keep their connection: when the broker goes away (restart, network), they
//! reconnect with exponential backoff ([`Reconnect`]), declare their queues, bindings and
//! consumers again and carry on with the same handler. What happens to work in flight:
//!
//! - Requests waiting in a module's queue stay there (the queue is durable) until the
//!   module is back or their time to live runs out.
//! - A server acknowledges each delivery when it starts handling it (at most once: a
//!   handler never runs twice for one request). A handler running while the connection
//!   drops finishes, but its response cannot be sent and is dropped (logged): the caller's
//!   reply queue died with the caller's connection anyway.
//! - A client fails its requests in flight with [`RequestError::ConnectionLost`] as soon as
//!   the connection drops (their responses can no longer reach it; the module may or may
//!   not have handled them), and new requests wait for the new connection for at most
//!   their timeout ([`RequestError::NotConnected`] after that).
//!
//! The connection itself (connecting, reconnecting, declaring again, publishing with
//! confirms) is an [`osmp_broker::Link`]; the client and the server each give it their
//! [`osmp_broker::Topology`].

mod client;
mod server;

pub use client::{Client, ClientBuilder, RequestError};
pub use osmp_broker::Reconnect;
pub use server::{Server, ServerBuilder, ServerError, ServerHandle};

/// The broker URL used when none is given: a RabbitMQ on this machine, default virtual
/// host, user `guest`.
pub const DEFAULT_URL: &str = "amqp://127.0.0.1:5672/%2f";
