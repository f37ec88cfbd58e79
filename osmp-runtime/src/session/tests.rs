//! The engine driven over channels, without sockets: what any transport gets.

use std::sync::Arc;
use std::time::Duration;

use futures_channel::mpsc;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::{run, IncomingCommand, PeerHandler, Reply, Session, SessionConfig, SessionSetup, SessionShared};
use crate::limits::Limits;
use crate::transport::{CloseReason, Frame};
use crate::wire::{Payload, Status};

/// A handler's running command.
type Running = std::pin::Pin<Box<dyn std::future::Future<Output = Reply> + Send>>;

/// `OK` with data, or with nothing at all.
fn ok_with(data: Option<Payload>) -> Reply {
    Reply { status: Status::Ok, result: None, data, close: None }
}

/// Answers `echo` at once, `sleep` after its data's milliseconds or when cancelled,
/// `boom` by panicking; anything else is unknown.
struct TestHandler;

impl PeerHandler for TestHandler {
    type Future = Running;

    fn dispatch(&self, _session: &Session, command: IncomingCommand) -> Running {
        let data = command.data.map(|data| data.to_value()).unwrap_or(Value::Null);
        match command.id {
            "echo" if data.is_null() => Box::pin(async { ok_with(None) }),
            "echo" => Box::pin(async move { ok_with(Some(Payload::from_value(&data))) }),
            "sleep" => Box::pin(async move {
                let millis = data["ms"].as_u64().unwrap_or(60_000);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(millis)) => Reply::ok("slept"),
                    () = command.token.cancelled() => Reply::ok("Cancelled"),
                }
            }),
            "stubborn" => Box::pin(async move {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                ok_with(None)
            }),
            "boom" => Box::pin(async move { panic!("handler bug") }),
            "dispatch-boom" => panic!("bug while decoding parameters"),
            other => Box::pin(std::future::ready(Reply::error(format!("Error: command '{other}' not found")))),
        }
    }
}

struct Harness {
    to_engine: mpsc::Sender<Result<Frame, CloseReason>>,
    from_engine: mpsc::Receiver<Frame>,
    session: Session,
    shutdown: CancellationToken,
    engine: tokio::task::JoinHandle<String>,
    /// How long to wait for a frame: long when the clock is paused (it then advances to the
    /// next timer at once), short otherwise.
    patience: Duration,
}

impl Harness {
    /// An engine on a real clock.
    fn start(config: SessionConfig) -> Harness {
        Harness::with(config, Limits::default(), Duration::from_secs(5))
    }

    /// An engine in a test with `start_paused = true`: the clock jumps to the next timer
    /// whenever everything waits, so waiting long costs nothing.
    fn paused(config: SessionConfig) -> Harness {
        Harness::paused_with(config, Limits::default())
    }

    /// [`paused`](Self::paused) with other limits.
    fn paused_with(config: SessionConfig, limits: Limits) -> Harness {
        Harness::with(config, limits, Duration::from_secs(600))
    }

    fn with(config: SessionConfig, limits: Limits, patience: Duration) -> Harness {
        let (to_engine, reader) = mpsc::channel(64);
        let (writer, from_engine) = mpsc::channel(64);
        let session = Session(SessionShared::new(SessionSetup::new(None, Arc::new(config), Arc::new(limits))));
        let shutdown = CancellationToken::new();
        let engine = tokio::spawn(run(session.clone(), Arc::new(TestHandler), reader, writer, shutdown.clone()));
        Harness { to_engine, from_engine, session, shutdown, engine, patience }
    }

    async fn send(&mut self, text: &str) {
        self.to_engine.send(Ok(Frame::Text(text.into()))).await.unwrap();
    }

    async fn recv(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(self.patience, self.from_engine.next()).await.unwrap().unwrap();
            if let Frame::Text(text) = frame {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    async fn recv_frame(&mut self) -> Frame {
        tokio::time::timeout(self.patience, self.from_engine.next()).await.unwrap().unwrap()
    }
}

fn quiet_config() -> SessionConfig {
    SessionConfig { ping_interval: None, ..SessionConfig::default() }
}

#[tokio::test]
async fn answers_in_completion_order_with_increasing_numbers() {
    let mut h = Harness::start(quiet_config());
    h.send(r#"{"nr":1,"type":"cmd","id":"sleep","data":{"ms":50}}"#).await;
    h.send(r#"{"nr":2,"type":"cmd","id":"echo","data":{"token":"hi"}}"#).await;
    let first = h.recv().await;
    let second = h.recv().await;
    assert_eq!((first["cmd-nr"].clone(), second["cmd-nr"].clone()), (json!(2), json!(1)));
    assert_eq!(first["data"], json!({"token": "hi"}));
    assert_eq!(second["result"], "slept");
    assert_eq!(second["nr"].as_u64().unwrap(), first["nr"].as_u64().unwrap() + 1);
}

#[tokio::test]
async fn reports_undecodable_input_and_carries_on() {
    let mut h = Harness::start(quiet_config());
    h.send("hello?").await;
    let error = h.recv().await;
    assert_eq!((error["type"].as_str(), error["id"].as_str()), (Some("event"), Some("error")));
    let description = error["data"]["description"].as_str().unwrap();
    assert!(description.starts_with("Unable to decode message, wrong formatting? Got this: 'hello?'"), "{description}");
    h.send(r#"{"nr":3,"type":"cmd","id":"echo"}"#).await;
    assert_eq!(h.recv().await["status"], "OK");
}

#[tokio::test]
async fn cancels_and_still_answers() {
    let mut h = Harness::start(quiet_config());
    for nr in 1..=3 {
        h.send(&format!(r#"{{"nr":{nr},"type":"cmd","id":"sleep"}}"#)).await;
    }
    h.send(r#"{"type":"cancel","nr":4,"data":{"cmds":[2]}}"#).await;
    let cancelled = h.recv().await;
    assert_eq!((cancelled["cmd-nr"].as_u64(), cancelled["result"].as_str()), (Some(2), Some("Cancelled")));
    h.send(r#"{"type":"cancel","nr":5,"data":{"cmds":"*"}}"#).await;
    let mut rest = [h.recv().await["cmd-nr"].as_u64().unwrap(), h.recv().await["cmd-nr"].as_u64().unwrap()];
    rest.sort_unstable();
    assert_eq!(rest, [1, 3]);
    assert!(h.session.active_commands().is_empty());
}

#[tokio::test]
async fn a_panicking_handler_gets_an_error_response() {
    let mut h = Harness::start(quiet_config());
    h.send(r#"{"nr":1,"type":"cmd","id":"boom"}"#).await;
    let response = h.recv().await;
    assert_eq!(response["status"], "ERROR");
    assert_eq!(response["result"], "Internal error: command 'boom' failed unexpectedly");
    h.send(r#"{"nr":2,"type":"cmd","id":"dispatch-boom"}"#).await;
    let response = h.recv().await;
    assert_eq!((response["cmd-nr"].as_u64(), response["status"].as_str()), (Some(2), Some("ERROR")));
    h.send(r#"{"nr":3,"type":"cmd","id":"echo"}"#).await;
    assert_eq!(h.recv().await["status"], "OK", "the session survives both panics");
}

#[tokio::test(start_paused = true)]
async fn abandons_a_handler_that_ignores_cancellation() {
    let mut limits = Limits::default();
    limits.commands.cancel_grace = Duration::from_secs(2);
    let mut h = Harness::paused_with(quiet_config(), limits);
    h.send(r#"{"nr":1,"type":"cmd","id":"stubborn"}"#).await;
    h.send(r#"{"type":"cancel","nr":2,"data":{"cmds":[1]}}"#).await;
    let response = h.recv().await;
    assert_eq!((response["status"].as_str(), response["result"].as_str()), (Some("OK"), Some("Cancelled")));
}

#[tokio::test]
async fn refuses_duplicate_numbers_and_too_many_commands() {
    let mut limits = Limits::default();
    limits.commands.max_active = 1;
    let mut h = Harness::with(quiet_config(), limits, Duration::from_secs(5));
    h.send(r#"{"nr":1,"type":"cmd","id":"sleep"}"#).await;
    h.send(r#"{"nr":1,"type":"cmd","id":"sleep"}"#).await;
    let duplicate = h.recv().await;
    assert_eq!(duplicate["id"], "error", "a duplicate nr is reported as an error event: {duplicate}");
    h.send(r#"{"nr":2,"type":"cmd","id":"sleep"}"#).await;
    let refused = h.recv().await;
    assert_eq!((refused["cmd-nr"].as_u64(), refused["status"].as_str()), (Some(2), Some("ERROR")));
    assert_eq!(refused["result"], "Too many active commands (limit 1)");
}

#[tokio::test(start_paused = true)]
async fn sends_session_status_while_commands_run() {
    let mut h = Harness::paused(quiet_config());
    h.send(r#"{"nr":7,"type":"cmd","id":"sleep","data":{"ms":12000}}"#).await;
    let status = h.recv().await;
    assert_eq!(status["id"], "session-status");
    assert_eq!(status["data"]["active-cmds"], json!([7]));
    let next = h.recv().await;
    assert_eq!(next["id"], "session-status", "every 5 s while it runs");
    assert_eq!(h.recv().await["cmd-nr"], 7);
}

#[tokio::test]
async fn graceful_shutdown_answers_then_closes() {
    let mut h = Harness::start(quiet_config());
    h.send(r#"{"nr":1,"type":"cmd","id":"sleep"}"#).await;
    tokio::task::yield_now().await;
    h.shutdown.cancel();
    let response = h.recv().await;
    assert_eq!((response["cmd-nr"].as_u64(), response["result"].as_str()), (Some(1), Some("Cancelled")));
    match h.recv_frame().await {
        Frame::Close(Some(reason)) => assert_eq!(reason.code, 1001),
        other => panic!("expected a close frame, got {other:?}"),
    }
    drop(h.to_engine);
    let reason = tokio::time::timeout(Duration::from_secs(5), h.engine).await.unwrap().unwrap();
    assert!(!reason.is_empty());
}

#[tokio::test(start_paused = true)]
async fn pings_and_drops_a_silent_peer() {
    let config = SessionConfig { ping_interval: Some(Duration::from_secs(10)), ..SessionConfig::default() };
    let mut limits = Limits::default();
    limits.connections.dead_peer_timeout = Duration::from_secs(25);
    let mut h = Harness::paused_with(config, limits);
    assert!(matches!(h.recv_frame().await, Frame::Ping(_)));
    assert!(matches!(h.recv_frame().await, Frame::Ping(_)));
    // No pong ever came back: after the third interval the peer counts as dead.
    let reason = tokio::time::timeout(h.patience, h.engine).await.unwrap().unwrap();
    assert!(reason.contains("no sign of life"), "{reason}");
}

#[tokio::test]
async fn transport_failure_ends_the_session_and_fails_calls() {
    let mut h = Harness::start(quiet_config());
    let call = super::OutgoingCall::start(&h.session.0, "confirm", None, None, false).unwrap();
    let sent = h.recv().await;
    assert_eq!((sent["type"].as_str(), sent["id"].as_str()), (Some("cmd"), Some("confirm")));
    h.to_engine.send(Err(CloseReason { code: 1009, reason: "message too big".into() })).await.unwrap();
    let error = tokio::time::timeout(Duration::from_secs(5), call.response()).await.unwrap().unwrap_err();
    assert!(matches!(error, super::CallError::Closed { .. }), "{error}");
    assert!(tokio::time::timeout(Duration::from_secs(5), h.session.closed()).await.is_ok());
}

/// A transport's writing half that counts its flushes (each one a write to the socket).
struct CountingSink {
    frames: mpsc::UnboundedSender<Frame>,
    flushes: Arc<std::sync::atomic::AtomicUsize>,
}

impl futures_util::Sink<Frame> for CountingSink {
    type Error = std::convert::Infallible;

    fn poll_ready(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn start_send(self: std::pin::Pin<&mut Self>, frame: Frame) -> Result<(), Self::Error> {
        let _ = self.frames.unbounded_send(frame);
        Ok(())
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.flushes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Answers every command at once, after keeping the reader busy for 2 ms (as decoding
/// a large parameter would).
struct Sluggish;

impl PeerHandler for Sluggish {
    type Future = Running;

    fn dispatch(&self, _session: &Session, _command: IncomingCommand) -> Running {
        std::thread::sleep(Duration::from_millis(2));
        Box::pin(std::future::ready(ok_with(None)))
    }
}

/// What the engine's performance rests on: the replies to every frame one read brought go
/// out together, in one write, as a hand-written server's would, even on two workers and
/// with a reader kept busy (a writer free to run beside the reader could write the first
/// reply alone while the reader is still at the second).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replies_to_what_one_read_brought_leave_in_one_write() {
    let (mut to_engine, reader) = mpsc::channel(64);
    for nr in 1..=16 {
        to_engine.send(Ok(Frame::Text(format!(r#"{{"nr":{nr},"type":"cmd","id":"echo"}}"#).into()))).await.unwrap();
    }
    let (frames, mut written) = mpsc::unbounded();
    let flushes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writer = CountingSink { frames, flushes: flushes.clone() };
    let session = Session(SessionShared::new(SessionSetup::new(None, Arc::new(quiet_config()), Arc::default())));
    let shutdown = CancellationToken::new();
    let engine = tokio::spawn(run(session, Arc::new(Sluggish), reader, writer, shutdown.clone()));
    for nr in 1..=16 {
        let frame = tokio::time::timeout(Duration::from_secs(5), written.next()).await.unwrap().unwrap();
        let Frame::Text(text) = frame else { panic!("a response, not {frame:?}") };
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["cmd-nr"], nr);
    }
    assert_eq!(flushes.load(std::sync::atomic::Ordering::SeqCst), 1, "sixteen replies, one write");
    shutdown.cancel();
    drop(to_engine);
    tokio::time::timeout(Duration::from_secs(5), engine).await.unwrap().unwrap();
}
