//! What the tests share: servers on ephemeral ports and a raw WebSocket peer that speaks
//! literal JSON, the way a client written from the specification would.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use osmp::prelude::*;
use osmp::session::SessionConfig;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Any byte stream a test WebSocket runs over (plain TCP or TLS).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Every wait in the tests is bounded by this.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A plain `ws://` server with the standard set and the given builder tweaks.
pub async fn plain_server(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> ServerHandle {
    configure(Server::builder().no_tls())
        .build()
        .await
        .expect("server binds")
        .spawn()
}

/// A session configuration with short timings, for tests that wait on them.
pub fn quick_session() -> SessionConfig {
    let mut config = SessionConfig::default();
    config.keepalive_interval = Some(Duration::from_millis(300));
    config.keepalive_after = Duration::from_millis(100);
    config.event_batch_window = Duration::from_millis(200);
    config
}

/// A typed client for a server.
pub async fn client(server: &ServerHandle) -> Client {
    let mut builder = Client::builder(server.url());
    if let Some(fingerprint) = server.fingerprint() {
        builder = builder.fingerprint(fingerprint);
    }
    builder.connect().await.expect("client connects")
}

/// A peer that sends and receives raw JSON text over a plain WebSocket.
pub struct RawPeer {
    socket: WebSocketStream<Box<dyn Io>>,
}

impl RawPeer {
    /// Connects to a plain `ws://` server and returns the peer with the `session-initiated`
    /// event already read.
    pub async fn connect(server: &ServerHandle) -> (RawPeer, Value) {
        let tcp = TcpStream::connect(server.local_addr())
            .await
            .expect("TCP connect");
        RawPeer::over(Box::new(tcp), &server.url()).await
    }

    /// Runs the WebSocket handshake for `url` over an established stream.
    pub async fn over(stream: Box<dyn Io>, url: &str) -> (RawPeer, Value) {
        let (socket, _) =
            tokio::time::timeout(PATIENCE, tokio_tungstenite::client_async(url, stream))
                .await
                .expect("handshake in time")
                .expect("WebSocket handshake");
        let mut peer = RawPeer { socket };
        let initiated = peer.recv().await;
        (peer, initiated)
    }

    /// Sends a text frame as is.
    pub async fn send(&mut self, text: &str) {
        self.socket.send(Message::text(text)).await.expect("send");
    }

    /// The next protocol message (pings and pongs skipped), parsed.
    pub async fn recv(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a message in time")
                .expect("connection open")
                .expect("no transport error");
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("the server sends JSON")
                }
                Message::Close(frame) => panic!("connection closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// Messages until one matches, returning it and dropping the others.
    pub async fn recv_until(&mut self, mut wanted: impl FnMut(&Value) -> bool) -> Value {
        loop {
            let message = self.recv().await;
            if wanted(&message) {
                return message;
            }
        }
    }

    /// The response to command `cmd_nr`.
    pub async fn response_to(&mut self, cmd_nr: u64) -> Value {
        self.recv_until(|message| message["type"] == "response" && message["cmd-nr"] == cmd_nr)
            .await
    }

    /// Whether nothing arrives within `quiet`.
    pub async fn silent_for(&mut self, quiet: Duration) -> Option<Value> {
        match tokio::time::timeout(quiet, self.socket.next()).await {
            Err(_) => None,
            Ok(Some(Ok(Message::Text(text)))) => {
                Some(serde_json::from_str(text.as_str()).expect("JSON"))
            }
            Ok(other) => panic!("unexpected {other:?}"),
        }
    }

    /// The underlying socket, for tests that need frames the protocol does not use.
    pub fn socket(&mut self) -> &mut WebSocketStream<Box<dyn Io>> {
        &mut self.socket
    }
}
