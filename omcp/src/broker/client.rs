//! Calling modules: requests with `reply_to` and a `correlation_id`, notifications, message
//! groups.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapin::options::{BasicConsumeOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, Consumer, ExchangeKind};
use osmp_broker::{
    next_delivery, publish_confirmed, BrokerError, Link, LinkConfig, Live, OpenError, Published, Topology, Unavailable,
};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::DropGuard;
use tracing::{debug, info, warn};

use super::{Reconnect, DEFAULT_URL};
use crate::address::{is_message_group, queue_name, routing_key, Address, AddressError};
use crate::packet::{Method, ParseError, Request, Response, StatusCode};

/// Why a call did not get a response.
///
/// A module's error response is not a `RequestError`: it is the `Ok` response with its
/// status. A response timeout is the `408` response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The first connection failed.
    #[error("cannot connect to the broker at {url}: {source}")]
    Connect {
        /// The broker URL.
        url: String,
        /// What failed.
        #[source]
        source: lapin::Error,
    },
    /// The first connection did not complete in time.
    #[error("connecting to the broker at {url} timed out after {timeout:?}")]
    ConnectTimeout {
        /// The broker URL.
        url: String,
        /// The connect timeout.
        timeout: Duration,
    },
    /// The broker failed an operation.
    #[error("broker error: {0}")]
    Broker(#[source] lapin::Error),
    /// The connection is down and did not come back within the request's timeout.
    #[error("not connected to the broker: the client is reconnecting")]
    NotConnected,
    /// The connection dropped while the request waited for its response. The module may
    /// or may not have handled it.
    #[error("the connection to the broker was lost before the response arrived; the module may or may not have handled the request")]
    ConnectionLost,
    /// The broker refused the message (a publisher `nack`).
    #[error("the broker refused the message")]
    Refused,
    /// A notification to a module whose queue does not exist (it never ran on this broker).
    #[error("no module `{module}` on this broker (no queue `{queue}`)")]
    NoSuchModule {
        /// The module.
        module: String,
        /// Its queue.
        queue: String,
    },
    /// `request` with a NOTIFY, which is never answered: use [`Client::notify`].
    #[error("NOTIFY is never answered: send it with `Client::notify`")]
    Unanswered,
    /// A request to a message group, which only takes notifications.
    #[error("`{0}` is a message group: it only takes NOTIFY")]
    MessageGroup(String),
    /// An invalid address.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// The module answered something that is not an OMCP response.
    #[error("invalid response: {0}")]
    InvalidResponse(#[from] ParseError),
    /// [`Client::close`] was called.
    #[error("the client is closed")]
    Closed,
}

/// Configures and connects a [`Client`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    link: LinkConfig,
    source: String,
    timeout: Duration,
}

impl ClientBuilder {
    /// The name requests carry in their `source` header (default `omcp-rs`); usually the
    /// calling module's name.
    pub fn source(mut self, source: impl Into<String>) -> ClientBuilder {
        self.source = source.into();
        self
    }

    /// How long a request waits for its response before it is answered `408` (default 30 s).
    /// Requests also expire in the module's queue after this time.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// How long the first connection may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.link.connect_timeout = timeout;
        self
    }

    /// How to reconnect after the connection is lost.
    pub fn reconnect(mut self, reconnect: Reconnect) -> ClientBuilder {
        self.link.reconnect = reconnect;
        self
    }

    /// Connects: opens a channel with publisher confirms and declares the reply queue.
    /// Fails when the broker cannot be reached now; once connected, the client reconnects
    /// by itself.
    pub async fn connect(self) -> Result<Client, RequestError> {
        let config = self.link.clone().name(format!("omcp client {}", self.source));
        let url = &self.link.url;
        let supervisor = Link::open(config, Replies::default()).await.map_err(|error| match error {
            OpenError::Connect(source) => RequestError::Connect { url: url.clone(), source },
            OpenError::ConnectTimeout(timeout) => RequestError::ConnectTimeout { url: url.clone(), timeout },
            OpenError::Declare(error) => RequestError::Broker(error),
        })?;
        info!(url = %url, source = %self.source, "OMCP client connected");
        let span = tracing::info_span!("omcp-client", source = %self.source);
        let link = span.in_scope(|| supervisor.spawn());
        let guard = Arc::new(link.cancellation().clone().drop_guard());
        Ok(Client { inner: Arc::new(Inner { source: self.source, timeout: self.timeout, link }), _guard: guard })
    }
}

/// Calls modules through the broker. Cheap to clone; the connection closes when the last
/// clone is dropped or [`close`](Client::close) is called.
///
/// ```no_run
/// # async fn demo() -> Result<(), omcp::RequestError> {
/// let client = omcp::Client::builder("amqp://127.0.0.1:5672/%2f").source("dashboard").connect().await?;
/// let response = client.get("omcp://sensornet/sensors/3").await?;
/// println!("{} {}", response.status, response.body);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    _guard: Arc<DropGuard>,
}

struct Inner {
    source: String,
    timeout: Duration,
    link: Link<Replies>,
}

/// The client's part of the link: a channel with confirms for publishing, an exclusive
/// reply queue and its consumer, and the requests waiting for their response.
#[derive(Default)]
struct Replies {
    /// Requests waiting for their response, by correlation id.
    pending: Mutex<HashMap<String, oneshot::Sender<Result<Response, RequestError>>>>,
}

/// What the client declares on one connection.
struct ReplyChannel {
    /// In confirm mode: requests and notifications are confirmed.
    channel: Channel,
    reply_queue: String,
}

impl Client {
    /// Configures a client of the broker at `url` (`amqp://user:password@host:port/vhost`).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder { link: LinkConfig::new(url), source: "omcp-rs".to_owned(), timeout: Duration::from_secs(30) }
    }

    /// Connects to the broker at `url` with the default settings.
    pub async fn connect(url: impl Into<String>) -> Result<Client, RequestError> {
        Client::builder(url).connect().await
    }

    /// Connects to a RabbitMQ on this machine ([`DEFAULT_URL`]).
    pub async fn connect_local() -> Result<Client, RequestError> {
        Client::connect(DEFAULT_URL).await
    }

    /// The `source` of its requests.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// The response timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Sends a request (GET, POST, PUT, DELETE) and waits for its response, for at most the
    /// client's timeout: no response in time is the response `408 REQUEST TIMEOUT`. An
    /// error response of the module is an `Ok` response with its status.
    ///
    /// The request's `source` is set to the client's unless it names one.
    pub async fn request(&self, request: Request) -> Result<Response, RequestError> {
        self.request_within(request, self.inner.timeout).await
    }

    /// [`request`](Client::request) with another timeout.
    pub async fn request_within(&self, mut request: Request, timeout: Duration) -> Result<Response, RequestError> {
        if !request.method.is_answered() {
            return Err(RequestError::Unanswered);
        }
        if is_message_group(&request.module) {
            return Err(RequestError::MessageGroup(request.module));
        }
        let deadline = Instant::now() + timeout;
        let live = self.inner.live_before(deadline).await?;
        request.source.get_or_insert_with(|| self.inner.source.clone());
        let correlation_id = uuid::Uuid::new_v4().simple().to_string();
        let (sender, receiver) = oneshot::channel();
        let replies = self.inner.link.topology();
        replies.pending.lock().expect("not poisoned").insert(correlation_id.clone(), sender);
        // Removes the entry whatever happens next (timeout, error, the caller giving up).
        let _pending = PendingGuard { replies, correlation_id: &correlation_id };

        let queue = queue_name(&request.module);
        let expiration = timeout.as_millis().clamp(1, u128::from(u32::MAX)).to_string();
        let properties = BasicProperties::default()
            .with_reply_to(live.channels().reply_queue.as_str().into())
            .with_correlation_id(correlation_id.as_str().into())
            .with_expiration(expiration.into())
            .with_delivery_mode(1);
        debug!(method = %request.method, module = %request.module, resource = %request.resource, %correlation_id, "request");
        let packet = request.encode();
        let publishing = publish_confirmed(&live.channels().channel, "", &queue, true, packet.as_bytes(), properties);
        match tokio::time::timeout_at(deadline, publishing).await {
            Err(_) => return Ok(timeout_response(&request, timeout)),
            Ok(Err(error)) => return Err(broker_error(error)),
            Ok(Ok(Published::Routed)) => {}
            Ok(Ok(Published::Unroutable)) => {
                return Ok(Response::error(
                    StatusCode::NotFound,
                    format!("no module `{}` on this broker (no queue `{queue}`)", request.module),
                ));
            }
        }
        match tokio::time::timeout_at(deadline, receiver).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(RequestError::ConnectionLost),
            Err(_) => Ok(timeout_response(&request, timeout)),
        }
    }

    /// Sends a notification: the request (normally a NOTIFY) without `reply_to`, as a
    /// persistent message. To a message group (`X.messagegroup`) it is published on the
    /// group's exchange, to every subscriber of its path, with the routing key the original
    /// uses ([`routing_key`](crate::address::routing_key): `/a/b?x=1` → `a.b?x=1`); to a
    /// module, to its queue
    /// ([`RequestError::NoSuchModule`] when there is none). Returns when the broker has
    /// taken the message; whether a module handles it is not known.
    pub async fn notify(&self, mut request: Request) -> Result<(), RequestError> {
        let deadline = Instant::now() + self.inner.timeout;
        let live = self.inner.live_before(deadline).await?;
        request.source.get_or_insert_with(|| self.inner.source.clone());
        let properties = BasicProperties::default().with_delivery_mode(2);
        let packet = request.encode();
        debug!(method = %request.method, module = %request.module, resource = %request.resource, "notification");
        let (exchange, routing_key, mandatory) = if is_message_group(&request.module) {
            let exchange = queue_name(&request.module);
            // A message group's topic exchange is durable.
            let options = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
            live.declare_exchange(&exchange, ExchangeKind::Topic, options).await.map_err(broker_error)?;
            (exchange, routing_key(&request.resource), false)
        } else {
            (String::new(), queue_name(&request.module), true)
        };
        let channel = &live.channels().channel;
        let publishing = publish_confirmed(channel, &exchange, &routing_key, mandatory, packet.as_bytes(), properties);
        let published = tokio::time::timeout_at(deadline, publishing)
            .await
            .map_err(|_| RequestError::NotConnected)?
            .map_err(broker_error)?;
        match published {
            Published::Routed => Ok(()),
            Published::Unroutable => Err(RequestError::NoSuchModule { module: request.module, queue: routing_key }),
        }
    }

    /// `GET address`.
    pub async fn get(&self, address: &str) -> Result<Response, RequestError> {
        self.request(Request::to(Method::Get, &Address::parse(address)?)).await
    }

    /// `DELETE address`.
    pub async fn delete(&self, address: &str) -> Result<Response, RequestError> {
        self.request(Request::to(Method::Delete, &Address::parse(address)?)).await
    }

    /// `POST address` with a body.
    pub async fn post(&self, address: &str, content_type: &str, body: &str) -> Result<Response, RequestError> {
        self.request(Request::to(Method::Post, &Address::parse(address)?).body(content_type, body)).await
    }

    /// `PUT address` with a body.
    pub async fn put(&self, address: &str, content_type: &str, body: &str) -> Result<Response, RequestError> {
        self.request(Request::to(Method::Put, &Address::parse(address)?).body(content_type, body)).await
    }

    /// `NOTIFY address` with a body (see [`notify`](Client::notify)).
    pub async fn notify_to(&self, address: &str, content_type: &str, body: &str) -> Result<(), RequestError> {
        self.notify(Request::to(Method::Notify, &Address::parse(address)?).body(content_type, body)).await
    }

    /// Whether the client is connected now.
    pub fn is_connected(&self) -> bool {
        self.inner.link.is_connected()
    }

    /// How many times the client has connected (1 after [`connect`](ClientBuilder::connect)).
    pub fn connections(&self) -> u64 {
        self.inner.link.connections()
    }

    /// Waits until the client is connected and has connected at least `connections` times.
    pub async fn wait_connected(&self, connections: u64) {
        self.inner.link.wait_connected(connections).await;
    }

    /// Closes the connection. Requests in flight fail with [`RequestError::Closed`], and so
    /// do later ones.
    pub async fn close(&self) {
        let link = &self.inner.link;
        // Cancelled first, so that no new request starts while those in flight are failed.
        link.cancellation().cancel();
        link.topology().fail_pending(|| RequestError::Closed);
        link.shutdown().await;
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.link.config().url)
            .field("source", &self.inner.source)
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// The live connection, waiting for a reconnection until `deadline`.
    async fn live_before(&self, deadline: Instant) -> Result<Live<Replies>, RequestError> {
        self.link.live_before(deadline).await.map_err(|unavailable| match unavailable {
            Unavailable::NotConnected => RequestError::NotConnected,
            Unavailable::ShutDown => RequestError::Closed,
        })
    }
}

impl Replies {
    fn fail_pending(&self, error: impl Fn() -> RequestError) {
        let pending: Vec<_> = self.pending.lock().expect("not poisoned").drain().collect();
        if !pending.is_empty() {
            warn!(requests = pending.len(), "requests in flight failed: {}", error());
        }
        for (_, sender) in pending {
            let _ = sender.send(Err(error()));
        }
    }

    fn deliver(&self, delivery: lapin::message::Delivery) {
        let Some(correlation_id) = delivery.properties.correlation_id() else {
            warn!("a reply without correlation id was dropped");
            return;
        };
        let sender = self.pending.lock().expect("not poisoned").remove(correlation_id.as_str());
        match sender {
            Some(sender) => {
                let _ = sender.send(Response::decode(&delivery.data).map_err(RequestError::InvalidResponse));
            }
            None => debug!(%correlation_id, "a reply arrived after its request gave up"),
        }
    }
}

impl Topology for Replies {
    type Channels = ReplyChannel;
    type Consumers = Consumer;

    /// A channel with publisher confirms, the exclusive reply queue, its consumer.
    async fn declare(&self, connection: &Connection) -> Result<(ReplyChannel, Consumer), lapin::Error> {
        let channel = connection.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
        let queue = channel.queue_declare("".into(), options, FieldTable::default()).await?;
        let reply_queue = queue.name().to_string();
        let options = BasicConsumeOptions { no_ack: true, exclusive: true, ..BasicConsumeOptions::default() };
        let consumer =
            channel.basic_consume(reply_queue.as_str().into(), "".into(), options, FieldTable::default()).await?;
        Ok((ReplyChannel { channel, reply_queue }, consumer))
    }

    /// Reads replies until the connection is lost.
    async fn serve(&self, _: Arc<ReplyChannel>, mut consumer: Consumer) -> String {
        loop {
            match next_delivery(&mut consumer).await {
                Ok(delivery) => self.deliver(delivery),
                Err(reason) => return reason,
            }
        }
    }

    /// Their responses can no longer reach this client: the requests in flight fail.
    fn lost(&self, _reason: &str) {
        self.fail_pending(|| RequestError::ConnectionLost);
    }
}

struct PendingGuard<'a> {
    replies: &'a Replies,
    correlation_id: &'a str,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.replies.pending.lock().expect("not poisoned").remove(self.correlation_id);
    }
}

fn timeout_response(request: &Request, timeout: Duration) -> Response {
    Response::error(
        StatusCode::RequestTimeout,
        format!("no response from module `{}` within {timeout:?}", request.module),
    )
}

/// The client's error for a failed publish or declaration.
fn broker_error(error: BrokerError) -> RequestError {
    match error {
        BrokerError::ConnectionLost => RequestError::ConnectionLost,
        BrokerError::Failed(error) => RequestError::Broker(error),
        BrokerError::Nacked => RequestError::Refused,
    }
}
