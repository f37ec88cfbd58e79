//! Calling modules: requests with `reply_to` and a `correlation_id`, notifications, message
//! groups.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, Consumer, ExchangeKind};
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};
use tracing::{debug, info, warn, Instrument};

use super::{connect, describe, ConnectError, Ended, Reconnect, DEFAULT_URL};
use crate::address::{is_message_group, queue_name, routing_key, Address, AddressError};
use crate::packet::{Method, ParseError, Request, Response, Status};

/// Why a call did not get a response.
///
/// A module's error response is not a `ClientError`: it is the `Ok` response with its
/// status. A response timeout is the `408` response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
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
    url: String,
    source: String,
    timeout: Duration,
    connect_timeout: Duration,
    reconnect: Reconnect,
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
        self.connect_timeout = timeout;
        self
    }

    /// How to reconnect after the connection is lost.
    pub fn reconnect(mut self, reconnect: Reconnect) -> ClientBuilder {
        self.reconnect = reconnect;
        self
    }

    /// Connects: opens a channel with publisher confirms and declares the reply queue.
    /// Fails when the broker cannot be reached now; once connected, the client reconnects
    /// by itself.
    pub async fn connect(self) -> Result<Client, ClientError> {
        let (link, consumer) =
            open_link(&self.url, &self.source, self.connect_timeout).await.map_err(|error| match error {
                LinkError::Connect(ConnectError::Failed(source)) => {
                    ClientError::Connect { url: self.url.clone(), source }
                }
                LinkError::Connect(ConnectError::TimedOut) => {
                    ClientError::ConnectTimeout { url: self.url.clone(), timeout: self.connect_timeout }
                }
                LinkError::Broker(error) => ClientError::Broker(error),
            })?;
        let closed = CancellationToken::new();
        let (state, _) = watch::channel(LinkState { link: Some(Arc::new(link)), connections: 1 });
        let inner =
            Arc::new(Inner { config: self, state, pending: Mutex::new(HashMap::new()), closed: closed.clone() });
        info!(url = %inner.config.url, source = %inner.config.source, "OMCP client connected");
        let span = tracing::info_span!("omcp-client", source = %inner.config.source);
        tokio::spawn(supervise(Arc::clone(&inner), consumer).instrument(span));
        Ok(Client { inner, _guard: Arc::new(closed.drop_guard()) })
    }
}

/// Calls modules through the broker. Cheap to clone; the connection closes when the last
/// clone is dropped or [`close`](Client::close) is called.
///
/// ```no_run
/// # async fn demo() -> Result<(), omcp::ClientError> {
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
    config: ClientBuilder,
    state: watch::Sender<LinkState>,
    /// Requests waiting for their response, by correlation id.
    pending: Mutex<HashMap<String, oneshot::Sender<Result<Response, ClientError>>>>,
    closed: CancellationToken,
}

#[derive(Clone)]
struct LinkState {
    /// The live connection, if any.
    link: Option<Arc<Link>>,
    /// How many times the client has connected.
    connections: u64,
}

/// One connection: a channel with confirms for publishing and consuming the replies.
struct Link {
    connection: Connection,
    channel: Channel,
    reply_queue: String,
    /// Message group exchanges declared on this connection.
    exchanges: Mutex<HashSet<String>>,
}

enum LinkError {
    Connect(ConnectError),
    Broker(lapin::Error),
}

impl From<lapin::Error> for LinkError {
    fn from(error: lapin::Error) -> LinkError {
        LinkError::Broker(error)
    }
}

impl Client {
    /// Configures a client of the broker at `url` (`amqp://user:password@host:port/vhost`).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            source: "omcp-rs".to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            reconnect: Reconnect::default(),
        }
    }

    /// Connects to the broker at `url` with the default settings.
    pub async fn connect(url: impl Into<String>) -> Result<Client, ClientError> {
        Client::builder(url).connect().await
    }

    /// Connects to a RabbitMQ on this machine ([`DEFAULT_URL`]).
    pub async fn connect_local() -> Result<Client, ClientError> {
        Client::connect(DEFAULT_URL).await
    }

    /// The `source` of its requests.
    pub fn source(&self) -> &str {
        &self.inner.config.source
    }

    /// The response timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.config.timeout
    }

    /// Sends a request (GET, POST, PUT, DELETE) and waits for its response, for at most the
    /// client's timeout: no response in time is the response `408 REQUEST TIMEOUT`. An
    /// error response of the module is an `Ok` response with its status.
    ///
    /// The request's `source` is set to the client's unless it names one.
    pub async fn request(&self, request: Request) -> Result<Response, ClientError> {
        self.request_within(request, self.inner.config.timeout).await
    }

    /// [`request`](Client::request) with another timeout.
    pub async fn request_within(&self, mut request: Request, timeout: Duration) -> Result<Response, ClientError> {
        if !request.method.is_answered() {
            return Err(ClientError::Unanswered);
        }
        if is_message_group(&request.module) {
            return Err(ClientError::MessageGroup(request.module));
        }
        let deadline = Instant::now() + timeout;
        let link = self.inner.link_before(deadline).await?;
        request.source.get_or_insert_with(|| self.inner.config.source.clone());
        let correlation_id = uuid::Uuid::new_v4().simple().to_string();
        let (sender, receiver) = oneshot::channel();
        self.inner.pending.lock().expect("not poisoned").insert(correlation_id.clone(), sender);
        // Removes the entry whatever happens next (timeout, error, the caller giving up).
        let _pending = PendingGuard { inner: &self.inner, correlation_id: &correlation_id };

        let queue = queue_name(&request.module);
        let expiration = timeout.as_millis().clamp(1, u128::from(u32::MAX)).to_string();
        let properties = BasicProperties::default()
            .with_reply_to(link.reply_queue.as_str().into())
            .with_correlation_id(correlation_id.as_str().into())
            .with_expiration(expiration.into())
            .with_delivery_mode(1);
        debug!(method = %request.method, module = %request.module, resource = %request.resource, %correlation_id, "request");
        let published =
            tokio::time::timeout_at(deadline, publish(&link, "", &queue, true, &request.encode(), properties)).await;
        match published {
            Err(_) => return Ok(timeout_response(&request, timeout)),
            Ok(Err(error)) => return Err(error),
            Ok(Ok(Published::Routed)) => {}
            Ok(Ok(Published::Unroutable)) => {
                return Ok(Response::error(
                    Status::NotFound,
                    format!("no module `{}` on this broker (no queue `{queue}`)", request.module),
                ));
            }
        }
        match tokio::time::timeout_at(deadline, receiver).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ClientError::ConnectionLost),
            Err(_) => Ok(timeout_response(&request, timeout)),
        }
    }

    /// Sends a notification: the request (normally a NOTIFY) without `reply_to`, as a
    /// persistent message. To a message group (`X.messagegroup`) it is published on the
    /// group's exchange, to every subscriber of its path; to a module, to its queue
    /// ([`ClientError::NoSuchModule`] when there is none). Returns when the broker has
    /// taken the message; whether a module handles it is not known.
    pub async fn notify(&self, mut request: Request) -> Result<(), ClientError> {
        let deadline = Instant::now() + self.inner.config.timeout;
        let link = self.inner.link_before(deadline).await?;
        request.source.get_or_insert_with(|| self.inner.config.source.clone());
        let properties = BasicProperties::default().with_delivery_mode(2);
        let packet = request.encode();
        debug!(method = %request.method, module = %request.module, resource = %request.resource, "notification");
        let (exchange, routing_key, mandatory) = if is_message_group(&request.module) {
            let exchange = queue_name(&request.module);
            declare_exchange(&link, &exchange).await?;
            (exchange, routing_key(request.path()), false)
        } else {
            (String::new(), queue_name(&request.module), true)
        };
        let published =
            tokio::time::timeout_at(deadline, publish(&link, &exchange, &routing_key, mandatory, &packet, properties))
                .await
                .map_err(|_| ClientError::NotConnected)??;
        match published {
            Published::Routed => Ok(()),
            Published::Unroutable => Err(ClientError::NoSuchModule { module: request.module, queue: routing_key }),
        }
    }

    /// `GET address`.
    pub async fn get(&self, address: &str) -> Result<Response, ClientError> {
        self.request(Request::to(Method::Get, &Address::parse(address)?)).await
    }

    /// `DELETE address`.
    pub async fn delete(&self, address: &str) -> Result<Response, ClientError> {
        self.request(Request::to(Method::Delete, &Address::parse(address)?)).await
    }

    /// `POST address` with a body.
    pub async fn post(&self, address: &str, content_type: &str, body: &str) -> Result<Response, ClientError> {
        self.request(Request::to(Method::Post, &Address::parse(address)?).body(content_type, body)).await
    }

    /// `PUT address` with a body.
    pub async fn put(&self, address: &str, content_type: &str, body: &str) -> Result<Response, ClientError> {
        self.request(Request::to(Method::Put, &Address::parse(address)?).body(content_type, body)).await
    }

    /// `NOTIFY address` with a body (see [`notify`](Client::notify)).
    pub async fn notify_to(&self, address: &str, content_type: &str, body: &str) -> Result<(), ClientError> {
        self.notify(Request::to(Method::Notify, &Address::parse(address)?).body(content_type, body)).await
    }

    /// Whether the client is connected now.
    pub fn is_connected(&self) -> bool {
        self.inner.state.borrow().link.is_some()
    }

    /// How many times the client has connected (1 after [`connect`](ClientBuilder::connect)).
    pub fn connections(&self) -> u64 {
        self.inner.state.borrow().connections
    }

    /// Waits until the client is connected and has connected at least `connections` times.
    pub async fn wait_connected(&self, connections: u64) {
        let mut state = self.inner.state.subscribe();
        let _ = state.wait_for(|state| state.link.is_some() && state.connections >= connections).await;
    }

    /// Closes the connection. Requests in flight fail with [`ClientError::Closed`], and so
    /// do later ones.
    pub async fn close(&self) {
        self.inner.closed.cancel();
        let link = self.inner.state.send_replace(LinkState { link: None, connections: self.connections() }).link;
        self.inner.fail_pending(|| ClientError::Closed);
        if let Some(link) = link {
            let _ = link.connection.close(200, "closed".into()).await;
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.config.url)
            .field("source", &self.inner.config.source)
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// The live connection, waiting for a reconnection until `deadline`.
    async fn link_before(&self, deadline: Instant) -> Result<Arc<Link>, ClientError> {
        if self.closed.is_cancelled() {
            return Err(ClientError::Closed);
        }
        let mut state = self.state.subscribe();
        let ready = tokio::time::timeout_at(deadline, state.wait_for(|state| state.link.is_some()));
        tokio::select! {
            _ = self.closed.cancelled() => Err(ClientError::Closed),
            ready = ready => match ready {
                Ok(Ok(state)) => Ok(Arc::clone(state.link.as_ref().expect("waited for it"))),
                Ok(Err(_)) => Err(ClientError::Closed),
                Err(_) => Err(ClientError::NotConnected),
            },
        }
    }

    fn fail_pending(&self, error: impl Fn() -> ClientError) {
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
                let _ = sender.send(Response::decode(&delivery.data).map_err(ClientError::InvalidResponse));
            }
            None => debug!(%correlation_id, "a reply arrived after its request gave up"),
        }
    }
}

struct PendingGuard<'a> {
    inner: &'a Inner,
    correlation_id: &'a str,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.inner.pending.lock().expect("not poisoned").remove(self.correlation_id);
    }
}

fn timeout_response(request: &Request, timeout: Duration) -> Response {
    Response::error(Status::RequestTimeout, format!("no response from module `{}` within {timeout:?}", request.module))
}

enum Published {
    Routed,
    /// Returned by the broker: no queue matched (mandatory messages only).
    Unroutable,
}

async fn publish(
    link: &Link,
    exchange: &str,
    routing_key: &str,
    mandatory: bool,
    packet: &str,
    properties: BasicProperties,
) -> Result<Published, ClientError> {
    let options = BasicPublishOptions { mandatory, ..BasicPublishOptions::default() };
    let confirm = link
        .channel
        .basic_publish(exchange.into(), routing_key.into(), options, packet.as_bytes(), properties)
        .await
        .map_err(lost_or_broker)?;
    match confirm.await.map_err(lost_or_broker)? {
        Confirmation::Ack(None) | Confirmation::NotRequested => Ok(Published::Routed),
        Confirmation::Ack(Some(_)) => Ok(Published::Unroutable),
        Confirmation::Nack(_) => Err(ClientError::Refused),
    }
}

/// An error on a connection that is gone is the lost connection, not a broker failure.
fn lost_or_broker(error: lapin::Error) -> ClientError {
    use lapin::ErrorKind;
    let gone = matches!(
        error.kind(),
        ErrorKind::InvalidChannelState(..)
            | ErrorKind::InvalidConnectionState(_)
            | ErrorKind::InvalidChannel(_)
            | ErrorKind::MissingHeartbeatError
    );
    if gone || error.is_io_error() || error.is_amqp_hard_error() {
        debug!(error = %describe(&error), "publish on a lost connection");
        ClientError::ConnectionLost
    } else {
        ClientError::Broker(error)
    }
}

/// Declares a message group's topic exchange (durable) once per connection, on a channel
/// of its own so that a refusal closes only that channel.
async fn declare_exchange(link: &Link, exchange: &str) -> Result<(), ClientError> {
    if link.exchanges.lock().expect("not poisoned").contains(exchange) {
        return Ok(());
    }
    let channel = link.connection.create_channel().await.map_err(lost_or_broker)?;
    let options = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
    let declared = channel.exchange_declare(exchange.into(), ExchangeKind::Topic, options, FieldTable::default()).await;
    let _ = channel.close(200, "declared".into()).await;
    declared.map_err(ClientError::Broker)?;
    link.exchanges.lock().expect("not poisoned").insert(exchange.to_owned());
    Ok(())
}

async fn open_link(url: &str, source: &str, timeout: Duration) -> Result<(Link, Consumer), LinkError> {
    let connection = connect(url, &format!("omcp client {source}"), timeout).await.map_err(LinkError::Connect)?;
    let channel = connection.create_channel().await?;
    channel.confirm_select(ConfirmSelectOptions::default()).await?;
    let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
    let queue = channel.queue_declare("".into(), options, FieldTable::default()).await?;
    let reply_queue = queue.name().to_string();
    let options = BasicConsumeOptions { no_ack: true, exclusive: true, ..BasicConsumeOptions::default() };
    let consumer =
        channel.basic_consume(reply_queue.as_str().into(), "".into(), options, FieldTable::default()).await?;
    let link = Link { connection, channel, reply_queue, exchanges: Mutex::new(HashSet::new()) };
    Ok((link, consumer))
}

/// Reads replies; when the connection is lost, fails the requests in flight and
/// reconnects with backoff, until the client is closed.
async fn supervise(inner: Arc<Inner>, mut consumer: Consumer) {
    loop {
        let ended = tokio::select! {
            _ = inner.closed.cancelled() => Ended::Shutdown,
            ended = read_replies(&inner, &mut consumer) => ended,
        };
        let Ended::Lost(reason) = ended else { break };
        warn!(%reason, "connection to the broker lost; reconnecting");
        let connections = inner.state.borrow().connections;
        let old = inner.state.send_replace(LinkState { link: None, connections }).link;
        inner.fail_pending(|| ClientError::ConnectionLost);
        if let Some(old) = old {
            let _ = old.connection.close(200, "reconnecting".into()).await;
        }
        let reconnect = inner.config.reconnect;
        let mut delay = reconnect.initial_delay;
        consumer = loop {
            tokio::select! {
                _ = inner.closed.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
            match open_link(&inner.config.url, &inner.config.source, inner.config.connect_timeout).await {
                Ok((link, consumer)) => {
                    inner.state.send_modify(|state| {
                        state.link = Some(Arc::new(link));
                        state.connections += 1;
                    });
                    info!(connections = inner.state.borrow().connections, "reconnected to the broker");
                    break consumer;
                }
                Err(error) => {
                    let reason = match error {
                        LinkError::Connect(ConnectError::Failed(error)) | LinkError::Broker(error) => describe(&error),
                        LinkError::Connect(ConnectError::TimedOut) => "connect timeout".to_owned(),
                    };
                    debug!(%reason, retry_in = ?reconnect.next_delay(delay), "reconnection failed");
                    delay = reconnect.next_delay(delay);
                }
            }
        };
    }
    let link = inner.state.borrow().link.clone();
    if let Some(link) = link {
        let _ = link.connection.close(200, "closed".into()).await;
    }
}

async fn read_replies(inner: &Inner, consumer: &mut Consumer) -> Ended {
    loop {
        match consumer.next().await {
            Some(Ok(delivery)) => inner.deliver(delivery),
            Some(Err(error)) => return Ended::Lost(describe(&error)),
            None => return Ended::Lost("the reply consumer was cancelled".to_owned()),
        }
    }
}
