//! The load generator: the same tokio-tungstenite client for all three servers, which
//! differ only in the text of a request and where a reply names its request.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, SocketAddr};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use serde::de::IgnoredAny;
use serde::Deserialize;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::Kind;

/// A client's WebSocket, over TLS when its server runs with `--tls`.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a client waits for any reply before it declares the server stuck.
const STUCK: Duration = Duration::from_secs(10);

/// A server running in a child process; killed when dropped.
pub struct ServerProcess {
    pub kind: Kind,
    pub addr: SocketAddr,
    /// Serves `wss://` (started with `--tls`): clients connect over TLS.
    pub tls: bool,
    child: Child,
    /// The child's standard input and output, for `crate::control`'s questions; dropping
    /// the input asks the child to exit.
    control: Mutex<Option<(ChildStdin, BufReader<ChildStdout>)>>,
}

impl ServerProcess {
    /// Starts `osmp-bench serve --kind KIND` and waits until it listens.
    ///
    /// `OSMP_BENCH_SERVER_WRAPPER` runs the server under another program, such as
    /// `valgrind --tool=callgrind`; the server exits normally when its standard input
    /// closes, so that such a tool writes its report.
    pub fn start(kind: Kind) -> Result<ServerProcess, String> {
        ServerProcess::start_with(kind, &[])
    }

    /// Starts the server with further arguments of `osmp-bench serve` (such as `--accounts`,
    /// or `--tls`, which also hands it the suite's certificate).
    pub fn start_with(kind: Kind, extra: &[&str]) -> Result<ServerProcess, String> {
        let tls = extra.contains(&"--tls");
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let wrapper = std::env::var("OSMP_BENCH_SERVER_WRAPPER").unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let mut child = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(exe);
                command
            }
            None => Command::new(exe),
        };
        if tls {
            crate::tls::Identity::shared()?.pass_to(&mut child);
        }
        let mut child = child
            .args(["serve", "--kind", kind.name(), "--bind", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the {} server: {e}", kind.name()))?;
        let (stdin, stdout) = (child.stdin.take().ok_or("no stdin")?, child.stdout.take().ok_or("no stdout")?);
        // Kept after the `port` line: the child answers questions on it later.
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout.read_line(&mut line).map_err(|e| e.to_string())?;
        let port = line.trim().strip_prefix("port ").and_then(|port| port.parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("the {} server did not start (said {line:?})", kind.name()));
        };
        let control = Mutex::new(Some((stdin, stdout)));
        Ok(ServerProcess { kind, addr: SocketAddr::from(([127, 0, 0, 1], port)), tls, child, control })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn cpu(&self) -> Duration {
        crate::sys::cpu_time(self.pid())
    }

    pub fn rss(&self) -> u64 {
        crate::sys::rss_bytes(self.pid())
    }

    /// Asks the server to start counting its heap allocations (`crate::counting`). Blocks
    /// for the child's answer, a matter of microseconds: its standard input is read by a
    /// thread outside its runtime.
    pub fn start_counting(&self) -> Result<(), String> {
        self.with_control(crate::control::start_counting)
    }

    /// The heap allocations the server made since [`ServerProcess::start_counting`], which
    /// stops the count.
    pub fn allocations(&self) -> Result<u64, String> {
        self.with_control(crate::control::ask_allocations)
    }

    /// Runs one question of `crate::control` on the child's pipes.
    fn with_control<T>(
        &self,
        question: impl FnOnce(&mut ChildStdin, &mut BufReader<ChildStdout>) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut control = self.control.lock().map_err(|_| "the server's control pipe is poisoned")?;
        let (stdin, stdout) = control.as_mut().ok_or("the server's control pipe is closed")?;
        question(stdin, stdout).map_err(|e| format!("{} server allocations: {e}", self.kind.name()))
    }

    /// Kills the server with SIGKILL, as a crash would: it closes nothing gracefully.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    /// Closes the server's standard input, which asks it to exit; kills it if it has not
    /// after a while (a profiler may take some time to write its report).
    fn drop(&mut self) {
        let control = self.control.get_mut().unwrap_or_else(PoisonError::into_inner);
        drop(control.take());
        let patience = Instant::now() + Duration::from_secs(30);
        while Instant::now() < patience {
            if matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a WebSocket to the server; for OSMP, also reads the `session-initiated` event.
pub async fn connect(server: &ServerProcess) -> Result<Ws, String> {
    connect_from(server, None).await.map(|(ws, _)| ws)
}

/// Opens a WebSocket to the server from `source` (another address of the loopback range,
/// for a peer that must not share 127.0.0.1's per-address limits), or from any address.
/// For OSMP, also reads the `session-initiated` event and returns its text (empty for the
/// other servers).
pub async fn connect_from(server: &ServerProcess, source: Option<IpAddr>) -> Result<(Ws, String), String> {
    let stream = match source {
        None => TcpStream::connect(server.addr).await,
        Some(source) => {
            let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
            socket.bind(SocketAddr::new(source, 0)).map_err(|e| format!("bind {source}: {e}"))?;
            socket.connect(server.addr).await
        }
    }
    .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let path = if server.kind == Kind::Osmp { "/osmp/v1" } else { "/" };
    let (scheme, connector) =
        if server.tls { ("wss", Connector::Rustls(crate::tls::client_config()?)) } else { ("ws", Connector::Plain) };
    let url = format!("{scheme}://{}{path}", server.addr);
    // Small read buffers: the memory scenario holds 10,000 clients in this process.
    let config = WebSocketConfig::default().read_buffer_size(16 << 10);
    let (mut ws, _) = tokio_tungstenite::client_async_tls_with_config(url, stream, Some(config), Some(connector))
        .await
        .map_err(|e| format!("WebSocket handshake: {e}"))?;
    let mut initiated = String::new();
    if server.kind == Kind::Osmp {
        initiated = next_text(&mut ws).await?;
        if !initiated.contains("session-initiated") {
            return Err(format!("unexpected first message {initiated}"));
        }
    }
    Ok((ws, initiated))
}

/// Opens `count` connections, at most 128 handshakes at a time.
pub async fn connect_many(server: &ServerProcess, count: usize) -> Result<Vec<Ws>, String> {
    futures_util::stream::iter(0..count)
        .map(|_| connect(server))
        .buffer_unordered(128)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// The next text message, skipping pings and the like.
pub async fn next_text(ws: &mut Ws) -> Result<String, String> {
    loop {
        match tokio::time::timeout(STUCK, ws.next()).await {
            Err(_) => return Err("no message within 10 s".into()),
            Ok(None) => return Err("connection closed".into()),
            Ok(Some(Err(error))) => return Err(error.to_string()),
            Ok(Some(Ok(Message::Text(text)))) => return Ok(text.as_str().to_owned()),
            Ok(Some(Ok(Message::Close(frame)))) => return Err(format!("closed by the server: {frame:?}")),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// The text of request `id` asking to echo `token`.
pub fn echo_request(kind: Kind, id: u64, token: &str) -> String {
    match kind {
        Kind::Baseline | Kind::Osmp => {
            format!(r#"{{"nr":{id},"type":"cmd","id":"echo","data":{{"token":"{token}"}}}}"#)
        }
        Kind::Jsonrpsee => format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"echo","params":{{"token":"{token}"}}}}"#),
    }
}

/// A command for the OSMP and baseline servers.
pub fn command(nr: u64, id: &str, data: &serde_json::Value) -> String {
    serde_json::json!({"nr": nr, "type": "cmd", "id": id, "data": data}).to_string()
}

/// The request a reply answers: `Ok(None)` for messages that are not replies (events),
/// an error for a failed request.
pub fn reply_id(kind: Kind, text: &str) -> Result<Option<u64>, String> {
    #[derive(Deserialize)]
    struct OsmpReply<'a> {
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(rename = "cmd-nr")]
        cmd_nr: Option<u64>,
        status: Option<&'a str>,
    }
    #[derive(Deserialize)]
    struct RpcReply {
        id: Option<u64>,
        error: Option<IgnoredAny>,
    }
    let bad = |e: serde_json::Error| format!("bad reply ({e}): {}", crate::excerpt(text));
    match kind {
        Kind::Baseline | Kind::Osmp => {
            let reply: OsmpReply = serde_json::from_str(text).map_err(bad)?;
            match (reply.kind, reply.status) {
                ("response", Some("OK")) => Ok(reply.cmd_nr),
                ("response", _) => Err(format!("failed: {}", crate::excerpt(text))),
                _ => Ok(None),
            }
        }
        Kind::Jsonrpsee => {
            let reply: RpcReply = serde_json::from_str(text).map_err(bad)?;
            if reply.error.is_some() {
                return Err(format!("failed: {}", crate::excerpt(text)));
            }
            Ok(reply.id)
        }
    }
}

/// Sends one request and waits for its reply (used to set sessions up).
pub async fn call(ws: &mut Ws, kind: Kind, request: String, id: u64) -> Result<String, String> {
    ws.send(Message::text(request)).await.map_err(|e| e.to_string())?;
    loop {
        let text = next_text(ws).await?;
        if reply_id(kind, &text)? == Some(id) {
            return Ok(text);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Echo load: connections × requests in flight, for a fixed time after a warm-up.

const WARMING: u8 = 0;
const MEASURING: u8 = 1;
const COUNTING: u8 = 2;
const STOPPING: u8 = 3;

pub struct EchoLoad {
    pub connections: usize,
    pub in_flight: usize,
    pub payload: usize,
}

pub struct Timing {
    pub warm_up: Duration,
    /// The timed interval: throughput, latency and CPU.
    pub measure: Duration,
    /// The interval after it in which the server counts its allocations.
    pub count: Duration,
}

/// What one echo run measured.
pub struct EchoResult {
    pub elapsed: Duration,
    /// Round-trip times in microseconds, sorted: one for each request of the timed interval.
    pub latencies: Vec<u32>,
    pub server_cpu: Duration,
    /// The heap allocations of the server's process in the counting interval that follows
    /// the timed one, and the requests answered in it.
    pub server_allocations: u64,
    pub counted_requests: u64,
}

impl EchoResult {
    /// The requests answered in the timed interval.
    pub fn requests(&self) -> u64 {
        self.latencies.len() as u64
    }

    pub fn rate(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn percentile(&self, p: f64) -> f64 {
        percentile(&self.latencies, p)
    }

    pub fn cpu_per_request(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.requests().max(1) as f64
    }

    /// Heap allocations per request in the server's process (`None` if the counting
    /// interval answered no request).
    pub fn allocations_per_request(&self) -> Option<f64> {
        (self.counted_requests > 0).then(|| self.server_allocations as f64 / self.counted_requests as f64)
    }
}

/// The value below which a fraction `p` of the `sorted` samples lie (NaN without samples).
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 * p) as usize).min(sorted.len() - 1);
    f64::from(sorted[index])
}

pub async fn run_echo(server: &ServerProcess, load: &EchoLoad, timing: &Timing) -> Result<EchoResult, String> {
    let sockets = connect_many(server, load.connections).await?;
    let token: Arc<str> = "x".repeat(load.payload).into();
    let phase = Arc::new(AtomicU8::new(WARMING));
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|ws| tokio::spawn(drive(ws, server.kind, load.in_flight, token.clone(), phase.clone())))
        .collect();

    tokio::time::sleep(timing.warm_up).await;
    let cpu_before = server.cpu();
    let start = Instant::now();
    phase.store(MEASURING, Ordering::Relaxed);
    tokio::time::sleep(timing.measure).await;
    let elapsed = start.elapsed();
    let server_cpu = server.cpu().saturating_sub(cpu_before);

    // Counting slows the server down, so it has an interval of its own.
    server.start_counting()?;
    phase.store(COUNTING, Ordering::Relaxed);
    tokio::time::sleep(timing.count).await;
    phase.store(STOPPING, Ordering::Relaxed);
    let server_allocations = server.allocations()?;

    let mut counted_requests = 0;
    let mut latencies = Vec::new();
    for task in tasks {
        let tally = task.await.map_err(|e| e.to_string())??;
        counted_requests += tally.counted;
        latencies.extend(tally.latencies);
    }
    latencies.sort_unstable();
    Ok(EchoResult { elapsed, latencies, server_cpu, server_allocations, counted_requests })
}

/// What one connection of the echo load answered: the round trip of each request of the
/// timed interval, and how many requests it answered in the counting one.
struct Tally {
    latencies: Vec<u32>,
    counted: u64,
}

/// Keeps `in_flight` requests outstanding on one connection. Replies that arrive together
/// are answered with new requests written together (one flush), as the baseline server does.
async fn drive(
    mut ws: Ws,
    kind: Kind,
    in_flight: usize,
    token: Arc<str>,
    phase: Arc<AtomicU8>,
) -> Result<Tally, String> {
    let mut sent: HashMap<u64, Instant> = HashMap::with_capacity(in_flight * 2);
    let mut next_id = 1;
    let mut tally = Tally { latencies: Vec::new(), counted: 0 };
    let mut checked = false;
    let mut to_send = in_flight;
    loop {
        for _ in 0..to_send {
            ws.feed(Message::text(echo_request(kind, next_id, &token))).await.map_err(|e| e.to_string())?;
            sent.insert(next_id, Instant::now());
            next_id += 1;
        }
        ws.flush().await.map_err(|e| e.to_string())?;
        to_send = 0;

        let mut message = match tokio::time::timeout(STUCK, ws.next()).await {
            Ok(Some(message)) => message,
            Ok(None) => return Err("connection closed".into()),
            Err(_) => return Err(format!("{}: no reply within 10 s", kind.name())),
        };
        loop {
            if let Message::Text(text) = message.map_err(|e| e.to_string())? {
                if let Some(id) = reply_id(kind, &text)? {
                    let started = sent.remove(&id).ok_or_else(|| format!("reply to unknown request {id}"))?;
                    if !checked {
                        // Once per connection: the token really came back.
                        checked = true;
                        if !text.contains(&*token) {
                            return Err(format!("echo lost its token: {}", crate::excerpt(&text)));
                        }
                    }
                    match phase.load(Ordering::Relaxed) {
                        MEASURING => {
                            tally.latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX))
                        }
                        COUNTING => tally.counted += 1,
                        _ => {}
                    }
                    to_send += 1;
                }
            }
            match ws.next().now_or_never() {
                Some(Some(next)) => message = next,
                Some(None) => return Err("connection closed".into()),
                None => break,
            }
        }
        if phase.load(Ordering::Relaxed) == STOPPING {
            return Ok(tally);
        }
    }
}
