//! What the tests share: a real server running inside the test process, and the real
//! `osmp` binary run against it as a child process.
//!
//! The server is in-process (`Server::builder()…spawn()` on a runtime of its own) rather
//! than the demo server example run as a child: it starts in milliseconds on an ephemeral
//! port, needs no `cargo build --example` from inside a test (the example binary is not a
//! dependency of this package's tests, so it may be missing or stale), hands the test its
//! URL and fingerprint directly instead of through a parsed stdout line, and lets the test
//! emit events and serve a domain set made for the tests (streams, failures, a command that
//! ignores cancellation). The binary under test is the real one, talking over real sockets.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use osmp::auth::Users;
pub use osmp::prelude::*;
use serde_json::{json, Value};

/// Every wait in the tests is bounded by this.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The lab of the tests.
///
/// It counts, fails, shows and holds.
///
/// (A domain set for the tests: a command with every kind of stream message, one that
/// fails, one that shows its parameters, one that ignores cancellation, and an event.)
#[osmp::instruction_set(name = "lab", version = 2)]
pub trait Lab {
    /// Counts to a number, streaming every kind of stream message.
    ///
    /// Sends progress for each step, then a line, a text fragment, structured data,
    /// indeterminate progress and progress-complete.
    async fn count(&self, cx: CommandContext, #[param(doc = "Where to stop")] to: u64)
        -> Result<Outcome, CommandError>;

    /// Always fails: the lab is closed.
    async fn fail(&self) -> Result<(), CommandError>;

    /// Returns its parameters.
    async fn show(
        &self,
        #[param(doc = "Anything")] a: Option<serde_json::Value>,
        #[param(doc = "Anything else")] b: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, CommandError>;

    /// Takes its time to stop when cancelled.
    async fn stubborn(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Runs until cancelled (as `wait` does), counted when it starts so that a test knows.
    async fn hold(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// A bell rang.
    #[event]
    fn ding(#[param(doc = "Which ring")] n: u64);
}

/// The lab; counts the `hold` and `stubborn` commands that have started.
pub struct LabImpl {
    started: Arc<AtomicUsize>,
}

impl Lab for LabImpl {
    async fn count(&self, cx: CommandContext, to: u64) -> Result<Outcome, CommandError> {
        let streamed = async {
            for n in 1..=to {
                cx.progress_message(n, to, format!("step {n}")).await?;
            }
            cx.line("a line").await?;
            cx.text("a fragment").await?;
            cx.stream(&json!({"record": 1, "level": "info"})).await?;
            cx.progress_indeterminate("tidying up").await?;
            cx.progress_complete().await
        };
        streamed.await.map_err(|error| CommandError::internal(error.to_string()))?;
        Outcome::data(&json!({"counted": to})).map(|outcome| outcome.with_text(format!("Counted to {to}")))
    }

    async fn fail(&self) -> Result<(), CommandError> {
        Err(CommandError::new("the lab is closed"))
    }

    async fn show(&self, a: Option<Value>, b: Option<Value>) -> Result<Value, CommandError> {
        Ok(json!({"a": a, "b": b}))
    }

    async fn stubborn(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        cx.cancelled().await;
        tokio::time::sleep(Duration::from_secs(4)).await;
        Ok(Outcome::text("Finally cancelled"))
    }

    async fn hold(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        self.started.fetch_add(1, Ordering::SeqCst);
        cx.cancelled().await;
        Ok(Outcome::text("Cancelled"))
    }
}

/// A server running on its own runtime inside the test process.
pub struct TestServer {
    pub handle: ServerHandle,
    /// The PEM certificate of a TLS server.
    pub certificate: Option<String>,
    runtime: tokio::runtime::Runtime,
    started: Arc<AtomicUsize>,
}

impl TestServer {
    /// A plain `ws://` server with the standard and lab sets.
    pub fn plain() -> TestServer {
        TestServer::start(|builder| builder.no_tls())
    }

    /// A `wss://` server with a self-signed certificate.
    pub fn tls() -> TestServer {
        let identity = ServerTls::self_signed(Vec::<String>::new()).expect("a certificate");
        let certificate = identity.certificate_pem().to_owned();
        let mut server = TestServer::start(|builder| builder.tls(identity));
        server.certificate = Some(certificate);
        server
    }

    /// A plain server where user `jon` (password `secret`) must log in.
    pub fn with_auth() -> TestServer {
        TestServer::start(|builder| {
            let mut users = Users::new();
            users.add_password("jon", "secret").expect("a user");
            builder.no_tls().users(users).require_auth()
        })
    }

    pub fn start(configure: impl FnOnce(ServerBuilder) -> ServerBuilder) -> TestServer {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a runtime");
        let started = Arc::new(AtomicUsize::new(0));
        let lab = LabImpl { started: started.clone() };
        let handle = runtime.block_on(async {
            configure(Server::builder().instruction_set(LabServer::new(lab)))
                .build()
                .await
                .expect("the server binds")
                .spawn()
        });
        TestServer { handle, certificate: None, runtime, started }
    }

    pub fn url(&self) -> String {
        self.handle.url()
    }

    pub fn fingerprint(&self) -> String {
        self.handle.fingerprint().expect("a TLS server").to_string()
    }

    /// Emits `ding` to the subscribed sessions; how many got it.
    pub fn ding(&self, n: u64) -> usize {
        let _context = self.runtime.enter();
        self.handle.events().emit("ding", &json!({ "n": n })).expect("ding is declared")
    }

    /// Waits until `count` `hold` or `stubborn` commands have started, in all.
    pub fn wait_for_started(&self, count: usize) {
        eventually("commands to start", || self.started.load(Ordering::SeqCst) >= count);
    }

    /// Waits until `count` sessions are connected.
    pub fn wait_for_sessions(&self, count: usize) {
        eventually("sessions to connect", || self.handle.session_count() >= count);
    }
}

/// Polls `condition` every 20 ms; panics after [`PATIENCE`].
#[track_caller]
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The binary under test.
pub fn osmp() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_osmp"));
    command.env_remove("OSMP_PASSWORD").env("HOME", std::env::temp_dir()).env("NO_COLOR", "1");
    command
}

/// What a finished run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Asserts the exit code, showing the output when it is not the expected one.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(self.code(), Some(code), "unexpected exit code; stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Stdout as JSON lines.
    #[track_caller]
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}")))
            .collect()
    }
}

/// Runs `osmp ARGS…` to completion (bounded by [`PATIENCE`]).
pub fn run(args: &[&str]) -> Run {
    run_with(osmp().args(args), None)
}

/// Runs a prepared command, feeding it `stdin`, to completion (bounded by [`PATIENCE`]).
pub fn run_with(command: &mut Command, stdin: Option<&str>) -> Run {
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("osmp starts");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    finish(child)
}

/// Waits for a child to exit (killing it after [`PATIENCE`]) and collects its output.
pub fn finish(mut child: Child) -> Run {
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().expect("output");
            panic!(
                "osmp did not exit within {PATIENCE:?}; stdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("output");
    Run {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Sends SIGINT to a child, as Ctrl-C on its terminal would.
#[cfg(unix)]
pub fn interrupt(child: &Child) {
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success(), "kill -INT failed");
}

/// A scratch file that is removed when dropped.
pub struct TempFile(pub PathBuf);

impl TempFile {
    pub fn with(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!("osmp-cli-test-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).expect("write a temporary file");
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
