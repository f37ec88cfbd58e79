//! Opening a connection: URL, TCP, TLS, WebSocket upgrade, then waiting for the server's
//! `session-initiated` event.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::http::Uri;
use tokio_tungstenite::WebSocketStream;

use super::handler::ClientHandler;
use super::{ClientError, ClientShared, Connection};
use crate::session::{self, Session, SessionShared};
use crate::tls::ClientTls;
use crate::transport::websocket;

/// Where to connect, read from a `wss://host:port/osmp/v1` URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) tls: bool,
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Target, ClientError> {
        let invalid = |reason: &str| ClientError::InvalidUrl { url: url.to_owned(), reason: reason.to_owned() };
        let uri: Uri = url
            .parse()
            .map_err(|error: tokio_tungstenite::tungstenite::http::uri::InvalidUri| invalid(&error.to_string()))?;
        let tls = match uri.scheme_str() {
            Some("wss") => true,
            Some("ws") => false,
            _ => return Err(invalid("the scheme must be wss:// (or ws:// for an unencrypted connection)")),
        };
        let host = uri.host().filter(|host| !host.is_empty()).ok_or_else(|| invalid("no host"))?;
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        // A URL without a path means the protocol's path.
        let url = match uri.path() {
            "" | "/" => format!(
                "{}://{}{}",
                uri.scheme_str().unwrap_or("wss"),
                uri.authority().map_or("", |a| a.as_str()),
                crate::server::OSMP_PATH
            ),
            _ => url.to_owned(),
        };
        Ok(Target { url, host, port, tls })
    }
}

/// Connects and starts a session; completes once the server has initiated it.
pub(crate) async fn open(client: &Arc<ClientShared>) -> Result<Connection, ClientError> {
    let target = &client.target;
    let timeout = client.connect_timeout;
    let tcp = tokio::time::timeout(timeout, TcpStream::connect((target.host.as_str(), target.port)))
        .await
        .map_err(|_| ClientError::Timeout { stage: "connecting", after: timeout })?
        .map_err(|source| ClientError::Connect { addr: format!("{}:{}", target.host, target.port), source })?;
    let _ = tcp.set_nodelay(true);
    let peer = tcp.peer_addr().ok();

    if target.tls {
        let tls = client.tls()?;
        let name = ClientTls::server_name(&target.host)?;
        let stream = tokio::time::timeout(timeout, tls.connector().connect(name, tcp))
            .await
            .map_err(|_| ClientError::Timeout { stage: "TLS handshake", after: timeout })?
            .map_err(ClientError::TlsHandshake)?;
        upgrade(client, stream, peer).await
    } else {
        upgrade(client, tcp, peer).await
    }
}

async fn upgrade<S>(
    client: &Arc<ClientShared>,
    stream: S,
    peer: Option<std::net::SocketAddr>,
) -> Result<Connection, ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let timeout = client.connect_timeout;
    let config = Some(client.websocket.to_config());
    let (socket, _response) = tokio::time::timeout(
        timeout,
        tokio_tungstenite::client_async_with_config(client.target.url.as_str(), stream, config),
    )
    .await
    .map_err(|_| ClientError::Timeout { stage: "WebSocket handshake", after: timeout })?
    .map_err(handshake_error)?;
    start_session(client, socket, peer, timeout).await
}

fn handshake_error(error: WsError) -> ClientError {
    match error {
        WsError::Http(response) => ClientError::Rejected {
            status: response.status().as_u16(),
            body: response.body().as_ref().map(|body| String::from_utf8_lossy(body).into_owned()).unwrap_or_default(),
        },
        other => ClientError::WebSocket(Box::new(other)),
    }
}

async fn start_session<S>(
    client: &Arc<ClientShared>,
    socket: WebSocketStream<S>,
    peer: Option<std::net::SocketAddr>,
    timeout: Duration,
) -> Result<Connection, ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (initiated_tx, initiated) = oneshot::channel();
    let handler = Arc::new(ClientHandler {
        handlers: client.handlers.clone(),
        client: Arc::downgrade(client),
        initiated: Mutex::new(Some(initiated_tx)),
    });
    let session = SessionShared::new(peer, client.session_config.clone());
    let (reader, writer) = websocket::frames(socket);
    tokio::spawn(session::run(Session(session.clone()), handler, reader, writer, client.shutdown.child_token()));

    match tokio::time::timeout(timeout, initiated).await {
        Ok(Ok(info)) => Ok(Connection { session, info }),
        Ok(Err(_)) => Err(ClientError::Closed { reason: session.close_reason() }),
        Err(_) => {
            session.end("no session-initiated event");
            Err(ClientError::NotOsmp(format!("the server sent no session-initiated event within {timeout:?}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_urls() {
        let target = Target::parse("wss://127.0.0.1:9000/osmp/v1").unwrap();
        assert_eq!((target.host.as_str(), target.port, target.tls), ("127.0.0.1", 9000, true));
        let target = Target::parse("ws://[::1]:80").unwrap();
        assert_eq!((target.host.as_str(), target.url.as_str()), ("::1", "ws://[::1]:80/osmp/v1"));
        assert_eq!(Target::parse("wss://example.com").unwrap().port, 443);
        assert!(Target::parse("http://example.com").is_err());
        assert!(Target::parse("not a url").is_err());
    }
}
