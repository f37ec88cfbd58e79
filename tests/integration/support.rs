//! What the tests share: servers on ephemeral ports and a raw WebSocket peer that speaks
//! literal JSON, the way a client written from the specification would.

#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use osmp::instruction::{CommandFuture, CommandSchema, EventSchema, InstructionSetSchema, ParamSchema, Params};
pub use osmp::prelude::*;
use osmp::session::SessionConfig;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Any byte stream a test WebSocket runs over (plain TCP or TLS).
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Every wait in the tests is bounded by this.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A plain `ws://` server with the standard set and the given builder tweaks.
pub async fn plain_server(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> ServerHandle {
    configure(Server::builder().no_tls()).build().await.expect("server binds").spawn()
}

/// A session configuration with short timings, for tests that wait on them.
pub fn quick_session() -> SessionConfig {
    let mut config = SessionConfig::default();
    config.keepalive_interval = Some(Duration::from_millis(300));
    config.keepalive_after = Duration::from_millis(100);
    config.event_batch_window = Duration::from_millis(200);
    config
}

/// A plain `ws://` server with the standard set, `set` and the given session configuration.
pub async fn server_with(set: TestSet, config: SessionConfig) -> ServerHandle {
    plain_server(|b| b.instruction_set(set).session_config(config)).await
}

/// A plain `ws://` server with the standard set, `set` and the given limits.
pub async fn server_limited(set: TestSet, limits: Limits) -> ServerHandle {
    plain_server(|b| b.instruction_set(set).limits(limits)).await
}

/// The default limits, changed by `change`.
pub fn limits(change: impl FnOnce(&mut Limits)) -> Limits {
    let mut limits = Limits::default();
    change(&mut limits);
    limits
}

/// Waits until `condition` holds, polling every 20 ms; panics after [`PATIENCE`].
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if condition().await {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Bounds a future by [`PATIENCE`].
pub async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future).await.unwrap_or_else(|_| panic!("took longer than {PATIENCE:?}: {what}"))
}

/// The `cmd-nr`s that `active-cmds` lists on a typed client's session.
pub async fn active_nrs(client: &Client) -> Vec<u64> {
    let data: Value = client.call_as("active-cmds", &()).await.expect("active-cmds answers");
    cmd_nrs(&data)
}

/// The `cmd-nr`s of an `active-cmds` result.
pub fn cmd_nrs(data: &Value) -> Vec<u64> {
    data["cmds"]
        .as_array()
        .expect("active-cmds returns a cmds list")
        .iter()
        .map(|cmd| cmd["cmd-nr"].as_u64().expect("cmd-nr is an integer"))
        .collect()
}

/// Asserts that every field of `expected` is in `actual` with the same value (other fields
/// of `actual`, such as the server's `nr`, are not compared).
#[track_caller]
pub fn assert_fields(actual: &Value, expected: &Value) {
    let expected = expected.as_object().expect("expected fields are an object");
    for (key, value) in expected {
        assert_eq!(actual.get(key), Some(value), "field '{key}' of {actual} should be {value}");
    }
}

/// Sends an HTTP `request` as it is and reads the whole answer (the server closes after it).
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &str) -> String {
    stream.write_all(request.as_bytes()).await.expect("request sent");
    let mut answer = Vec::new();
    bounded("the answer and the close", stream.read_to_end(&mut answer)).await.expect("answer read");
    String::from_utf8(answer).expect("a text answer")
}

/// [`exchange`] over plain TCP.
pub async fn plain_exchange(server: &ServerHandle, request: &str) -> String {
    exchange(TcpStream::connect(server.local_addr()).await.expect("TCP connect"), request).await
}

/// The first line of an HTTP answer.
pub fn status_line(answer: &str) -> &str {
    answer.lines().next().unwrap_or_default()
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
///
/// Messages read while looking for a particular one are kept, in order, and returned by
/// later reads.
pub struct RawPeer {
    socket: WebSocketStream<Box<dyn Io>>,
    backlog: VecDeque<Value>,
    helper_nr: u64,
}

impl RawPeer {
    /// Connects to a plain `ws://` server and returns the peer with the `session-initiated`
    /// event already read.
    pub async fn connect(server: &ServerHandle) -> (RawPeer, Value) {
        let tcp = TcpStream::connect(server.local_addr()).await.expect("TCP connect");
        RawPeer::over(Box::new(tcp), &server.url()).await
    }

    /// Runs the WebSocket handshake for `url` over an established stream.
    pub async fn over(stream: Box<dyn Io>, url: &str) -> (RawPeer, Value) {
        let (socket, _) = tokio::time::timeout(PATIENCE, tokio_tungstenite::client_async(url, stream))
            .await
            .expect("handshake in time")
            .expect("WebSocket handshake");
        let mut peer = RawPeer { socket, backlog: VecDeque::new(), helper_nr: 100_000 };
        let initiated = peer.recv().await;
        (peer, initiated)
    }

    /// Sends a text frame as is.
    pub async fn send(&mut self, text: &str) {
        self.socket.send(Message::text(text)).await.expect("send");
    }

    /// Sends a command built from its parts.
    pub async fn cmd(&mut self, nr: u64, id: &str, data: Value) {
        let message = if data.is_null() {
            json!({"type": "cmd", "nr": nr, "id": id})
        } else {
            json!({"type": "cmd", "nr": nr, "id": id, "data": data})
        };
        self.send(&message.to_string()).await;
    }

    /// Sends a command and returns its response (other messages are kept for later).
    pub async fn call(&mut self, nr: u64, id: &str, data: Value) -> Value {
        self.cmd(nr, id, data).await;
        self.response_to(nr).await
    }

    /// A command number for helper commands, far from the numbers tests choose.
    pub fn helper_nr(&mut self) -> u64 {
        self.helper_nr += 1;
        self.helper_nr
    }

    /// The `cmd-nr`s `active-cmds` lists now (helper commands excluded).
    pub async fn active(&mut self) -> Vec<u64> {
        let nr = self.helper_nr();
        let response = self.call(nr, "active-cmds", Value::Null).await;
        assert_eq!(response["status"], "OK", "{response}");
        cmd_nrs(&response["data"]).into_iter().filter(|nr| *nr < 100_000).collect()
    }

    /// Polls `active-cmds` until exactly `expected` (sorted) are running.
    pub async fn await_active(&mut self, expected: &[u64]) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mut active = self.active().await;
            active.sort_unstable();
            if active == expected {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "active-cmds stayed {active:?}, expected {expected:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The next protocol message (pings and pongs skipped), parsed.
    pub async fn recv(&mut self) -> Value {
        if let Some(message) = self.backlog.pop_front() {
            return message;
        }
        self.recv_new().await
    }

    /// The first message, kept or new, that matches; the others are kept for later.
    pub async fn take(&mut self, mut wanted: impl FnMut(&Value) -> bool) -> Value {
        if let Some(index) = self.backlog.iter().position(&mut wanted) {
            return self.backlog.remove(index).expect("index in range");
        }
        loop {
            let message = self.recv_new().await;
            if wanted(&message) {
                return message;
            }
            self.backlog.push_back(message);
        }
    }

    /// The messages kept so far, removed from the backlog.
    pub fn drain_backlog(&mut self) -> Vec<Value> {
        self.backlog.drain(..).collect()
    }

    /// The next WebSocket message, of any kind; panics on silence.
    pub async fn next_frame(&mut self) -> Message {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a frame in time")
                .expect("connection open")
                .expect("no transport error");
            match message {
                Message::Frame(_) => continue,
                other => return other,
            }
        }
    }

    /// Reads until the server's close frame (text messages are kept) and returns it, then
    /// lets the WebSocket answer it and waits for the server to end the connection.
    pub async fn expect_close(&mut self) -> Option<CloseFrame> {
        loop {
            match self.next_frame().await {
                Message::Text(text) => self.backlog.push_back(serde_json::from_str(text.as_str()).expect("JSON")),
                Message::Close(frame) => {
                    // Reading on sends tungstenite's answer to the close frame.
                    let end = bounded("the end of the connection", async {
                        loop {
                            match self.socket.next().await {
                                None | Some(Err(_)) => break,
                                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                                Some(Ok(other)) => panic!("{other:?} after the close frame"),
                            }
                        }
                    });
                    end.await;
                    return frame;
                }
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Closes the connection the WebSocket way: a close frame, then waiting for the
    /// server's answer (so that a server shutting down afterwards need not wait for us).
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
        let _ = tokio::time::timeout(PATIENCE, async { while let Some(Ok(_)) = self.socket.next().await {} }).await;
    }

    async fn recv_new(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a message in time")
                .expect("connection open")
                .expect("no transport error");
            match message {
                Message::Text(text) => return serde_json::from_str(text.as_str()).expect("the server sends JSON"),
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

    /// The response to command `cmd_nr` (other messages are kept for later).
    pub async fn response_to(&mut self, cmd_nr: u64) -> Value {
        self.take(|message| message["type"] == "response" && message["cmd-nr"] == cmd_nr).await
    }

    /// The next event named `id` (other messages are kept for later).
    pub async fn event(&mut self, id: &str) -> Value {
        self.take(|message| message["type"] == "event" && message["id"] == id).await
    }

    /// `None` if no message (kept or new) arrives within `quiet`, else the first one.
    pub async fn silent_for(&mut self, quiet: Duration) -> Option<Value> {
        if let Some(message) = self.backlog.pop_front() {
            return Some(message);
        }
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return None,
                Ok(Some(Ok(Message::Text(text)))) => return Some(serde_json::from_str(text.as_str()).expect("JSON")),
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("unexpected {other:?}"),
            }
        }
    }

    /// Every message (kept or new) that arrives within `window`, in order.
    pub async fn collect_for(&mut self, window: Duration) -> Vec<Value> {
        let mut messages: Vec<Value> = self.backlog.drain(..).collect();
        let deadline = tokio::time::Instant::now() + window;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return messages,
                Ok(Some(Ok(Message::Text(text)))) => messages.push(serde_json::from_str(text.as_str()).expect("JSON")),
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(other) => panic!("unexpected {other:?}"),
            }
        }
    }

    /// The underlying socket, for tests that need frames the protocol does not use.
    pub fn socket(&mut self) -> &mut WebSocketStream<Box<dyn Io>> {
        &mut self.socket
    }
}

type Handler = Arc<dyn Fn(Params, CommandContext) -> CommandFuture + Send + Sync>;
type SubscribeHook = Arc<dyn Fn(&str, &Session) + Send + Sync>;

/// A small instruction set written by hand, the way a set whose commands are only known at
/// run time implements [`InstructionSet`].
pub struct TestSet {
    schema: InstructionSetSchema,
    handlers: Vec<Handler>,
    on_subscribe: Option<SubscribeHook>,
    last_added: Added,
}

/// What [`TestSet::requires`] applies to.
enum Added {
    Nothing,
    Command,
    Event,
}

impl TestSet {
    /// An empty set named `name`.
    pub fn new(name: &'static str) -> TestSet {
        TestSet {
            schema: InstructionSetSchema {
                name: Cow::Borrowed(name),
                description: Cow::Borrowed("A set written by hand for the tests."),
                long_description: Cow::Borrowed(""),
                commands: Cow::Owned(Vec::new()),
                events: Cow::Owned(Vec::new()),
            },
            handlers: Vec::new(),
            on_subscribe: None,
            last_added: Added::Nothing,
        }
    }

    /// Adds a command (version 0, no aliases, no documented parameters).
    pub fn command<F, Fut>(mut self, name: &'static str, handler: F) -> TestSet
    where
        F: Fn(Params, CommandContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, CommandError>> + Send + 'static,
    {
        self.schema.commands.to_mut().push(CommandSchema {
            name: Cow::Borrowed(name),
            aliases: Cow::Borrowed(&[]),
            version: 0,
            description: Cow::Borrowed("A test command."),
            long_description: Cow::Borrowed(""),
            params: Cow::Owned(Vec::<ParamSchema>::new()),
            returns: Cow::Borrowed(&[]),
            params_schema: None,
            result_schema: None,
            stream_schema: None,
            requires: None,
        });
        self.handlers.push(Arc::new(move |params, cx| Box::pin(handler(params, cx))));
        self.last_added = Added::Command;
        self
    }

    /// Documents the command added last: its description and aliases.
    pub fn doc(mut self, description: &'static str, aliases: &[&'static str]) -> TestSet {
        let command = self.schema.commands.to_mut().last_mut().expect("a command to document");
        command.description = Cow::Borrowed(description);
        command.aliases = Cow::Owned(aliases.iter().map(|alias| Cow::Borrowed(*alias)).collect());
        self
    }

    /// Makes the command or event added last require a permission.
    pub fn requires(mut self, permission: &'static str) -> TestSet {
        let (commands, events) = (self.schema.commands.len(), self.schema.events.len());
        match self.last_added {
            Added::Command if commands > 0 => {
                self.schema.commands.to_mut()[commands - 1].requires = Some(Cow::Borrowed(permission))
            }
            Added::Event if events > 0 => {
                self.schema.events.to_mut()[events - 1].requires = Some(Cow::Borrowed(permission))
            }
            _ => panic!("requires() follows a command or an event"),
        }
        self
    }

    /// Declares an event.
    pub fn event(mut self, name: &'static str, description: &'static str) -> TestSet {
        self.schema.events.to_mut().push(EventSchema {
            name: Cow::Borrowed(name),
            description: Cow::Borrowed(description),
            long_description: Cow::Borrowed(""),
            fields: Cow::Borrowed(&[]),
            schema: None,
            requires: None,
        });
        self.last_added = Added::Event;
        self
    }

    /// Runs `hook` whenever a session subscribes one of the set's events.
    pub fn on_subscribe(mut self, hook: impl Fn(&str, &Session) + Send + Sync + 'static) -> TestSet {
        self.on_subscribe = Some(Arc::new(hook));
        self
    }
}

impl InstructionSet for TestSet {
    fn schema(&self) -> &InstructionSetSchema {
        &self.schema
    }

    fn call(&self, command: usize, params: Params, cx: CommandContext) -> CommandFuture {
        (self.handlers[command])(params, cx)
    }

    fn on_subscribe(&self, event: &str, session: &Session) {
        if let Some(hook) = &self.on_subscribe {
            hook(event, session);
        }
    }
}

/// A server that is not one: it accepts one WebSocket at `/osmp/v1`, greets like an OSMP
/// server, reads the commands it is sent and can vanish without a close frame.
pub struct FakeServer {
    listener: TcpListener,
}

impl FakeServer {
    /// Binds 127.0.0.1:0.
    pub async fn bind() -> FakeServer {
        FakeServer { listener: TcpListener::bind("127.0.0.1:0").await.expect("bind") }
    }

    /// The `ws://` URL to connect to.
    pub fn url(&self) -> String {
        format!("ws://{}/osmp/v1", self.listener.local_addr().expect("local address"))
    }

    /// Accepts one connection and sends `session-initiated`.
    pub async fn accept(&self) -> WebSocketStream<TcpStream> {
        let (tcp, _) = bounded("a connection", self.listener.accept()).await.expect("accept");
        let mut socket =
            bounded("the handshake", tokio_tungstenite::accept_async(tcp)).await.expect("WebSocket handshake");
        let initiated = json!({
            "type": "event", "id": "session-initiated", "nr": 1,
            "data": {"protocol": "Open System Management Protocol", "version": 1},
        });
        socket.send(Message::text(initiated.to_string())).await.expect("greeting");
        socket
    }
}

/// Reads text messages from a socket until `count` commands arrived; returns them.
pub async fn read_commands(socket: &mut WebSocketStream<TcpStream>, count: usize) -> Vec<Value> {
    let mut commands = Vec::new();
    while commands.len() < count {
        let message = bounded("a command", socket.next()).await.expect("open").expect("no error");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if value["type"] == "cmd" {
                commands.push(value);
            }
        }
    }
    commands
}

/// One RSA key for every server of the test run: generating 2048-bit keys is slow.
pub fn server_key() -> osmp::auth::RsaPrivateKey {
    static KEY: std::sync::OnceLock<osmp::auth::RsaPrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| osmp::auth::generate_key(2048).expect("RSA key generation")).clone()
}

/// A client's key pair for public-key logins (1024 bits, as the reference's manual makes).
pub fn client_key() -> osmp::auth::RsaPrivateKey {
    static KEY: std::sync::OnceLock<osmp::auth::RsaPrivateKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| osmp::auth::generate_key(1024).expect("RSA key generation")).clone()
}

/// The headers of a valid WebSocket upgrade request (RFC 6455's example key).
pub const UPGRADE_HEADERS: &str = "Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

/// A frame as a client sends it (RFC 6455 5.2: masked), with any opcode, FIN flag and
/// length: what a hostile peer can send that a WebSocket library would not.
pub fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![if fin { 0x80 } else { 0 } | opcode];
    match payload.len() {
        len @ 0..=125 => frame.push(0x80 | len as u8),
        len @ 126..=0xFFFF => {
            frame.push(0x80 | 126);
            frame.extend((len as u16).to_be_bytes());
        }
        len => {
            frame.push(0x80 | 127);
            frame.extend((len as u64).to_be_bytes());
        }
    }
    let mask = [0x12, 0x34, 0x56, 0x78];
    frame.extend(mask);
    frame.extend(payload.iter().enumerate().map(|(index, byte)| byte ^ mask[index % 4]));
    frame
}

/// A TCP connection upgraded to a WebSocket by hand (the `101` read, nothing else), for
/// writing raw frames.
pub async fn raw_websocket(server: &ServerHandle) -> TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    tcp.write_all(format!("GET /osmp/v1 HTTP/1.1\r\n{UPGRADE_HEADERS}\r\n").as_bytes()).await.expect("sent");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        bounded("the upgrade answer", tcp.read_exact(&mut byte)).await.expect("read");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101 "), "{}", String::from_utf8_lossy(&head));
    tcp
}

/// Reads frames (server frames are unmasked) until a close frame; returns its code, or
/// `None` when the connection ended without one.
pub async fn read_close_code(tcp: &mut TcpStream) -> Option<u16> {
    use tokio::io::AsyncReadExt;
    let read = async {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 65536];
        loop {
            // Parse what is there: header, extended length, payload.
            let mut at = 0;
            while buffer.len() >= at + 2 {
                let opcode = buffer[at] & 0x0F;
                let (len, header) = match buffer[at + 1] & 0x7F {
                    126 if buffer.len() >= at + 4 => (u16::from_be_bytes([buffer[at + 2], buffer[at + 3]]) as usize, 4),
                    127 if buffer.len() >= at + 10 => {
                        (u64::from_be_bytes(buffer[at + 2..at + 10].try_into().unwrap()) as usize, 10)
                    }
                    126 | 127 => break,
                    len => (len as usize, 2),
                };
                if buffer.len() < at + header + len {
                    break;
                }
                if opcode == 0x8 {
                    let payload = &buffer[at + header..at + header + len];
                    return (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                }
                at += header + len;
            }
            buffer.drain(..at);
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        }
    };
    bounded("a close frame", read).await
}
