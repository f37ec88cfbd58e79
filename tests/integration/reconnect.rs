//! The typed client's reconnect policy: after the server comes back on the same address,
//! subscriptions and calls work again. Without a policy the client stays closed.

use std::time::Duration;

use osmp::session::SessionConfig;
use serde_json::{json, Value};

use crate::support::*;

fn ticking() -> TestSet {
    TestSet::new("ticking").event("tick", "A tick of the server's clock")
}

fn no_batching() -> SessionConfig {
    let mut config = SessionConfig::default();
    config.event_batch_window = Duration::ZERO;
    config
}

async fn ticking_server(bind: &str) -> ServerHandle {
    plain_server(|b| b.bind(bind).instruction_set(ticking()).session_config(no_batching())).await
}

#[tokio::test]
async fn the_client_reconnects_and_its_subscription_continues() {
    let first = ticking_server("127.0.0.1:0").await;
    let addr = first.local_addr().to_string();
    let client = Client::builder(first.url())
        .reconnect(ReconnectPolicy {
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            max_attempts: None,
        })
        .connect()
        .await
        .expect("connects");
    let mut ticks = client.subscribe("tick").await.expect("subscribed");
    assert_eq!(first.events().emit("tick", &json!({"server": 1})).expect("declared"), 1);
    let tick = bounded("a tick", ticks.next()).await.expect("open");
    assert_eq!(tick.data.expect("data").to_value(), json!({"server": 1}));

    first.shutdown().await;
    let second = ticking_server(&addr).await;
    assert_eq!(second.local_addr().to_string(), addr);

    // The client reconnects and subscribes again by itself; until then nobody receives.
    let bus = second.events().clone();
    eventually("the client subscribed on the new server", || {
        let bus = bus.clone();
        async move { bus.emit("tick", &json!({"server": 2})).expect("declared") == 1 }
    })
    .await;
    let tick =
        bounded("a tick from the new server", ticks.next()).await.expect("the subscription outlives the connection");
    assert_eq!(tick.data.expect("data").to_value(), json!({"server": 2}));

    let data: Value = client.call_as("echo", &json!({"token": "again"})).await.expect("calls work again");
    assert_eq!(data["token"], "again");
    assert!(client.is_connected());
    second.shutdown().await;
}

#[tokio::test]
async fn calls_in_flight_fail_when_the_connection_drops_even_with_a_policy() {
    let first = ticking_server("127.0.0.1:0").await;
    let addr = first.local_addr().to_string();
    let client = Client::builder(first.url())
        .reconnect(ReconnectPolicy {
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            max_attempts: None,
        })
        .connect()
        .await
        .expect("connects");
    let mut call = client.start("wait", &()).await.expect("starts");
    let nr = call.nr();
    eventually("the wait runs", || async { active_nrs(&client).await == vec![nr] }).await;
    first.shutdown().await;
    // The graceful shutdown answered the wait before closing.
    assert_eq!(bounded("the stream ends", call.next()).await.map(|r| r.is_ok()), None);
    let response = call.response().await.expect("answered");
    assert_eq!(response.result.as_deref(), Some("Cancelled"));

    let second = ticking_server(&addr).await;
    eventually("the client is back", || async { client.call("echo", &()).await.is_ok() }).await;
    second.shutdown().await;
}

#[tokio::test]
async fn without_a_policy_the_client_stays_closed() {
    let server = ticking_server("127.0.0.1:0").await;
    let client = client(&server).await;
    let mut ticks = client.subscribe("tick").await.expect("subscribed");
    assert!(client.is_connected());
    server.shutdown().await;
    bounded("closed() completes after the loss", client.closed()).await;
    assert!(!client.is_connected());
    assert!(bounded("the subscription ends", ticks.next()).await.is_none(), "no more events");
    let error = client.call("echo", &()).await.expect_err("closed");
    assert!(matches!(error, CallError::Closed { .. }), "{error:?}");
}

#[tokio::test]
async fn a_policy_with_limited_attempts_gives_up() {
    let server = ticking_server("127.0.0.1:0").await;
    let client = Client::builder(server.url())
        .reconnect(ReconnectPolicy {
            initial_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(40),
            max_attempts: Some(3),
        })
        .connect()
        .await
        .expect("connects");
    server.shutdown().await;
    bounded("the client gives up", client.closed()).await;
    assert!(!client.is_connected());
}

#[tokio::test]
async fn a_limited_subscription_stays_limited_after_a_reconnect() {
    let first = ticking_server("127.0.0.1:0").await;
    let addr = first.local_addr().to_string();
    let client = Client::builder(first.url())
        .reconnect(ReconnectPolicy {
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            max_attempts: None,
        })
        .connect()
        .await
        .expect("connects");
    let _ticks = client.subscribe_for("tick", Duration::from_secs(600)).await.expect("subscribed");
    first.shutdown().await;
    let second = ticking_server(&addr).await;
    let bus = second.events().clone();
    eventually("the client subscribed on the new server", || {
        let bus = bus.clone();
        async move { bus.emit("tick", &json!({})).expect("declared") == 1 }
    })
    .await;
    let data: Value = client.call_as("event-list", &()).await.expect("event-list");
    let now: chrono::DateTime<chrono::FixedOffset> = data["now"].as_str().expect("now").parse().expect("a date-time");
    let until: chrono::DateTime<chrono::FixedOffset> =
        data["events"][0]["subscribed-until"].as_str().expect("subscribed").parse().expect("a date-time");
    let minutes = until.signed_duration_since(now).num_minutes();
    assert!(
        (1..=10).contains(&minutes),
        "subscribed for {minutes} minutes after the reconnect, not what is left of 10"
    );
    second.shutdown().await;
}
