//! Serving a module: its queue, its consumer, its handler.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, Consumer, ExchangeKind};
use osmp_broker::{next_delivery, publish, Link, LinkConfig, OpenError, Supervisor, Topology};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn, Instrument};

use super::Reconnect;
use crate::address::{queue_name, Address, AddressError, SCHEME};
use crate::packet::{now, Request, Response, StatusCode};
use crate::router::{Handler, Module, Router};

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Neither [`ServerBuilder::module`] nor [`ServerBuilder::handler`] was called.
    #[error("no module to serve: call `module` or `handler` on the builder")]
    NoHandler,
    /// A module name that cannot name a queue.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// A subscription to something else than a message group.
    #[error("`{0}` is not a message group address: subscribe to `omcp://X.messagegroup/path`")]
    NotAMessageGroup(String),
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
    /// Another consumer already serves the module's queue: another server of the module,
    /// the original's or one of this crate's. A module has one server, as the original
    /// enforces; servers meant to share the queue say so with
    /// [`ServerBuilder::competing_consumers`], every one of them (a server that does not
    /// ask for it holds the queue for itself).
    #[error(
        "the queue `{queue}` of module `{module}` is already served by another consumer (another server of the \
         module): stop it, or let the servers share the queue with `competing_consumers(true)` on every one of them"
    )]
    QueueInUse {
        /// The module.
        module: String,
        /// Its queue.
        queue: String,
    },
    /// The broker refused to declare the queue, a binding or the consumer.
    #[error("broker error: {0}")]
    Broker(#[source] lapin::Error),
}

/// Configures a [`Server`].
#[must_use]
pub struct ServerBuilder {
    link: LinkConfig,
    name: Option<String>,
    description: Option<String>,
    handler: Option<Arc<dyn Handler>>,
    subscriptions: Vec<String>,
    concurrency: usize,
    competing_consumers: bool,
    message_ttl: Duration,
    shutdown_timeout: Duration,
}

impl ServerBuilder {
    /// Serves a module (what `#[module]` generates: `SensorNetServer::new(implementation)`),
    /// under its name unless [`name`](ServerBuilder::name) gives another.
    pub fn module(mut self, module: impl Module) -> ServerBuilder {
        let name = module.schema().name.to_string();
        self.name.get_or_insert(name);
        self.handler = Some(Arc::new(Router::new(module)));
        self
    }

    /// Serves any handler as the module `name`.
    pub fn handler(mut self, name: impl Into<String>, handler: impl Handler) -> ServerBuilder {
        self.name = Some(name.into());
        self.handler = Some(Arc::new(handler));
        self
    }

    /// The module name, hence the queue (`average.function` → `osiris.function.average`).
    pub fn name(mut self, name: impl Into<String>) -> ServerBuilder {
        self.name = Some(name.into());
        self
    }

    /// How responses describe the module in their `module` header (default: its name; the
    /// original writes a name and version such as `sensornet/0.1`).
    pub fn description(mut self, description: impl Into<String>) -> ServerBuilder {
        self.description = Some(description.into());
        self
    }

    /// Also receives the notifications of a message group whose path matches the pattern:
    /// `omcp://alerts.messagegroup/sensors/#` (`#`: any number of segments, `*`: one).
    pub fn subscribe(mut self, pattern: impl Into<String>) -> ServerBuilder {
        self.subscriptions.push(pattern.into());
        self
    }

    /// How many requests are handled at the same time (default 64); it is also the broker's
    /// prefetch count, so no more deliveries wait in this process.
    pub fn concurrency(mut self, concurrency: usize) -> ServerBuilder {
        self.concurrency = concurrency.clamp(1, usize::from(u16::MAX));
        self
    }

    /// Whether this server shares the module's queue with other servers of the module
    /// (default `false`).
    ///
    /// By default a server consumes its queue exclusively, as the original allows one
    /// server per module: [`build`](ServerBuilder::build) fails with
    /// [`ServerError::QueueInUse`] when another consumer (a module of the original, another
    /// server) already serves the queue, and while this server runs, no other consumer
    /// can join. With `true`, the servers are competing consumers: the broker hands each
    /// request to one of them (each holds at most [`concurrency`](ServerBuilder::concurrency)
    /// unacknowledged), to spread the load of a module over several processes. Every
    /// server of the module must then ask for it, as must the original's modules (which
    /// consume without exclusivity).
    ///
    /// ```no_run
    /// # async fn demo(module: impl omcp::Module) -> Result<(), omcp::ServerError> {
    /// let url = "amqp://127.0.0.1:5672/%2f";
    /// let server = omcp::Server::builder(url).module(module).competing_consumers(true).build().await?.spawn();
    /// # Ok(()) }
    /// ```
    ///
    /// A server that lost its connection takes its queue back when it reconnects; should
    /// the broker not have noticed the loss yet (a connection that vanished without
    /// closing: until its heartbeat times out), the server's own old consumer still holds
    /// the queue and the server retries, with the reconnection's backoff, until it is gone.
    /// A process started again after a crash can likewise be refused until then.
    pub fn competing_consumers(mut self, competing: bool) -> ServerBuilder {
        self.competing_consumers = competing;
        self
    }

    /// The `x-message-ttl` of the queue (default 60 s, as the original declares it; every
    /// module declaring the same queue must use the same value, or the broker refuses).
    pub fn message_ttl(mut self, ttl: Duration) -> ServerBuilder {
        self.message_ttl = ttl;
        self
    }

    /// How long the first connection may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.link.connect_timeout = timeout;
        self
    }

    /// How long [`ServerHandle::shutdown`] waits for running handlers (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.shutdown_timeout = timeout;
        self
    }

    /// How to reconnect after the connection is lost.
    pub fn reconnect(mut self, reconnect: Reconnect) -> ServerBuilder {
        self.link.reconnect = reconnect;
        self
    }

    /// Connects, declares the queue and the subscriptions' bindings, and starts consuming.
    /// Fails when the broker cannot be reached now; once built, the server reconnects by
    /// itself.
    pub async fn build(self) -> Result<Server, ServerError> {
        let handler = self.handler.clone().ok_or(ServerError::NoHandler)?;
        let name = self.name.clone().ok_or(ServerError::NoHandler)?;
        Address::new(name.as_str(), "/")?;
        let mut bindings = Vec::new();
        for pattern in &self.subscriptions {
            let address = Address::parse(pattern)?;
            if !address.is_message_group() {
                return Err(ServerError::NotAMessageGroup(pattern.clone()));
            }
            bindings.push((address.queue(), address.routing_key()));
        }
        let link = self.link.name(format!("omcp module {name}"));
        let config = Config {
            queue: queue_name(&name),
            description: self.description.unwrap_or_else(|| name.clone()),
            name,
            bindings,
            handler,
            concurrency: self.concurrency,
            competing_consumers: self.competing_consumers,
            message_ttl: self.message_ttl,
            shutdown_timeout: self.shutdown_timeout,
        };
        let (module, queue) = (config.name.clone(), config.queue.clone());
        let serving = Serving {
            permits: Arc::new(Semaphore::new(config.concurrency)),
            config: Arc::new(config),
            handlers: TaskTracker::new(),
            consumed: AtomicBool::new(false),
        };
        let url = link.url.clone();
        let supervisor = Link::open(link, serving).await.map_err(|error| match error {
            OpenError::Connect(source) => ServerError::Connect { url: url.clone(), source },
            OpenError::ConnectTimeout(timeout) => ServerError::ConnectTimeout { url: url.clone(), timeout },
            OpenError::Declare(error) if is_queue_in_use(&error) => ServerError::QueueInUse { module, queue },
            OpenError::Declare(error) => ServerError::Broker(error),
        })?;
        let config = &supervisor.link().topology().config;
        info!(module = %config.name, queue = %config.queue, %url, "OMCP module serving");
        Ok(Server { supervisor })
    }
}

/// A module served through the broker, connected and consuming once built; [`spawn`]
/// runs it in the background.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use omcp::{Request, Response, Server};
///
/// let echo = |request: Request| async move { Response::ok("text/plain", request.body) };
/// let server = Server::builder("amqp://127.0.0.1:5672/%2f").handler("echo", echo).build().await?.spawn();
/// // … until the process ends:
/// server.shutdown().await;
/// # Ok(()) }
/// ```
///
/// [`spawn`]: Server::spawn
pub struct Server {
    supervisor: Supervisor<Serving>,
}

struct Config {
    name: String,
    queue: String,
    description: String,
    /// Message group exchanges and binding keys.
    bindings: Vec<(String, String)>,
    handler: Arc<dyn Handler>,
    concurrency: usize,
    /// Consumes without exclusivity, sharing the queue.
    competing_consumers: bool,
    message_ttl: Duration,
    shutdown_timeout: Duration,
}

/// The server's part of the link: its queue, bindings and consumer, and the handlers it
/// runs.
struct Serving {
    config: Arc<Config>,
    /// One per running handler, across reconnections.
    permits: Arc<Semaphore>,
    handlers: TaskTracker,
    /// Whether a declaration has consumed the queue before: a refusal after that is a
    /// reconnection's, which retries, and is logged.
    consumed: AtomicBool,
}

/// What the server declares on one connection.
struct ServingChannel {
    /// Consumes (prefetch = concurrency) and sends the responses, without confirms.
    channel: Channel,
    /// A clone of the consumer [`Serving::serve`] reads, kept so that dropping that future
    /// at shutdown does not cancel the consumer by itself: [`Serving::shutdown`] cancels it
    /// and waits for the broker to confirm, before the handlers finish.
    consumer: Consumer,
}

impl Server {
    /// Configures a module server on the broker at `url`.
    pub fn builder(url: impl Into<String>) -> ServerBuilder {
        ServerBuilder {
            link: LinkConfig::new(url),
            name: None,
            description: None,
            handler: None,
            subscriptions: Vec::new(),
            concurrency: 64,
            competing_consumers: false,
            message_ttl: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(10),
        }
    }

    /// The module name.
    pub fn name(&self) -> &str {
        &self.config().name
    }

    /// Its queue.
    pub fn queue(&self) -> &str {
        &self.config().queue
    }

    fn config(&self) -> &Config {
        &self.supervisor.link().topology().config
    }

    /// Serves in a background task.
    pub fn spawn(self) -> ServerHandle {
        let link = self.supervisor.link().clone();
        let span = tracing::info_span!("omcp-server", module = %self.name());
        let task = tokio::spawn(self.run().instrument(span));
        ServerHandle { link, task }
    }

    /// Serves until [`ServerHandle::shutdown`] is called on a handle of it (use
    /// [`spawn`](Server::spawn) to get one).
    pub async fn run(self) {
        self.supervisor.run().await;
        info!("OMCP module stopped");
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server").field("name", &self.name()).field("queue", &self.queue()).finish_non_exhaustive()
    }
}

/// A running [`Server`].
pub struct ServerHandle {
    link: Link<Serving>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The module name.
    pub fn name(&self) -> &str {
        &self.link.topology().config.name
    }

    /// Its queue.
    pub fn queue(&self) -> &str {
        &self.link.topology().config.queue
    }

    /// Whether the server is connected now.
    pub fn is_connected(&self) -> bool {
        self.link.is_connected()
    }

    /// How many times the server has connected (1 after [`build`](ServerBuilder::build)).
    pub fn connections(&self) -> u64 {
        self.link.connections()
    }

    /// Waits until the server is connected (consuming) and has connected at least
    /// `connections` times.
    pub async fn wait_connected(&self, connections: u64) {
        self.link.wait_connected(connections).await;
    }

    /// Stops consuming, waits for running handlers (at most the shutdown timeout) and
    /// closes the connection.
    pub async fn shutdown(self) {
        self.link.cancellation().cancel();
        let _ = self.task.await;
    }
}

impl fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerHandle")
            .field("name", &self.name())
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

impl Topology for Serving {
    type Channels = ServingChannel;
    type Consumers = Consumer;

    /// The prefetch, the durable queue with its time to live, the message groups' exchanges
    /// and bindings, the consumer (exclusive unless competing consumers were asked for).
    async fn declare(&self, connection: &Connection) -> Result<(ServingChannel, Consumer), lapin::Error> {
        let config = &self.config;
        let channel = connection.create_channel().await?;
        let prefetch = u16::try_from(config.concurrency).unwrap_or(u16::MAX);
        channel.basic_qos(prefetch, BasicQosOptions::default()).await?;
        let mut arguments = FieldTable::default();
        let ttl = i32::try_from(config.message_ttl.as_millis()).unwrap_or(i32::MAX);
        arguments.insert("x-message-ttl".into(), AMQPValue::LongInt(ttl));
        let options = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
        channel.queue_declare(config.queue.as_str().into(), options, arguments).await?;
        for (exchange, key) in &config.bindings {
            let options = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
            let kind = ExchangeKind::Topic;
            channel.exchange_declare(exchange.as_str().into(), kind, options, FieldTable::default()).await?;
            channel
                .queue_bind(
                    config.queue.as_str().into(),
                    exchange.as_str().into(),
                    key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        let options = BasicConsumeOptions { exclusive: !config.competing_consumers, ..BasicConsumeOptions::default() };
        let consumer = match channel
            .basic_consume(config.queue.as_str().into(), "".into(), options, FieldTable::default())
            .await
        {
            Ok(consumer) => consumer,
            Err(error) => {
                if is_queue_in_use(&error) && self.consumed.load(Ordering::Relaxed) {
                    warn!(
                        queue = %config.queue,
                        "the queue is served by another consumer: this server's previous connection, until the broker \
                         notices it is gone, or another server of the module; retrying"
                    );
                }
                return Err(error);
            }
        };
        self.consumed.store(true, Ordering::Relaxed);
        Ok((ServingChannel { channel, consumer: consumer.clone() }, consumer))
    }

    /// Takes deliveries while a handler slot is free, until the connection ends. Each one is
    /// handled in a task of its own, which acknowledges it first: once taken from the
    /// consumer, a delivery is handled even when the link shuts down meanwhile.
    async fn serve(&self, channels: Arc<ServingChannel>, mut consumer: Consumer) -> String {
        loop {
            let Ok(permit) = Arc::clone(&self.permits).acquire_owned().await else {
                return "the handler slots are closed".to_owned();
            };
            let delivery = match next_delivery(&mut consumer).await {
                Ok(delivery) => delivery,
                Err(reason) => return reason,
            };
            let (config, channel) = (Arc::clone(&self.config), channels.channel.clone());
            let handling = async move {
                // At most once: acknowledged before handling, so a request is never run twice.
                // An acknowledgement that fails leaves the request to the broker, which gives
                // it again once the lost connection is noticed.
                if let Err(error) = delivery.acker.ack(BasicAckOptions::default()).await {
                    debug!(%error, "not acknowledged, not handled");
                    return;
                }
                handle(&config, &channel, delivery).await;
                drop(permit);
            };
            self.handlers.spawn(handling.in_current_span());
        }
    }

    /// No new deliveries (those prefetched and not started go back to the queue when the
    /// channel closes), then the running handlers finish, for at most the shutdown timeout.
    async fn shutdown(&self, channels: Option<&ServingChannel>) {
        if let Some(channels) = channels {
            let _ = channels.channel.basic_cancel(channels.consumer.tag(), BasicCancelOptions::default()).await;
        }
        self.handlers.close();
        if tokio::time::timeout(self.config.shutdown_timeout, self.handlers.wait()).await.is_err() {
            warn!(running = self.handlers.len(), "shutdown timeout: handlers still running are abandoned");
        }
    }
}

/// Whether the broker refused a consumer because another one holds the queue: RabbitMQ
/// answers `ACCESS_REFUSED - queue '…' in vhost '…' in exclusive use` (and closes the
/// channel) to an exclusive consumer on a queue that has consumers, and to any consumer on
/// a queue that has an exclusive one. Other refusals of access (permissions) are not this.
fn is_queue_in_use(error: &lapin::Error) -> bool {
    match error.kind() {
        lapin::ErrorKind::ProtocolError(amqp) => {
            matches!(amqp.kind(), AMQPErrorKind::Soft(AMQPSoftError::ACCESSREFUSED))
                && amqp.get_message().as_str().contains("in exclusive use")
        }
        _ => false,
    }
}

async fn handle(config: &Config, channel: &Channel, delivery: Delivery) {
    let reply_to = delivery.properties.reply_to().clone();
    let correlation_id = delivery.properties.correlation_id().clone();
    let response = match Request::decode(&delivery.data) {
        Ok(request) => {
            let (method, resource) = (request.method, request.resource.clone());
            debug!(%method, %resource, source = request.source.as_deref().unwrap_or(""), "request");
            // In a task of its own, so that a panicking handler is answered 500.
            let handler = Arc::clone(&config.handler);
            match tokio::spawn(async move { handler.handle(request).await }).await {
                Ok(response) => response,
                Err(error) => {
                    warn!(%method, %resource, "handler failed: {error}");
                    Response::error(
                        StatusCode::InternalServerError,
                        format!("the handler of {method} {resource} failed"),
                    )
                }
            }
        }
        Err(error) => {
            warn!(%error, "undecodable packet");
            Response::error(StatusCode::BadRequest, error.to_string())
        }
    };
    let response = finish(config, response);
    match reply_to {
        Some(reply_to) => send(channel, reply_to, correlation_id, &response).await,
        None if !response.status.is_success() => {
            debug!(status = %response.status, error = response.error.as_deref().unwrap_or(""), "notification failed");
        }
        None => {}
    }
}

/// Dates the response, names the module and completes a location given as a path.
fn finish(config: &Config, mut response: Response) -> Response {
    response.date = Some(now());
    response.module = Some(config.description.clone());
    if let Some(location) = &mut response.location {
        if location.starts_with('/') {
            *location = format!("{SCHEME}{}{location}", config.name);
        }
    }
    response
}

async fn send(channel: &Channel, reply_to: ShortString, correlation_id: Option<ShortString>, response: &Response) {
    let mut properties = BasicProperties::default();
    if let Some(correlation_id) = correlation_id {
        properties = properties.with_correlation_id(correlation_id);
    }
    let packet = response.encode();
    if let Err(error) = publish(channel, "", reply_to.as_str(), packet.as_bytes(), properties).await {
        warn!(%reply_to, %error, status = %response.status, "response lost");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            name: "sensornet".into(),
            queue: "osiris.sensornet".into(),
            description: "sensornet/0.1".into(),
            bindings: Vec::new(),
            handler: Arc::new(|_: Request| async { Response::ok_empty() }),
            concurrency: 1,
            competing_consumers: false,
            message_ttl: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn responses_are_completed() {
        let created = finish(&config(), Response::created("/sensors/3"));
        assert_eq!(created.location.as_deref(), Some("omcp://sensornet/sensors/3"));
        assert_eq!(created.module.as_deref(), Some("sensornet/0.1"));
        assert!(created.date.is_some());
        let elsewhere = finish(&config(), Response::created("omcp://other/x"));
        assert_eq!(elsewhere.location.as_deref(), Some("omcp://other/x"));
    }

    #[tokio::test]
    async fn builder_errors() {
        assert!(matches!(Server::builder("amqp://x").build().await, Err(ServerError::NoHandler)));
        let handler = |_: Request| async { Response::ok_empty() };
        let bad_name = Server::builder("amqp://x").handler("a b", handler).build().await;
        assert!(matches!(bad_name, Err(ServerError::Address(_))), "{bad_name:?}");
        let not_group = Server::builder("amqp://x").handler("a", handler).subscribe("omcp://b/x").build().await;
        assert!(matches!(not_group, Err(ServerError::NotAMessageGroup(_))), "{not_group:?}");
        let invalid = Server::builder("amqp://x").handler("a", handler).subscribe("b/x").build().await;
        assert!(matches!(invalid, Err(ServerError::Address(_))), "{invalid:?}");
    }
}
