//! A module and a client survive a broker restart: they reconnect and go on with the same
//! handler, subscriptions included. The request in flight at the restart fails with
//! `ConnectionLost`. Restarts the broker with `scripts/rabbitmq.sh restart` (the node's
//! process stops and a new one starts), so it runs in a test binary of its own: test
//! binaries run one at a time.

mod support;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use omcp::{Client, Method, Reconnect, Request, RequestError, Response, Server, StatusCode};
use support::{delete, init_logs, require_broker, unique, url, within};
use tokio::sync::{mpsc, Notify};

/// Restarts the broker that `scripts/rabbitmq.sh` started, and waits until it answers.
fn restart_broker() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/rabbitmq.sh");
    let status = Command::new(&script).arg("restart").status().expect("scripts/rabbitmq.sh runs");
    assert!(
        status.success(),
        "`scripts/rabbitmq.sh restart` failed ({status}): this test restarts the broker that `scripts/rabbitmq.sh` started"
    );
}

#[tokio::test]
async fn reconnects_after_the_broker_restarts() {
    init_logs();
    require_broker().await;
    let name = unique("restarted");
    let group = unique("restart-alerts");
    let counted = Arc::new(AtomicU64::new(0));
    let (held_sender, mut held) = mpsc::unbounded_channel();
    let release = Arc::new(Notify::new());
    let (notified_sender, mut notified) = mpsc::unbounded_channel();
    let handler = {
        let (counted, release) = (Arc::clone(&counted), Arc::clone(&release));
        move |request: Request| {
            let (counted, release, held, notified) =
                (Arc::clone(&counted), Arc::clone(&release), held_sender.clone(), notified_sender.clone());
            async move {
                match (request.method, request.path()) {
                    (Method::Get, "/count") => {
                        Response::ok("text/plain", (counted.fetch_add(1, Ordering::SeqCst) + 1).to_string())
                    }
                    (Method::Get, "/hold") => {
                        let _ = held.send(());
                        release.notified().await;
                        Response::ok_empty()
                    }
                    (Method::Notify, path) => {
                        let _ = notified.send(path.to_owned());
                        Response::ok_empty()
                    }
                    _ => Response::error(StatusCode::NotFound, "no such resource"),
                }
            }
        }
    };
    let fast = Reconnect { initial_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
    let server = Server::builder(url())
        .handler(&name, handler)
        .subscribe(format!("omcp://{group}.messagegroup/#"))
        .reconnect(fast)
        .build()
        .await
        .unwrap()
        .spawn();
    let client = Client::builder(url()).timeout(Duration::from_secs(60)).reconnect(fast).connect().await.unwrap();
    let count = format!("omcp://{name}/count");
    assert_eq!(client.get(&count).await.unwrap().body, "1");

    // A request whose handler is still running when the broker goes away.
    let in_flight = tokio::spawn({
        let client = client.clone();
        let hold = format!("omcp://{name}/hold");
        async move { client.get(&hold).await }
    });
    within(10, "the held request", held.recv()).await.unwrap();

    within(180, "the broker restart", tokio::task::spawn_blocking(restart_broker)).await.unwrap();
    let lost = within(30, "the request in flight", in_flight).await.unwrap();
    assert!(matches!(lost, Err(RequestError::ConnectionLost)), "{lost:?}");
    release.notify_one();

    // Sent while the client may still be reconnecting: it waits for the connection.
    assert_eq!(within(60, "a request after the restart", client.get(&count)).await.unwrap().body, "2");
    within(60, "the server's reconnection", server.wait_connected(2)).await;
    within(60, "the client's reconnection", client.wait_connected(2)).await;
    assert_eq!((server.connections(), client.connections()), (2, 2));
    assert!(server.is_connected() && client.is_connected());

    // The subscription came back with the queue's binding.
    client.notify_to(&format!("omcp://{group}.messagegroup/after/restart"), "text/plain", "").await.unwrap();
    assert_eq!(within(10, "the group notification", notified.recv()).await.unwrap(), "/after/restart");

    client.close().await;
    server.shutdown().await;
    delete(&[&omcp::queue_name(&name)], &[&omcp::queue_name(&format!("{group}.messagegroup"))]).await;
}
