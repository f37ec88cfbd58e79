//! The OSMP server: accepts WebSocket sessions at `/osmp/v1` over TLS (or, when explicitly
//! asked, plain TCP) and serves the registered instruction sets.
//!
//! ```no_run
//! # extern crate osmp_runtime as osmp;
//! use osmp::server::Server;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::builder().bind("127.0.0.1:9000").build().await?;
//! println!("listening on {}", server.url());
//! if let Some(fingerprint) = server.fingerprint() {
//!     println!("certificate SHA-256 fingerprint {fingerprint}");
//! }
//! server.run().await?;
//! # Ok(())
//! # }
//! ```

mod builder;
pub mod cluster;
mod handler;
mod serve;
mod sets;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::{Sink, Stream};
use std::future::Future;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use builder::ServerBuilder;

use crate::auth::Authenticator;
use crate::events::EventBus;
use crate::instruction::{InstructionSet, Registry, ResultShapeError};
use crate::limits::Limits;
use crate::session::{Identity, SessionConfig};
use crate::transport::accept::Acceptor;
use crate::transport::tls::{Fingerprint, ServerTls, TlsError};
use crate::transport::{CloseReason, Frame, OSMP_PATH};

/// Why a server could not start or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The server could not join its cluster.
    #[error("cannot join the cluster: {0}")]
    Cluster(#[source] cluster::JoinError),
    /// The TLS identity could not be created or loaded.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The configuration is inconsistent.
    #[error("invalid server configuration: {0}")]
    Config(String),
    /// An instruction set has a command whose result is not a JSON object.
    #[error(transparent)]
    ResultShape(#[from] ResultShapeError),
}

/// A snapshot of what a server holds, against its [`Limits`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// WebSocket sessions connected (`limits.connections.max_sessions`).
    pub sessions: usize,
    /// Commands running in all sessions (`limits.commands.max_active_total`).
    pub active_commands: usize,
    /// Bytes of partly received messages held by all connections, counted in steps of
    /// 8 KiB per connection (`limits.messages.max_buffered_total`).
    pub buffered_incoming_bytes: usize,
}

/// What every connection task shares.
pub(crate) struct ServerShared {
    pub(crate) sets: Arc<sets::ServedSets>,
    pub(crate) events: EventBus,
    pub(crate) handler: Arc<handler::ServerHandler>,
    pub(crate) auth: Option<Arc<Authenticator>>,
    pub(crate) session_config: Arc<SessionConfig>,
    pub(crate) limits: Arc<Limits>,
    /// TLS, the HTTP step and the session slots of every connection.
    pub(crate) acceptor: Arc<Acceptor>,
    /// Commands running in all sessions.
    pub(crate) commands: Arc<AtomicUsize>,
    /// The cluster this server is a node of, once joined.
    pub(crate) cluster: std::sync::OnceLock<Box<dyn cluster::ClusterNode>>,
    /// Whether the web console is served at `/`.
    pub(crate) console: bool,
    pub(crate) shutdown: CancellationToken,
    pub(crate) connections: TaskTracker,
}

/// A bound server, ready to run. Everything a [`ServerRef`] offers (address, certificate,
/// events, shutdown) is available on it.
pub struct Server {
    listener: TcpListener,
    server: ServerRef,
}

impl Server {
    /// Starts configuring a server.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::new()
    }

    /// Serves until shut down (see [`ServerRef::shutdown`]; take a [`ServerRef`] by cloning
    /// `*server` before running it).
    pub async fn run(self) -> Result<(), ServerError> {
        let shared = self.server.shared;
        let (acceptor, shutdown, tasks) =
            (shared.acceptor.clone(), shared.shutdown.clone(), shared.connections.clone());
        let serve = move |upgraded| serve::serve_upgraded(shared.clone(), upgraded);
        acceptor.accept_loop(self.listener, shutdown, tasks, serve).await;
        Ok(())
    }

    /// Runs the server on a background task.
    pub fn spawn(self) -> ServerHandle {
        let server = self.server.clone();
        let task = tokio::spawn(self.run());
        ServerHandle { server, task }
    }
}

impl std::ops::Deref for Server {
    type Target = ServerRef;

    fn deref(&self) -> &ServerRef {
        &self.server
    }
}

/// A server running on a background task. Everything a [`ServerRef`] offers is available on
/// it; [`shutdown`](Self::shutdown) also waits for the task.
pub struct ServerHandle {
    server: ServerRef,
    task: tokio::task::JoinHandle<Result<(), ServerError>>,
}

impl ServerHandle {
    /// Shuts the server down gracefully and waits for it to finish.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
        let _ = self.task.await;
    }
}

impl std::ops::Deref for ServerHandle {
    type Target = ServerRef;

    fn deref(&self) -> &ServerRef {
        &self.server
    }
}

/// A server, bound or running: where it listens, its certificate, its events, and its
/// shutdown. Cheap to clone, to hand to whatever needs to emit events or stop the server.
#[derive(Clone)]
pub struct ServerRef {
    local_addr: SocketAddr,
    shared: Arc<ServerShared>,
}

impl ServerRef {
    /// The address the server listens on (with the actual port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL clients connect to: `wss://ADDR/osmp/v1`, or `ws://…` without TLS.
    pub fn url(&self) -> String {
        format!("{}://{}{OSMP_PATH}", if self.shared.acceptor.tls.is_some() { "wss" } else { "ws" }, self.local_addr)
    }

    /// Where the web console is, when it is enabled ([`ServerBuilder::console`]):
    /// `https://ADDR/`, or `http://…` without TLS.
    pub fn console_url(&self) -> Option<String> {
        let scheme = if self.shared.acceptor.tls.is_some() { "https" } else { "http" };
        self.shared.console.then(|| format!("{scheme}://{}/", self.local_addr))
    }

    /// The SHA-256 fingerprint of the server's certificate, when it uses TLS.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        self.shared.acceptor.tls.as_ref().map(ServerTls::fingerprint)
    }

    /// The server's TLS identity, when it uses TLS.
    pub fn tls(&self) -> Option<&ServerTls> {
        self.shared.acceptor.tls.as_ref()
    }

    /// Publishes events to every subscribed session.
    pub fn events(&self) -> &EventBus {
        &self.shared.events
    }

    /// The commands and events the server offers now (with a cluster, those of the sets
    /// other nodes serve too).
    pub fn registry(&self) -> Arc<Registry> {
        self.shared.sets.registry()
    }

    /// The number of WebSocket sessions connected now.
    pub fn session_count(&self) -> usize {
        self.shared.acceptor.session_count()
    }

    /// What the server holds right now, for monitoring and limits.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            sessions: self.session_count(),
            active_commands: self.shared.commands.load(Ordering::Relaxed),
            buffered_incoming_bytes: self.shared.acceptor.incoming.used(),
        }
    }

    /// Serves one session over another transport than the server's WebSocket listener:
    /// the engine reads [`Frame`]s from `reader` and writes them to `writer` (channels, a
    /// serial line, a test harness). Completes when the session ends, with the reason.
    pub fn serve_transport<R, W>(
        &self,
        reader: R,
        writer: W,
        peer: Option<SocketAddr>,
    ) -> impl Future<Output = String> + Send + 'static
    where
        R: Stream<Item = Result<Frame, CloseReason>> + Send + 'static,
        W: Sink<Frame> + Send + Unpin + 'static,
        W::Error: std::fmt::Display,
    {
        serve_transport(self.shared.clone(), reader, writer, peer)
    }

    /// Stops accepting, cancels every running command, lets the responses go out and
    /// closes every session with a close frame; completes when all sessions have ended
    /// (and the server has left its cluster).
    pub async fn shutdown(&self) {
        tracing::info!("shutting down");
        self.shared.shutdown.cancel();
        self.shared.connections.close();
        self.shared.connections.wait().await;
        if let Some(cluster) = self.shared.cluster.get() {
            cluster.leave().await;
        }
    }

    /// The instruction sets this server serves itself, the standard set first.
    pub fn local_sets(&self) -> Vec<Arc<dyn InstructionSet>> {
        self.shared.sets.local().to_vec()
    }

    /// Offers `sets`, served by other nodes of a cluster, besides the server's own: `help`,
    /// `apropos`, `schema` and `event-list` describe them, their commands resolve (and the
    /// sets forward them), their events can be subscribed. Replaces the previous remote
    /// sets; on equal versions a command served here wins over one served elsewhere.
    pub fn set_remote_sets(&self, sets: Vec<Arc<dyn InstructionSet>>) {
        self.shared.sets.set_remote(sets);
    }

    /// Runs the commands a cluster forwards from a session on another node: the engine reads
    /// the caller's messages (its commands, cancels and answers to server-to-client
    /// commands) from `reader` and writes what the commands send to `writer`, as for any
    /// session, logged in as the caller's `identity`. Unlike a client's session it is not
    /// greeted and receives no events (the caller's own session has its subscriptions).
    /// Completes when the reader ends, with the reason.
    pub fn serve_forwarded<R, W>(
        &self,
        identity: Option<Identity>,
        reader: R,
        writer: W,
    ) -> impl Future<Output = String> + Send + 'static
    where
        R: Stream<Item = Result<Frame, CloseReason>> + Send + 'static,
        W: Sink<Frame> + Send + Unpin + 'static,
        W::Error: std::fmt::Display,
    {
        let shared = self.shared.clone();
        async move { serve::run_forwarded(&shared, identity, reader, writer).await }
    }
}

async fn serve_transport<R, W>(shared: Arc<ServerShared>, reader: R, writer: W, peer: Option<SocketAddr>) -> String
where
    R: Stream<Item = Result<Frame, CloseReason>> + Send + 'static,
    W: Sink<Frame> + Send + Unpin + 'static,
    W::Error: std::fmt::Display,
{
    serve::run_session(&shared, reader, writer, peer, None).await
}
