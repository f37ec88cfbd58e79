//! The server's side of a connection, from the TCP accept to a WebSocket ready for a
//! session: TLS, the HTTP request, then the upgrade at `/osmp/v1` (when its `Origin` may
//! have one) or a plain HTTP answer (the server's routes, such as the web console, first).
//!
//! Everything here runs within the handshake timeout and before a session slot is taken,
//! so connections that never finish their handshake hold neither a slot nor much memory.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::WebSocketStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::budget::IncomingBudget;
use super::http::{read_head, HttpResponse, PlainRoutes, RequestHead};
use super::origin::OriginPolicy;
use super::tls::ServerTls;
use super::websocket::{self, FrameSink, FrameStream};
use super::{upgrade, Socket, OSMP_PATH};
use crate::limits::Limits;
use crate::sync::lock;

/// What a server's connections have in common: how they are secured, what they may cost,
/// and the session slots they compete for.
pub(crate) struct Acceptor {
    pub(crate) tls: Option<ServerTls>,
    pub(crate) limits: Arc<Limits>,
    /// Whether sessions must log in (their messages are limited more until they have).
    login_required: bool,
    /// One permit per session; taken when a valid upgrade request arrives.
    sessions: Arc<Semaphore>,
    /// Sessions per peer address.
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    /// What all connections hold of incoming data.
    pub(crate) incoming: Arc<IncomingBudget>,
    /// Which browser pages may open sessions.
    origins: OriginPolicy,
    /// What plain GETs outside the OSMP path get before the `404` (the web console).
    routes: Option<Arc<dyn PlainRoutes>>,
}

/// A connection that became a WebSocket at the OSMP path, ready for a session.
pub(crate) struct Upgraded {
    pub(crate) reader: FrameStream,
    pub(crate) writer: FrameSink,
    pub(crate) peer: SocketAddr,
    /// The session slot, held until the session ends.
    pub(crate) slot: SessionSlot,
}

/// A session's place among the server's sessions and among those of its address; given
/// back when dropped.
pub(crate) struct SessionSlot {
    _permit: OwnedSemaphorePermit,
    address: IpAddr,
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut per_address = lock(&self.per_address);
        if let Some(count) = per_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                per_address.remove(&self.address);
            }
        }
    }
}

impl Acceptor {
    pub(crate) fn new(tls: Option<ServerTls>, limits: Arc<Limits>, login_required: bool) -> Acceptor {
        Acceptor {
            tls,
            sessions: Arc::new(Semaphore::new(limits.connections.max_sessions)),
            per_address: Arc::default(),
            incoming: IncomingBudget::new(&limits.messages),
            limits,
            login_required,
            origins: OriginPolicy::default(),
            routes: None,
        }
    }

    /// Admits browser pages of these origins besides the server's own.
    pub(crate) fn with_origins(mut self, origins: OriginPolicy) -> Acceptor {
        self.origins = origins;
        self
    }

    /// Answers plain requests with these routes first.
    pub(crate) fn with_routes(mut self, routes: Option<Arc<dyn PlainRoutes>>) -> Acceptor {
        self.routes = routes;
        self
    }

    /// Sessions running now.
    pub(crate) fn session_count(&self) -> usize {
        self.limits.connections.max_sessions - self.sessions.available_permits()
    }

    /// Accepts connections until shutdown; each is served on its own tracked task, which
    /// runs `serve` once the connection is a WebSocket.
    pub(crate) async fn accept_loop<F, Fut>(
        self: Arc<Self>,
        listener: TcpListener,
        shutdown: CancellationToken,
        tasks: TaskTracker,
        serve: F,
    ) where
        F: Fn(Upgraded) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        tracing::info!(addr = ?listener.local_addr().ok(), tls = self.tls.is_some(), "accepting sessions");
        tokio::spawn(self.incoming.clone().sweep(shutdown.clone()));
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = shutdown.cancelled() => break,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let (acceptor, shutdown, serve) = (self.clone(), shutdown.clone(), serve.clone());
                    let connection = async move {
                        if let Some(upgraded) = acceptor.handshake(stream, peer, &shutdown).await {
                            serve(upgraded).await;
                        }
                    };
                    tasks.spawn(connection.instrument(tracing::info_span!("connection", %peer)));
                }
                Err(error) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// TLS, the request, the upgrade; `None` when the connection ended without becoming a
    /// session (answered with HTTP, timed out, failed, or the server is shutting down).
    async fn handshake(&self, stream: TcpStream, peer: SocketAddr, shutdown: &CancellationToken) -> Option<Upgraded> {
        let _ = stream.set_nodelay(true);
        let deadline = Instant::now() + self.limits.connections.handshake_timeout;
        tokio::select! {
            result = tokio::time::timeout_at(deadline, self.upgrade(stream, peer)) => match result {
                Ok(upgraded) => upgraded,
                Err(_) => {
                    tracing::debug!("handshake timed out");
                    None
                }
            },
            () = shutdown.cancelled() => None,
        }
    }

    async fn upgrade(&self, stream: TcpStream, peer: SocketAddr) -> Option<Upgraded> {
        let account = self.incoming.open(peer, &self.limits.messages, self.login_required);
        let mut socket = match &self.tls {
            // Boxed: the handshake's state is large (about 20 KiB) and would otherwise stay
            // reserved in the connection's task for the whole session.
            Some(tls) => match Box::pin(tls.acceptor().accept(stream)).await {
                Ok(stream) => Socket::tls(stream, account),
                Err(error) => {
                    tracing::debug!(%error, "TLS handshake failed");
                    return None;
                }
            },
            None => Socket::plain(stream, account),
        };
        let (request, early_data) = match read_head(&mut socket, self.limits.connections.max_request_head).await {
            Ok(read) => read,
            Err(error) => {
                tracing::debug!(%error, "no valid HTTP request");
                if let Some(response) = error.response() {
                    answer(&mut socket, &response, None).await;
                }
                return None;
            }
        };
        let slot = match self.admit(&request, peer) {
            Ok(admitted) => admitted,
            Err(response) => {
                answer(&mut socket, &response, Some(&request)).await;
                return None;
            }
        };
        let Admitted { accept_key, slot } = slot;
        if let Err(error) = socket.write_all(&upgrade::switching_protocols(&accept_key)).await {
            tracing::debug!(%error, "the upgrade answer could not be written");
            return None;
        }
        let config = Some(websocket::config(&self.limits));
        let socket = WebSocketStream::from_partially_read(socket, early_data, Role::Server, config).await;
        let (reader, writer) = websocket::frames(socket);
        Some(Upgraded { reader, writer, peer, slot })
    }

    /// Decides what a request gets: a session (its accept key and slot) or an HTTP answer.
    fn admit(&self, request: &RequestHead, peer: SocketAddr) -> Result<Admitted, HttpResponse> {
        let at_osmp_path = request.path() == OSMP_PATH || request.path().strip_suffix('/') == Some(OSMP_PATH);
        if !upgrade::is_upgrade(request) {
            return Err(plain_answer(request, at_osmp_path, self.routes.as_deref()));
        }
        if !at_osmp_path {
            return Err(HttpResponse::text(404, format!("OSMP v1 is served at {OSMP_PATH}")));
        }
        self.origins.check(request, self.tls.is_some())?;
        let accept_key = upgrade::accept_key(request)?;
        let slot = self.take_slot(peer.ip())?;
        Ok(Admitted { accept_key, slot })
    }

    /// A session slot, if the server and the peer's address have one left.
    fn take_slot(&self, address: IpAddr) -> Result<SessionSlot, HttpResponse> {
        let mut per_address = lock(&self.per_address);
        let held = per_address.get(&address).copied().unwrap_or(0);
        if held >= self.limits.connections.max_sessions_per_address {
            tracing::warn!(%address, held, "too many sessions from one address");
            return Err(HttpResponse::text(503, "too many sessions from your address, try again later"));
        }
        let Ok(permit) = self.sessions.clone().try_acquire_owned() else {
            return Err(HttpResponse::text(503, "too many sessions, try again later"));
        };
        *per_address.entry(address).or_insert(0) += 1;
        drop(per_address);
        Ok(SessionSlot { _permit: permit, address, per_address: self.per_address.clone() })
    }
}

struct Admitted {
    accept_key: String,
    slot: SessionSlot,
}

/// What a plain HTTP request (not a WebSocket upgrade) gets.
fn plain_answer(request: &RequestHead, at_osmp_path: bool, routes: Option<&dyn PlainRoutes>) -> HttpResponse {
    if request.method != "GET" && request.method != "HEAD" {
        return HttpResponse::text(405, "This server answers GET requests only.").with_header("Allow", "GET, HEAD");
    }
    if at_osmp_path {
        let text = format!(
            "This is an OSMP v1 endpoint: connect with a WebSocket client to wss://HOST:PORT{OSMP_PATH} \
             (or ws:// when the server runs without TLS)."
        );
        return HttpResponse::text(426, text).with_header("Upgrade", "websocket");
    }
    if let Some(answer) = routes.and_then(|routes| routes.answer(request)) {
        return answer;
    }
    HttpResponse::text(404, format!("Not found. This server speaks OSMP v1 over WebSocket at {OSMP_PATH}."))
}

/// Sends an HTTP answer on a connection that will not become a session.
async fn answer(socket: &mut Socket, response: &HttpResponse, request: Option<&RequestHead>) {
    tracing::debug!(status = response.status(), request = ?request.map(|r| (&r.method, &r.target)), "answered over HTTP");
    if let Err(error) = response.write_to(socket, request).await {
        tracing::debug!(%error, "the HTTP answer could not be written");
    }
}
