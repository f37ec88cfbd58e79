//! Many requests at once, and the server's concurrency limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use omcp::{Client, Method, Request, Response, Server, StatusCode};
use tokio::sync::Barrier;

use crate::support::{delete, init_logs, require_broker, unique, url, within};

#[tokio::test]
async fn a_thousand_concurrent_requests() {
    init_logs();
    require_broker().await;
    let name = unique("squares");
    let handler = |request: Request| async move {
        match request.path().strip_prefix("/squares/").and_then(|n| n.parse::<u64>().ok()) {
            Some(n) => Response::ok("text/plain", (n * n).to_string()),
            None => Response::error(StatusCode::BadRequest, "not a number"),
        }
    };
    let server = Server::builder(url()).handler(&name, handler).build().await.unwrap().spawn();
    let client = Client::builder(url()).timeout(Duration::from_secs(90)).connect().await.unwrap();

    let calls = (0..1000u64).map(|n| {
        let client = client.clone();
        let address = format!("omcp://{name}/squares/{n}");
        async move { (n, client.get(&address).await) }
    });
    let responses = within(120, "1,000 requests", join_all(calls)).await;
    for (n, response) in responses {
        let response = response.unwrap_or_else(|error| panic!("request {n}: {error}"));
        assert_eq!((response.status, response.body), (StatusCode::Ok, (n * n).to_string()), "request {n}");
    }

    client.close().await;
    server.shutdown().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}

#[tokio::test]
async fn handlers_run_up_to_the_concurrency_limit() {
    init_logs();
    require_broker().await;
    const LIMIT: usize = 4;
    let name = unique("limited");
    let (active, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    // The handlers wait for each other in groups of LIMIT: with fewer at a time they would
    // wait forever (and the test fail at its deadline).
    let barrier = Arc::new(Barrier::new(LIMIT));
    let handler = {
        let (active, most) = (Arc::clone(&active), Arc::clone(&most));
        move |_: Request| {
            let (active, most, barrier) = (Arc::clone(&active), Arc::clone(&most), Arc::clone(&barrier));
            async move {
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                barrier.wait().await;
                active.fetch_sub(1, Ordering::SeqCst);
                Response::ok_empty()
            }
        }
    };
    let server = Server::builder(url()).handler(&name, handler).concurrency(LIMIT).build().await.unwrap().spawn();
    let client = Client::connect(url()).await.unwrap();

    let calls = (0..3 * LIMIT).map(|_| client.request(Request::new(Method::Get, &name, "/work")));
    for response in within(60, "the requests", join_all(calls)).await {
        assert_eq!(response.unwrap().status, StatusCode::Ok);
    }
    assert_eq!(most.load(Ordering::SeqCst), LIMIT);

    client.close().await;
    server.shutdown().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}
