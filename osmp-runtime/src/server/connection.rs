//! From an accepted TCP connection to a running session: TLS, the WebSocket upgrade at
//! `/osmp/v1`, the `session-initiated` event, then the engine.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tracing::Instrument;

use super::{ServerShared, OSMP_PATH};
use crate::auth::Authenticator;
use crate::session::{self, lock, CloseReason, Frame, Session, SessionShared};
use crate::transport::websocket;
use crate::wire::{EventItem, Payload, Timestamp};

/// Accepts connections until shutdown; each is served on its own tracked task.
pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<ServerShared>) {
    tracing::info!(addr = ?listener.local_addr().ok(), tls = shared.tls.is_some(), "accepting sessions");
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shared.shutdown.cancelled() => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                let span = tracing::info_span!("connection", %peer);
                shared.connections.spawn(serve(shared.clone(), stream, peer).instrument(span));
            }
            Err(error) => {
                // Usually out of file descriptors: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn serve(shared: Arc<ServerShared>, stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let deadline = Instant::now() + shared.handshake_timeout;
    match &shared.tls {
        // Boxed: the handshake's state is large (about 20 KiB) and would otherwise stay
        // reserved in the connection's task for the whole session.
        Some(tls) => match handshake_step(&shared, deadline, Box::pin(tls.acceptor().accept(stream))).await {
            Some(Ok(stream)) => upgrade(shared, stream, peer, deadline).await,
            Some(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
            None => {}
        },
        None => upgrade(shared, stream, peer, deadline).await,
    }
}

/// Runs one step of the handshake before the deadline; `None` when it timed out or the
/// server is shutting down (a connection not yet a session is simply dropped).
async fn handshake_step<T>(shared: &ServerShared, deadline: Instant, step: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        result = tokio::time::timeout_at(deadline, step) => {
            if result.is_err() {
                tracing::debug!("handshake timed out");
            }
            result.ok()
        }
        () = shared.shutdown.cancelled() => None,
    }
}

/// Upgrades to WebSocket (only at `/osmp/v1`, only while below the session limit) and runs
/// the session.
async fn upgrade<S>(shared: Arc<ServerShared>, stream: S, peer: SocketAddr, deadline: Instant)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // The session slot is taken when a valid upgrade request has arrived, not on connect, so
    // that connections which never finish their handshake cannot hold slots.
    let slot: Arc<Mutex<Option<OwnedSemaphorePermit>>> = Arc::default();
    let sessions = shared.sessions.clone();
    let granted = slot.clone();
    // The signature is tungstenite's callback type; its error is an HTTP response by design.
    #[allow(clippy::result_large_err)]
    let check = move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let path = request.uri().path();
        if path != OSMP_PATH && path.strip_suffix('/') != Some(OSMP_PATH) {
            return Err(refusal(StatusCode::NOT_FOUND, format!("OSMP v1 is served at {OSMP_PATH}")));
        }
        let Ok(permit) = sessions.try_acquire_owned() else {
            return Err(refusal(StatusCode::SERVICE_UNAVAILABLE, "too many sessions, try again later".to_owned()));
        };
        *lock(&granted) = Some(permit);
        Ok(response)
    };
    let config = Some(shared.websocket.to_config());
    let handshake = Box::pin(tokio_tungstenite::accept_hdr_async_with_config(stream, check, config));
    let socket = match handshake_step(&shared, deadline, handshake).await {
        Some(Ok(socket)) => socket,
        Some(Err(error)) => return tracing::debug!(%error, "WebSocket handshake refused or failed"),
        None => return,
    };
    let Some(permit) = lock(&slot).take() else { return };
    let (reader, writer) = websocket::frames(socket);
    run_session(&shared, reader, writer, Some(peer)).await;
    drop(permit);
}

/// Runs one session of the server over any transport: greets the peer, attaches the
/// session to the event bus and runs the engine until the session ends. Returns why.
pub(super) async fn run_session<R, W>(shared: &ServerShared, reader: R, writer: W, peer: Option<SocketAddr>) -> String
where
    R: Stream<Item = Result<Frame, CloseReason>> + Send,
    W: Sink<Frame> + Send + Unpin + 'static,
    W::Error: std::fmt::Display,
{
    let session = SessionShared::new(peer, shared.session_config.clone());
    let span = tracing::info_span!("session", id = %session.id);
    async move {
        tracing::info!("session started");
        let _attached = shared.events.attach(&session);
        send_session_initiated(&session, shared.auth.as_deref());
        let handler = shared.handler.clone();
        let reason = session::run(Session(session), handler, reader, writer, shared.shutdown.child_token()).await;
        tracing::info!(%reason, "session ended");
        reason
    }
    .instrument(span)
    .await
}

fn refusal(status: StatusCode, body: String) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(body));
    *response.status_mut() = status;
    response
}

/// The first message of every session; with authentication it carries the server's
/// public key, which clients encrypt their password answers with.
fn send_session_initiated(session: &SessionShared, auth: Option<&Authenticator>) {
    let mut data = serde_json::json!({
        "protocol": "Open System Management Protocol",
        "version": 1,
        "date-time": Timestamp::now(),
    });
    if let Some(auth) = auth {
        data["public-key"] = auth.public_key_xml().into();
    }
    let item = EventItem { event: "session-initiated".to_owned(), data: Some(Payload::from_value(&data)) };
    let _ = session.outbound.push_protocol_event(item);
}
