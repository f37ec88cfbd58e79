//! OMCP through a real RabbitMQ: requests and responses (also between two processes),
//! notifications, message groups, timeouts, concurrency, the bytes on the broker.
//! `scripts/rabbitmq.sh` starts the broker (`scripts/test` does it before the tests);
//! without one these tests fail and say so.

#[path = "../support/mod.rs"]
mod support;

mod groups;
mod limits;
mod requests;
mod typed;
mod wire;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use omcp::{Method, Request, Response, Server, Status};
use support::{delete, init_logs, require_broker, unique, url, within};

/// Set in the environment of the child process; names the module it serves.
const CHILD_MODULE: &str = "OMCP_TEST_CHILD_MODULE";
/// What the child prints once it serves.
const CHILD_READY: &str = "omcp-test-child-ready";

/// The second process of `request_response_across_two_processes`: serves a module until
/// its standard input closes. Does nothing when run by hand.
#[test]
#[ignore = "the module process that request_response_across_two_processes starts"]
fn child_module_process() {
    let Ok(name) = std::env::var(CHILD_MODULE) else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let handler = |request: Request| async move {
            match (request.method, request.path()) {
                (Method::Get, "/process") => Response::ok("text/plain", std::process::id().to_string()),
                (Method::Post, "/upper") => Response::ok("text/plain", request.body.to_uppercase()),
                _ => Response::error(Status::NotFound, format!("no {}", request.path())),
            }
        };
        let server = Server::builder(url()).handler(name, handler).build().await.unwrap().spawn();
        println!("{CHILD_READY}");
        // Until the parent closes our standard input (or dies).
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await;
        server.shutdown().await;
    });
}

#[tokio::test]
async fn request_response_across_two_processes() {
    init_logs();
    require_broker().await;
    let name = unique("two-processes");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_module_process", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_MODULE, &name)
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

    let client = omcp::Client::builder(url()).source("parent").connect().await.unwrap();
    let response = client.get(&format!("omcp://{name}/process")).await.unwrap();
    assert_eq!(response.status, Status::Ok, "{response:?}");
    let child_pid: u32 = response.body.parse().unwrap();
    assert_eq!(child_pid, child.id());
    assert_ne!(child_pid, std::process::id());
    assert_eq!(response.module.as_deref(), Some(name.as_str()));

    let upper = client.post(&format!("omcp://{name}/upper"), "text/plain", "across processes").await.unwrap();
    assert_eq!((upper.status, upper.body.as_str()), (Status::Ok, "ACROSS PROCESSES"));
    let missing = client.get(&format!("omcp://{name}/nothing")).await.unwrap();
    assert_eq!((missing.status, missing.error.as_deref()), (Status::NotFound, Some("no /nothing")));

    drop(child.stdin.take());
    let exited = tokio::task::spawn_blocking(move || child.wait());
    let status = within(30, "the module process exit", exited).await.unwrap().unwrap();
    assert!(status.success(), "the module process failed: {status}");
    client.close().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}
