//! The client's side of a connection, from a `wss://` URL to a WebSocket ready for a
//! session: the URL, TCP, TLS and the upgrade.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::http::Uri;

use super::budget::Account;
use super::tls::{ClientTls, TlsError};
use super::websocket::{self, FrameSink, FrameStream};
use super::{Socket, OSMP_PATH};
use crate::limits::Limits;

/// Why a client could not connect to a server (or the server did not start a session).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The URL is not a `wss://` (or `ws://`) URL.
    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TCP connection failed.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A stage of connecting took too long.
    #[error("{stage} timed out after {after:?}")]
    Timeout {
        /// What was being done.
        stage: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// The TLS configuration is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The TLS handshake failed (for instance the certificate was not trusted).
    #[error("TLS handshake failed: {0}")]
    TlsHandshake(std::io::Error),
    /// The server refused the WebSocket upgrade.
    #[error("the server refused the connection: HTTP {status} {body}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The body of the refusal.
        body: String,
    },
    /// The WebSocket handshake failed.
    #[error("WebSocket handshake failed: {0}")]
    WebSocket(Box<tokio_tungstenite::tungstenite::Error>),
    /// The peer does not speak OSMP.
    #[error("not an OSMP server: {0}")]
    NotOsmp(String),
    /// The connection closed while being set up.
    #[error("connection closed: {reason}")]
    Closed {
        /// Why.
        reason: String,
    },
}

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
                OSMP_PATH
            ),
            _ => url.to_owned(),
        };
        Ok(Target { url, host, port, tls })
    }
}

/// A WebSocket to the server, ready for a session.
pub(crate) struct Connected {
    pub(crate) reader: FrameStream,
    pub(crate) writer: FrameSink,
    pub(crate) peer: Option<SocketAddr>,
}

/// Connects to `target`, each stage within `timeout`; `tls` is the trust policy of a
/// `wss://` target (the system's roots when `None`).
pub(crate) async fn connect(
    target: &Target,
    tls: Option<&ClientTls>,
    limits: &Limits,
    timeout: Duration,
) -> Result<Connected, ClientError> {
    let tcp = tokio::time::timeout(timeout, TcpStream::connect((target.host.as_str(), target.port)))
        .await
        .map_err(|_| ClientError::Timeout { stage: "connecting", after: timeout })?
        .map_err(|source| ClientError::Connect { addr: format!("{}:{}", target.host, target.port), source })?;
    let _ = tcp.set_nodelay(true);
    let peer = tcp.peer_addr().ok();

    let socket = if target.tls {
        let tls = match tls {
            Some(tls) => tls.clone(),
            None => ClientTls::system_roots()?,
        };
        let name = ClientTls::server_name(&target.host)?;
        let stream = tokio::time::timeout(timeout, tls.connector().connect(name, tcp))
            .await
            .map_err(|_| ClientError::Timeout { stage: "TLS handshake", after: timeout })?
            .map_err(ClientError::TlsHandshake)?;
        Socket::tls(stream, Account::unbudgeted())
    } else {
        Socket::plain(tcp, Account::unbudgeted())
    };

    let config = Some(websocket::config(limits));
    let (socket, _response) =
        tokio::time::timeout(timeout, tokio_tungstenite::client_async_with_config(target.url.as_str(), socket, config))
            .await
            .map_err(|_| ClientError::Timeout { stage: "WebSocket handshake", after: timeout })?
            .map_err(handshake_error)?;
    let (reader, writer) = websocket::frames(socket);
    Ok(Connected { reader, writer, peer })
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
