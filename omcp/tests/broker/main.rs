//! OMCP through a real RabbitMQ: requests and responses (also between two processes),
//! notifications, message groups, timeouts, concurrency, the bytes on the broker, and the
//! edges where the original was seen to differ (path parameters, one server per module,
//! queries in message groups, XML bodies).
//! `scripts/rabbitmq.sh` starts the broker (`scripts/test` does it before the tests);
//! without one these tests fail and say so.

#[path = "../support/mod.rs"]
mod support;

mod groups;
mod limits;
mod one_server;
mod paths;
mod peer;
mod requests;
mod tcp_relay;
mod typed;
mod wire;
mod xml;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use omcp::{Client, OmcpError, Server, StatusCode};
use support::{delete, init_logs, require_broker, unique, url, within};

/// Set in the environment of the child process; names the module it serves.
const CHILD_MODULE: &str = "OMCP_TEST_CHILD_MODULE";
/// What the child prints once it serves.
const CHILD_READY: &str = "omcp-test-child-ready";

/// The module both processes serve, each under a name of its own.
#[omcp::module(name = "relay", crate = "omcp")]
pub trait Relay {
    /// The id of the process that serves the module.
    #[get("/process")]
    async fn process(&self) -> Result<u32, OmcpError>;

    /// The text, upper-cased.
    #[post("/upper")]
    async fn upper(&self, body: String) -> Result<String, OmcpError>;

    /// Asks `module` which process serves it: a module calling another one.
    #[get("/ask/{module}")]
    async fn ask(&self, module: String) -> Result<u32, OmcpError>;
}

struct Relayed {
    client: Client,
}

impl Relay for Relayed {
    async fn process(&self) -> Result<u32, OmcpError> {
        Ok(std::process::id())
    }

    async fn upper(&self, body: String) -> Result<String, OmcpError> {
        Ok(body.to_uppercase())
    }

    async fn ask(&self, module: String) -> Result<u32, OmcpError> {
        // A failure of the other module is answered as this route's (From<TypedCallError>).
        Ok(RelayClient::with_module(&self.client, &module).process().await?)
    }
}

/// Serves [`Relay`] as `name`; its routes call other modules with their own client.
async fn serve_relay(name: &str) -> (omcp::ServerHandle, Client) {
    let client = Client::builder(url()).source(name).connect().await.unwrap();
    let relay = RelayServer::new(Relayed { client: client.clone() });
    let server = Server::builder(url()).module(relay).name(name).build().await.unwrap().spawn();
    (server, client)
}

/// The second process of `request_response_across_two_processes`: serves a module until
/// its standard input closes. Does nothing when run by hand.
#[test]
#[ignore = "the module process that request_response_across_two_processes starts"]
fn child_module_process() {
    let Ok(name) = std::env::var(CHILD_MODULE) else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (server, client) = serve_relay(&name).await;
        println!("{CHILD_READY}");
        // Until the parent closes our standard input (or dies).
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await;
        client.close().await;
        server.shutdown().await;
    });
}

/// Two processes serve a `#[module]` module each and call each other through the broker.
#[tokio::test]
async fn request_response_across_two_processes() {
    init_logs();
    require_broker().await;
    let (parent, child_name) = (unique("parent"), unique("child"));
    let (server, client) = serve_relay(&parent).await;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_module_process", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_MODULE, &child_name)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the test binary starts again as the module process");
    let stdout = child.stdout.take().unwrap();
    let ready = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let ready = lines.by_ref().map_while(Result::ok).any(|line| line.contains(CHILD_READY));
        // Keep reading so that the child never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        ready
    });
    assert!(within(60, "the module process start", ready).await.unwrap(), "the module process exited before serving");

    // The parent calls the child's module with the typed client…
    let relay = RelayClient::with_module(&client, &child_name);
    let child_pid = relay.process().await.unwrap();
    assert_eq!(child_pid, child.id());
    assert_ne!(child_pid, std::process::id());
    assert_eq!(relay.upper(&"across processes".to_owned()).await.unwrap(), "ACROSS PROCESSES");
    // … and the child's module calls the parent's: a request each way.
    assert_eq!(relay.ask(&parent).await.unwrap(), std::process::id());
    let missing = relay.ask(&unique("nobody")).await.unwrap_err();
    assert_eq!(missing.status(), Some(StatusCode::NotFound), "{missing}");

    // The untyped view of the same exchange.
    let response = client.get(&format!("omcp://{child_name}/process")).await.unwrap();
    assert_eq!((response.status, response.body), (StatusCode::Ok, child_pid.to_string()));
    assert_eq!(response.module.as_deref(), Some(child_name.as_str()));
    let unknown = client.get(&format!("omcp://{child_name}/nothing")).await.unwrap();
    assert_eq!(unknown.status, StatusCode::NotFound);

    drop(child.stdin.take());
    let exited = tokio::task::spawn_blocking(move || child.wait());
    let status = within(30, "the module process exit", exited).await.unwrap().unwrap();
    assert!(status.success(), "the module process failed: {status}");
    client.close().await;
    server.shutdown().await;
    delete(&[&omcp::queue_name(&parent), &omcp::queue_name(&child_name)], &[]).await;
}
