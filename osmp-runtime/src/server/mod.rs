//! The OSMP server: accepts WebSocket sessions at `/osmp/v1` over TLS (or, when explicitly
//! asked, plain TCP) and serves the registered instruction sets.
//!
//! ```no_run
//! use osmp_runtime::server::Server;
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
mod handler;
mod serve;

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::{Sink, Stream};
use std::future::Future;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use builder::ServerBuilder;

use crate::auth::Authenticator;
use crate::events::EventBus;
use crate::instruction::Registry;
use crate::limits::Limits;
use crate::session::SessionConfig;
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
    /// The TLS identity could not be created or loaded.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The configuration is inconsistent.
    #[error("invalid server configuration: {0}")]
    Config(String),
}

/// What every connection task shares.
pub(crate) struct ServerShared {
    pub(crate) registry: Arc<Registry>,
    pub(crate) events: EventBus,
    pub(crate) handler: Arc<handler::ServerHandler>,
    pub(crate) auth: Option<Arc<Authenticator>>,
    pub(crate) session_config: Arc<SessionConfig>,
    pub(crate) limits: Arc<Limits>,
    /// TLS, the HTTP step and the session slots of every connection.
    pub(crate) acceptor: Arc<Acceptor>,
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

    /// The commands and events the server offers.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.shared.registry
    }

    /// The number of WebSocket sessions connected now.
    pub fn session_count(&self) -> usize {
        self.shared.acceptor.session_count()
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
    /// closes every session with a close frame; completes when all sessions have ended.
    pub async fn shutdown(&self) {
        tracing::info!("shutting down");
        self.shared.shutdown.cancel();
        self.shared.connections.close();
        self.shared.connections.wait().await;
    }
}

async fn serve_transport<R, W>(shared: Arc<ServerShared>, reader: R, writer: W, peer: Option<SocketAddr>) -> String
where
    R: Stream<Item = Result<Frame, CloseReason>> + Send + 'static,
    W: Sink<Frame> + Send + Unpin + 'static,
    W::Error: std::fmt::Display,
{
    serve::run_session(&shared, reader, writer, peer).await
}
