//! The servers under test, each run in a child process of its own (`osmp-bench serve --kind …`)
//! so that its CPU time and memory can be read from `/proc` without the load generator's.
//!
//! All three speak plain `ws://` on loopback, or `wss://` with `--tls` (module `wss`), and
//! run on the same tokio runtime (one worker thread per core).

mod wss;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{FutureExt, SinkExt, StreamExt};
use osmp::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::{lock, Kind};

/// Sessions every server accepts: the memory scenario holds 10,000.
const MAX_CONNECTIONS: u32 = 20_000;

/// The account of the osmp server started with `--accounts` (`ServerOptions::accounts`).
pub const BENCH_USER: &str = "operator";
/// Its password.
pub const BENCH_PASSWORD: &str = "correct horse battery staple";

/// How a server is set up beyond its kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerOptions {
    /// osmp only: one account ([`BENCH_USER`]) and logins required, as a server on the
    /// internet would have them.
    pub accounts: bool,
    /// `wss://`: TLS with the certificate the load generator passed (`crate::tls`).
    pub tls: bool,
    /// osmp only: the default limits as they are, including the sessions one address may
    /// hold (the attacks measure those). Otherwise the load scenarios, whose thousands of
    /// clients all come from 127.0.0.1, may hold as many sessions from it as in all.
    pub default_limits: bool,
}

/// Runs one server until the process is killed; prints `port N` once it listens.
pub fn serve(kind: Kind, bind: &str, options: ServerOptions) -> Result<(), String> {
    crate::sys::raise_open_files_limit();
    // The load generator asks for our allocation counters on our standard input, and closes
    // it when it is done with us: exit normally (not killed), so that a profiler wrapped
    // around this process writes its report.
    std::thread::spawn(|| {
        crate::control::answer_until_eof();
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        match (kind, options.tls) {
            (Kind::Baseline, false) => baseline(bind).await,
            (Kind::Baseline, true) => wss::baseline(bind).await,
            (Kind::Jsonrpsee, false) => jsonrpsee_server(bind).await,
            (Kind::Jsonrpsee, true) => wss::jsonrpsee(bind).await,
            (Kind::Osmp, _) => osmp_server(bind, options).await,
        }
    })
}

pub fn announce(port: u16) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "port {port}");
    let _ = stdout.flush();
}

// ---------------------------------------------------------------------------------------
// baseline: what tokio-tungstenite and serde_json allow, with no framework in between.

async fn baseline(bind: &str) -> Result<(), String> {
    accept_each(bind, |stream| {
        tokio::spawn(baseline_connection(stream));
    })
    .await
}

/// Listens on `bind`, announces the port and hands every connection, with Nagle's
/// algorithm off, to `connection`; runs until the process exits.
pub async fn accept_each(bind: &str, mut connection: impl FnMut(TcpStream)) -> Result<(), String> {
    let listener = TcpListener::bind(bind).await.map_err(|e| e.to_string())?;
    announce(listener.local_addr().map_err(|e| e.to_string())?.port());
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        connection(stream);
    }
}

/// Parses each text frame into a `serde_json::Value` and answers it. Replies to every
/// frame that is already readable go out together: fed one by one, flushed once. A
/// connection that subscribed (`event-subscribe`) also writes the events `fire` broadcasts.
async fn baseline_connection<S: AsyncRead + AsyncWrite + Unpin>(stream: S) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
    let mut session = BaselineSession::default();
    loop {
        let incoming = match session.events.as_mut() {
            None => Incoming::Frame(ws.next().await),
            Some(events) => tokio::select! {
                frame = ws.next() => Incoming::Frame(frame),
                Some(data) = events.recv() => Incoming::Event(data),
            },
        };
        let written = match incoming {
            Incoming::Frame(None) => return,
            Incoming::Frame(Some(message)) => baseline_answer(&mut ws, &mut session, message).await,
            Incoming::Event(data) => baseline_events(&mut ws, &mut session, data).await,
        };
        if !written || ws.flush().await.is_err() {
            return;
        }
    }
}

/// What a baseline connection keeps between frames.
#[derive(Default)]
struct BaselineSession {
    /// The last message number it sent.
    nr: u64,
    /// The events broadcast to it, once it subscribed.
    events: Option<mpsc::UnboundedReceiver<Arc<str>>>,
}

/// What a baseline connection woke up for.
enum Incoming {
    Frame(Option<Result<Message, tokio_tungstenite::tungstenite::Error>>),
    Event(Arc<str>),
}

/// The connections that subscribed, for `fire` to broadcast to: what a server without a
/// framework would keep.
static BASELINE_SUBSCRIBERS: Mutex<Vec<mpsc::UnboundedSender<Arc<str>>>> = Mutex::new(Vec::new());

/// Feeds the replies to `message` and to every frame already readable after it; false when
/// the connection is done.
async fn baseline_answer<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    session: &mut BaselineSession,
    mut message: Result<Message, tokio_tungstenite::tungstenite::Error>,
) -> bool {
    loop {
        match message {
            Ok(Message::Text(text)) => {
                for reply in baseline_replies(&text, session) {
                    if ws.feed(Message::text(reply)).await.is_err() {
                        return false;
                    }
                }
            }
            Ok(Message::Close(_)) | Err(_) => return false,
            Ok(_) => {}
        }
        match ws.next().now_or_never() {
            Some(Some(next)) => message = next,
            Some(None) => return false,
            None => return true,
        }
    }
}

/// Feeds the `tick` event with `data`, and every other one already waiting.
async fn baseline_events<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    session: &mut BaselineSession,
    mut data: Arc<str>,
) -> bool {
    loop {
        session.nr += 1;
        let event = format!(r#"{{"type":"event","id":"tick","nr":{},"data":{data}}}"#, session.nr);
        if ws.feed(Message::text(event)).await.is_err() {
            return false;
        }
        match session.events.as_mut().map(mpsc::UnboundedReceiver::try_recv) {
            Some(Ok(next)) => data = next,
            _ => return true,
        }
    }
}

/// `echo` answers its data; `flood` answers `count` stream messages, then a response;
/// `event-subscribe` subscribes the connection to every event; `fire` broadcasts a `tick`
/// event stamped with the server's clock to the subscribed connections.
fn baseline_replies(text: &str, session: &mut BaselineSession) -> Vec<String> {
    let Ok(mut command) = serde_json::from_str::<Value>(text) else { return Vec::new() };
    let cmd_nr = command["nr"].take();
    let id = command["id"].take();
    let mut data = command["data"].take();
    let mut replies = Vec::new();
    if id == "flood" {
        let total = data["count"].as_u64().unwrap_or(0);
        for value in 1..=total {
            session.nr += 1;
            let data = json!({"type": "progress", "value": value, "total": total});
            replies.push(
                json!({"type": "stream", "id": id, "nr": session.nr, "cmd-nr": cmd_nr, "data": data}).to_string(),
            );
        }
    } else if id == "event-subscribe" && session.events.is_none() {
        let (sender, events) = mpsc::unbounded_channel();
        lock(&BASELINE_SUBSCRIBERS).push(sender);
        session.events = Some(events);
    } else if id == "fire" {
        let tick: Arc<str> = json!({"micros": unix_micros(), "seq": data["seq"]}).to_string().into();
        let mut subscribers = lock(&BASELINE_SUBSCRIBERS);
        subscribers.retain(|subscriber| subscriber.send(tick.clone()).is_ok());
        data = json!({"events": 1, "deliveries": subscribers.len()});
    }
    session.nr += 1;
    replies.push(
        json!({"type": "response", "id": id, "nr": session.nr, "cmd-nr": cmd_nr, "status": "OK", "data": data})
            .to_string(),
    );
    replies
}

// ---------------------------------------------------------------------------------------
// peer: jsonrpsee's WebSocket server with an `echo` method.

#[derive(Clone, Serialize, Deserialize)]
struct Token {
    token: Value,
}

async fn jsonrpsee_server(bind: &str) -> Result<(), String> {
    let server = jsonrpsee::server::Server::builder()
        .set_config(jsonrpsee_config())
        .build(bind)
        .await
        .map_err(|e| e.to_string())?;
    let module = jsonrpsee_methods()?;
    announce(server.local_addr().map_err(|e| e.to_string())?.port());
    server.start(module).stopped().await;
    Ok(())
}

/// WebSocket only, and room for the memory scenario's sessions.
fn jsonrpsee_config() -> jsonrpsee::server::ServerConfig {
    jsonrpsee::server::ServerConfig::builder().max_connections(MAX_CONNECTIONS).ws_only().build()
}

/// The `echo` method.
fn jsonrpsee_methods() -> Result<jsonrpsee::RpcModule<()>, String> {
    let mut module = jsonrpsee::RpcModule::new(());
    module.register_method("echo", |params, _, _| params.parse::<Token>()).map_err(|e| e.to_string())?;
    Ok(module)
}

// ---------------------------------------------------------------------------------------
// osmp: the framework, with the standard set (`echo`) and a small set for events and streams.

async fn osmp_server(bind: &str, options: ServerOptions) -> Result<(), String> {
    let mut limits = Limits::default();
    limits.connections.max_sessions = MAX_CONNECTIONS as usize;
    if !options.default_limits {
        limits.connections.max_sessions_per_address = MAX_CONNECTIONS as usize;
    }
    let builder = if options.tls {
        Server::builder().tls(crate::tls::Identity::for_server()?.osmp()?)
    } else {
        Server::builder().no_tls()
    };
    let mut builder = builder.bind(bind).limits(limits).instruction_set(BenchServer::new(BenchSet));
    if options.accounts {
        let mut users = osmp::auth::Users::new();
        users.add_password(BENCH_USER, BENCH_PASSWORD).map_err(|e| e.to_string())?;
        builder = builder.users(users).require_auth();
    }
    let server = builder.build().await.map_err(|e| e.to_string())?;
    announce(server.local_addr().port());
    server.run().await.map_err(|e| e.to_string())
}

/// What `fire` and `storm` report.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Fired {
    /// Events emitted.
    pub events: u64,
    /// Events queued for sessions (events × subscribed sessions).
    pub deliveries: u64,
}

/// Commands that drive the event and stream scenarios.
#[osmp::instruction_set(name = "bench")]
pub trait Bench {
    /// Emits one `tick` event stamped with the server's clock.
    async fn fire(&self, cx: CommandContext, seq: u64) -> Result<Fired, CommandError>;

    /// Emits `tick` events back to back for some seconds.
    async fn storm(&self, cx: CommandContext, seconds: f64) -> Result<Fired, CommandError>;

    /// Streams `count` progress messages, then answers.
    async fn flood(&self, cx: CommandContext, count: u64) -> Result<Outcome, CommandError>;

    /// Stamped with the server's clock (microseconds since the Unix epoch) when emitted.
    #[event]
    fn tick(micros: u64, seq: u64);
}

/// The `bench` set: what the event and stream scenarios drive.
pub struct BenchSet;

/// Microseconds since the Unix epoch: client and server share the machine's clock.
pub fn unix_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_micros() as u64)
}

pub fn emit_tick(cx: &CommandContext, seq: u64) -> Result<u64, CommandError> {
    let delivered = BenchEvents::new(cx.events())
        .tick(unix_micros(), seq)
        .map_err(|error| CommandError::internal(error.to_string()))?;
    Ok(delivered as u64)
}

impl Bench for BenchSet {
    async fn fire(&self, cx: CommandContext, seq: u64) -> Result<Fired, CommandError> {
        Ok(Fired { events: 1, deliveries: emit_tick(&cx, seq)? })
    }

    async fn storm(&self, cx: CommandContext, seconds: f64) -> Result<Fired, CommandError> {
        let until = tokio::time::Instant::now() + Duration::from_secs_f64(seconds);
        let mut fired = Fired { events: 0, deliveries: 0 };
        while tokio::time::Instant::now() < until && !cx.is_cancelled() {
            fired.deliveries += emit_tick(&cx, fired.events)?;
            fired.events += 1;
            // Let the sessions' writers run on this worker too.
            tokio::task::yield_now().await;
        }
        Ok(fired)
    }

    async fn flood(&self, cx: CommandContext, count: u64) -> Result<Outcome, CommandError> {
        for value in 1..=count {
            cx.progress(value, count).await?;
        }
        Ok(Outcome::text(format!("{count} messages")))
    }
}
