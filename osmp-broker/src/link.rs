//! The supervised link: the first connection, the loop that serves, notices a loss,
//! reconnects with backoff and declares again, the state owners query, and shutdown.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lapin::options::ExchangeDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::{watch, MutexGuard};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn, Instrument};

use crate::config::LinkConfig;
use crate::publish::BrokerError;
use crate::topology::Topology;

/// Why the first connection of a link failed ([`Link::open`]).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The broker could not be reached, or refused the connection (address, credentials,
    /// virtual host).
    #[error("cannot connect to the broker: {0}")]
    Connect(#[source] lapin::Error),
    /// The connection did not complete within [`LinkConfig::connect_timeout`].
    #[error("connecting to the broker timed out after {0:?}")]
    ConnectTimeout(Duration),
    /// Connected, but [`Topology::declare`] failed: the broker refused a declaration.
    #[error("the broker refused a declaration: {0}")]
    Declare(#[source] lapin::Error),
}

/// Why [`Link::live_before`] has no connection to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// Still reconnecting at the deadline.
    #[error("not connected to the broker: reconnecting")]
    NotConnected,
    /// The link is shut down.
    #[error("the link to the broker is shut down")]
    ShutDown,
}

/// A connection to a broker, kept by its [`Supervisor`]: a handle to query its state, reach
/// the live connection and shut it down. Cheap to clone.
///
/// ```no_run
/// # use osmp_broker::{Link, LinkConfig, Topology};
/// # async fn demo<T: Topology>(topology: T) -> Result<(), osmp_broker::OpenError> {
/// let supervisor = Link::open(LinkConfig::new("amqp://127.0.0.1:5672/%2f").name("my node"), topology).await?;
/// let link = supervisor.spawn();
/// if let Some(live) = link.current() {
///     // publish through live.channels() …
/// }
/// link.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Link<T: Topology> {
    shared: Arc<Shared<T>>,
}

struct Shared<T: Topology> {
    config: LinkConfig,
    topology: T,
    state: watch::Sender<State<T>>,
    /// Cancelled to shut down.
    shutdown: CancellationToken,
    /// Cancelled once the supervisor has ended (or was dropped).
    stopped: CancellationToken,
    /// Held from the start of a declaration until its connection is published, and by
    /// [`Link::lock_topology`]: a change of the owner's state is either declared or
    /// applied to the new connection, never lost in between.
    topology_lock: tokio::sync::Mutex<()>,
}

struct State<T: Topology> {
    live: Option<Live<T>>,
    connections: u64,
}

impl<T: Topology> Clone for Link<T> {
    fn clone(&self) -> Link<T> {
        Link { shared: Arc::clone(&self.shared) }
    }
}

impl<T: Topology> fmt::Debug for Link<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link")
            .field("name", &self.shared.config.name)
            .field("connected", &self.is_connected())
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

/// The live connection of a link and the channels its topology declared on it. Cheap to
/// clone; it stays usable as a value after the connection is lost, but operations on it
/// then fail with [`BrokerError::ConnectionLost`].
pub struct Live<T: Topology> {
    inner: Arc<LiveInner<T>>,
}

struct LiveInner<T: Topology> {
    connection: Connection,
    channels: Arc<T::Channels>,
    number: u64,
    /// Exchanges declared on this connection by [`Live::declare_exchange`].
    exchanges: Mutex<HashSet<String>>,
}

impl<T: Topology> Clone for Live<T> {
    fn clone(&self) -> Live<T> {
        Live { inner: Arc::clone(&self.inner) }
    }
}

impl<T: Topology> fmt::Debug for Live<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Live").field("number", &self.inner.number).finish_non_exhaustive()
    }
}

impl<T: Topology> Live<T> {
    /// The connection.
    pub fn connection(&self) -> &Connection {
        &self.inner.connection
    }

    /// What [`Topology::declare`] returned for it.
    pub fn channels(&self) -> &Arc<T::Channels> {
        &self.inner.channels
    }

    /// Which connection of the link it is: 1 for the first, 2 after the first reconnection…
    pub fn number(&self) -> u64 {
        self.inner.number
    }

    /// Declares an exchange once per connection (later calls for the same name return at
    /// once), on a channel of its own so that a refusal closes only that channel. For
    /// exchanges named at run time, such as the targets of messages; exchanges the
    /// topology consumes from belong in [`Topology::declare`].
    pub async fn declare_exchange(
        &self,
        exchange: &str,
        kind: ExchangeKind,
        options: ExchangeDeclareOptions,
    ) -> Result<(), BrokerError> {
        if self.exchanges().contains(exchange) {
            return Ok(());
        }
        let channel = self.inner.connection.create_channel().await?;
        let declared = channel.exchange_declare(exchange.into(), kind, options, FieldTable::default()).await;
        let _ = channel.close(200, "declared".into()).await;
        declared?;
        self.exchanges().insert(exchange.to_owned());
        Ok(())
    }

    fn exchanges(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A panic while holding it cannot leave the set half-changed: go on with it.
        self.inner.exchanges.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Holds the link's topology lock ([`Link::lock_topology`]).
#[must_use = "the lock is released when this guard is dropped"]
pub struct TopologyGuard<'a, T: Topology> {
    link: &'a Link<T>,
    _guard: MutexGuard<'a, ()>,
}

impl<T: Topology> TopologyGuard<'_, T> {
    /// The live connection, to apply the change to; `None` while reconnecting (the next
    /// declaration applies it).
    pub fn live(&self) -> Option<Live<T>> {
        self.link.current()
    }
}

impl<T: Topology> Link<T> {
    /// Connects, runs [`Topology::declare`] and returns the [`Supervisor`] that keeps the
    /// connection; nothing is consumed until it runs ([`Supervisor::run`] or
    /// [`Supervisor::spawn`]). Errors of this first connection are returned; once open, the
    /// link reconnects by itself.
    pub async fn open(config: LinkConfig, topology: T) -> Result<Supervisor<T>, OpenError> {
        let (state, _) = watch::channel(State { live: None, connections: 0 });
        let link = Link {
            shared: Arc::new(Shared {
                config,
                topology,
                state,
                shutdown: CancellationToken::new(),
                stopped: CancellationToken::new(),
                topology_lock: tokio::sync::Mutex::new(()),
            }),
        };
        let consumers = link.establish().await?;
        debug!(name = %link.shared.config.name, "connected to the broker");
        Ok(Supervisor { consumers, guard: StopGuard { link } })
    }

    /// The configuration.
    pub fn config(&self) -> &LinkConfig {
        &self.shared.config
    }

    /// The owner's topology.
    pub fn topology(&self) -> &T {
        &self.shared.topology
    }

    /// The live connection, if connected now.
    pub fn current(&self) -> Option<Live<T>> {
        self.shared.state.borrow().live.clone()
    }

    /// Whether the link is connected (declared and consuming) now.
    pub fn is_connected(&self) -> bool {
        self.shared.state.borrow().live.is_some()
    }

    /// How many times the link has connected (1 after [`open`](Link::open)).
    pub fn connections(&self) -> u64 {
        self.shared.state.borrow().connections
    }

    /// Waits until the link is connected and has connected at least `connections` times
    /// (forever once it is shut down: bound it with a timeout where that can happen).
    pub async fn wait_connected(&self, connections: u64) {
        let mut state = self.shared.state.subscribe();
        let _ = state.wait_for(|state| state.live.is_some() && state.connections >= connections).await;
    }

    /// The live connection, waiting for a reconnection until `deadline`.
    pub async fn live_before(&self, deadline: Instant) -> Result<Live<T>, Unavailable> {
        if self.shared.shutdown.is_cancelled() {
            return Err(Unavailable::ShutDown);
        }
        let mut state = self.shared.state.subscribe();
        let ready = tokio::time::timeout_at(deadline, state.wait_for(|state| state.live.is_some()));
        tokio::select! {
            _ = self.shared.shutdown.cancelled() => Err(Unavailable::ShutDown),
            ready = ready => match ready {
                Ok(Ok(state)) => state.live.clone().ok_or(Unavailable::NotConnected),
                Ok(Err(_)) => Err(Unavailable::ShutDown),
                Err(_) => Err(Unavailable::NotConnected),
            },
        }
    }

    /// Takes the topology lock, to change what [`Topology::declare`] reads (bind or unbind
    /// a queue at run time) and apply the change to [`TopologyGuard::live`]: a declaration
    /// in progress finishes first, and the next one waits until the guard is dropped.
    ///
    /// ```no_run
    /// # use osmp_broker::{Link, Topology};
    /// # async fn demo<T: Topology>(link: Link<T>, bindings: &std::sync::Mutex<Vec<String>>) {
    /// let guard = link.lock_topology().await;
    /// bindings.lock().unwrap().push("alerts.#".to_owned());
    /// if let Some(live) = guard.live() {
    ///     // queue_bind on live.channels(); if that fails because the connection is going,
    ///     // the next declaration binds it from `bindings`.
    /// }
    /// # }
    /// ```
    pub async fn lock_topology(&self) -> TopologyGuard<'_, T> {
        TopologyGuard { link: self, _guard: self.shared.topology_lock.lock().await }
    }

    /// The token whose cancellation shuts the link down (what [`shutdown`](Link::shutdown)
    /// cancels), for a drop guard or a `select!`.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.shared.shutdown
    }

    /// Whether [`shutdown`](Link::shutdown) was asked for.
    pub fn is_shut_down(&self) -> bool {
        self.shared.shutdown.is_cancelled()
    }

    /// Shuts down and waits until the supervisor has ended: [`Topology::shutdown`] ran and
    /// the connection is closed. Returns at once if the supervisor was dropped.
    pub async fn shutdown(&self) {
        self.shared.shutdown.cancel();
        self.shared.stopped.cancelled().await;
    }

    /// Connects and declares under the topology lock, then publishes the connection.
    async fn establish(&self) -> Result<T::Consumers, OpenError> {
        let connection = connect(&self.shared.config).await?;
        let _declaring = self.shared.topology_lock.lock().await;
        let (channels, consumers) = match self.shared.topology.declare(&connection).await {
            Ok(declared) => declared,
            Err(error) => {
                let _ = connection.close(200, "declaration refused".into()).await;
                return Err(OpenError::Declare(error));
            }
        };
        self.shared.state.send_modify(|state| {
            state.connections += 1;
            let live = LiveInner {
                connection,
                channels: Arc::new(channels),
                number: state.connections,
                exchanges: Mutex::new(HashSet::new()),
            };
            state.live = Some(Live { inner: Arc::new(live) });
        });
        Ok(consumers)
    }

    /// Connects again with backoff; `None` when shut down meanwhile.
    async fn reconnect(&self) -> Option<T::Consumers> {
        let policy = self.shared.config.reconnect;
        let mut delay = policy.initial_delay;
        loop {
            let attempt = async {
                tokio::time::sleep(delay).await;
                self.establish().await
            };
            let attempt = tokio::select! {
                _ = self.shared.shutdown.cancelled() => return None,
                attempt = attempt => attempt,
            };
            match attempt {
                Ok(consumers) => {
                    info!(connections = self.connections(), "reconnected to the broker");
                    return Some(consumers);
                }
                Err(error) => {
                    delay = policy.next_delay(delay);
                    debug!(reason = %error, retry_in = ?delay, "reconnection failed");
                }
            }
        }
    }

    /// Takes the live connection out of the state: the link counts itself disconnected.
    fn disconnect(&self) -> Option<Live<T>> {
        let mut live = None;
        self.shared.state.send_modify(|state| live = state.live.take());
        live
    }

    /// Closes a connection, within the connect timeout: one that is half gone may never
    /// answer.
    async fn close(&self, live: Live<T>, reason: &str) {
        if !live.connection().status().connected() {
            return;
        }
        let closing = live.connection().close(200, reason.into());
        if let Ok(Err(error)) = tokio::time::timeout(self.shared.config.connect_timeout, closing).await {
            debug!(%error, "closing the connection");
        }
    }
}

/// Keeps a link's connection: serves, reconnects after a loss, shuts down. Returned by
/// [`Link::open`]; run it ([`run`](Supervisor::run)) or spawn it ([`spawn`](Supervisor::spawn)).
/// Dropping it without running it closes the connection.
pub struct Supervisor<T: Topology> {
    consumers: T::Consumers,
    guard: StopGuard<T>,
}

impl<T: Topology> fmt::Debug for Supervisor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor").field("link", &self.guard.link).finish_non_exhaustive()
    }
}

/// Marks the link stopped and drops its connection when the supervisor ends, whichever
/// way it ends (returned, dropped, its task aborted).
struct StopGuard<T: Topology> {
    link: Link<T>,
}

impl<T: Topology> Drop for StopGuard<T> {
    fn drop(&mut self) {
        drop(self.link.disconnect());
        self.link.shared.stopped.cancel();
    }
}

impl<T: Topology> Supervisor<T> {
    /// The link's handle.
    pub fn link(&self) -> &Link<T> {
        &self.guard.link
    }

    /// Runs in a background task (in the current tracing span) and returns the link's
    /// handle.
    pub fn spawn(self) -> Link<T> {
        let link = self.link().clone();
        tokio::spawn(self.run().in_current_span());
        link
    }

    /// Serves until the link is shut down: [`Topology::serve`]; after a loss, marks the link
    /// disconnected, calls [`Topology::lost`], closes the old connection, reconnects with
    /// backoff (declaring again) and serves again. On shutdown, calls
    /// [`Topology::shutdown`], marks the link disconnected and closes the connection.
    pub async fn run(self) {
        let Supervisor { mut consumers, guard } = self;
        let link = &guard.link;
        let shared = &link.shared;
        loop {
            let Some(live) = link.current() else { break };
            let served = tokio::select! {
                biased;
                _ = shared.shutdown.cancelled() => None,
                reason = shared.topology.serve(Arc::clone(live.channels()), consumers) => Some(reason),
            };
            let Some(reason) = served.filter(|_| !shared.shutdown.is_cancelled()) else { break };
            warn!(%reason, "connection to the broker lost; reconnecting");
            drop(link.disconnect());
            shared.topology.lost(&reason);
            link.close(live, "reconnecting").await;
            match link.reconnect().await {
                Some(next) => consumers = next,
                None => break,
            }
        }
        let live = link.current();
        shared.topology.shutdown(live.as_ref().map(|live| &**live.channels())).await;
        drop(link.disconnect());
        if let Some(live) = live {
            link.close(live, "shutdown").await;
        }
        debug!(name = %shared.config.name, "link shut down");
    }
}

/// One connection attempt, within the connect timeout.
async fn connect(config: &LinkConfig) -> Result<Connection, OpenError> {
    let properties = ConnectionProperties::default().with_connection_name(config.name.as_str().into());
    match tokio::time::timeout(config.connect_timeout, Connection::connect(&config.url, properties)).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(source)) => Err(OpenError::Connect(source)),
        Err(_) => Err(OpenError::ConnectTimeout(config.connect_timeout)),
    }
}
