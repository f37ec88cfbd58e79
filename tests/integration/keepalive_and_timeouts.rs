//! `session-status` keeps long commands alive; silence makes a typed call time out; a lost
//! connection fails every pending call.

use std::time::Duration;

use futures_util::future::join_all;
use osmp::session::SessionConfig;
use serde_json::{json, Value};

use crate::support::*;

/// A set whose `progress` command streams `steps` progress messages, `interval_ms` apart.
fn progressing() -> TestSet {
    TestSet::new("progressing").command("progress", |mut params, cx| async move {
        let steps: u64 = params.required("steps")?;
        let interval: u64 = params.required("interval-ms")?;
        for step in 1..=steps {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(interval)) => {}
                () = cx.cancelled() => return Ok(Outcome::text("Cancelled")),
            }
            cx.progress(step, steps).await?;
        }
        Ok(Outcome::text(format!("{steps} steps done")))
    })
}

/// A server session without `session-status`.
fn no_keepalive() -> SessionConfig {
    let mut config = SessionConfig::default();
    config.keepalive_interval = None;
    config
}

#[tokio::test]
async fn session_status_lists_long_commands_and_stops_when_none_run() {
    let server = plain_server(|b| b.session_config(quick_session())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "wait", Value::Null).await;
    peer.cmd(2, "wait", Value::Null).await;
    // (On a very busy machine the first report may come before the second wait started.)
    let status = loop {
        let status = peer.event("session-status").await;
        assert_fields(&status, &json!({"type": "event", "id": "session-status"}));
        let mut listed = cmd_list(&status);
        listed.sort_unstable();
        if listed == vec![1, 2] {
            break status;
        }
        assert_eq!(listed, vec![1], "{status}");
    };
    // It keeps coming while they run.
    let again = peer.event("session-status").await;
    assert!(again["nr"].as_u64() > status["nr"].as_u64(), "{again} after {status}");

    peer.send(r#"{"type":"cancel","nr":3,"data":{"cmds":[1]}}"#).await;
    peer.response_to(1).await;
    // A report prepared before the cancel may still name 1; a later one names only 2.
    loop {
        let status = peer.event("session-status").await;
        if cmd_list(&status) == vec![2] {
            break;
        }
        assert_eq!(cmd_list(&status), vec![1, 2], "{status}");
    }

    peer.send(r#"{"type":"cancel","nr":4,"data":{"cmds":[2]}}"#).await;
    peer.response_to(2).await;
    // A report taken just before the response may still follow it; the echo's response
    // is written after it, so from then on nothing may arrive.
    let echo = peer.call(5, "echo", json!({"token": 1})).await;
    assert_eq!(echo["status"], "OK");
    for message in peer.drain_backlog() {
        assert_eq!(message["id"], "session-status", "{message}");
    }
    // Three keepalive intervals of silence.
    assert_eq!(peer.silent_for(Duration::from_millis(900)).await, None);
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn short_commands_get_no_session_status() {
    let server = plain_server(|b| b.session_config(quick_session())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for nr in 1..=5 {
        let echo = peer.call(nr, "echo", json!({"token": nr})).await;
        assert_eq!(echo["status"], "OK");
    }
    assert_eq!(peer.silent_for(Duration::from_millis(700)).await, None);
    peer.close().await;
    server.shutdown().await;
}

fn cmd_list(status: &Value) -> Vec<u64> {
    status["data"]["active-cmds"]
        .as_array()
        .expect("data.active-cmds is a list")
        .iter()
        .map(|nr| nr.as_u64().expect("an integer"))
        .collect()
}

#[tokio::test]
async fn a_silent_command_times_out_in_the_typed_client() {
    let server = plain_server(|b| b.session_config(no_keepalive())).await;
    let client =
        Client::builder(server.url()).call_timeout(Duration::from_millis(300)).connect().await.expect("connects");
    let error = bounded("the timeout", client.call("wait", &())).await.expect_err("no answer within the timeout");
    match error {
        CallError::Timeout { command, after } => {
            assert_eq!(command, "wait");
            assert_eq!(after, Duration::from_millis(300));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // The client told the server to stop.
    eventually("the timed-out wait is cancelled", || async { active_nrs(&client).await.is_empty() }).await;
    server.shutdown().await;
}

#[tokio::test]
async fn session_status_keeps_a_long_call_alive() {
    let mut config = SessionConfig::default();
    config.keepalive_interval = Some(Duration::from_millis(100));
    config.keepalive_after = Duration::from_millis(50);
    let server = plain_server(|b| b.session_config(config)).await;
    let client =
        Client::builder(server.url()).call_timeout(Duration::from_millis(300)).connect().await.expect("connects");
    // Four times the call timeout.
    let response = bounded("a kept-alive wait", client.call("wait", &json!({"seconds": 1.2})))
        .await
        .expect("session-status refreshes the timeout");
    assert!(response.is_ok());
    assert_eq!(response.result, None);
    server.shutdown().await;
}

#[tokio::test]
async fn streamed_progress_keeps_a_long_call_alive() {
    let server = plain_server(|b| b.instruction_set(progressing()).session_config(no_keepalive())).await;
    let client =
        Client::builder(server.url()).call_timeout(Duration::from_millis(300)).connect().await.expect("connects");
    let params = json!({"steps": 10, "interval-ms": 100});
    // Without reading the stream.
    let response =
        bounded("a progressing call", client.call("progress", &params)).await.expect("progress refreshes the timeout");
    assert_eq!(response.result.as_deref(), Some("10 steps done"));

    // Reading it.
    let mut call = client.start("progress", &params).await.expect("starts");
    let mut seen = Vec::new();
    while let Some(item) = bounded("a stream item", call.next()).await {
        match item.expect("no timeout") {
            StreamItem::Progress { value, total, .. } => {
                assert_eq!(total, 10.0);
                seen.push(value as u64);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, (1..=10).collect::<Vec<u64>>());
    let response = call.response().await.expect("OK");
    assert_eq!(response.result.as_deref(), Some("10 steps done"));

    // The same command, too slow for the timeout, does time out.
    let slow = json!({"steps": 1, "interval-ms": 1000});
    let error = bounded("a slow call", client.call("progress", &slow)).await.expect_err("times out");
    assert!(matches!(error, CallError::Timeout { .. }), "{error:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn connection_loss_fails_every_pending_call() {
    let fake = FakeServer::bind().await;
    let url = fake.url();
    let (client, socket) = tokio::join!(
        async { Client::builder(url).connect().await.expect("connects to the fake server") },
        fake.accept()
    );
    let mut socket = socket;
    let calls = join_all((0..3).map(|index| {
        let client = client.clone();
        async move { client.call("wait", &json!({ "n": index })).await }
    }));
    let server_side = async move {
        let commands = read_commands(&mut socket, 3).await;
        // Gone without a close frame.
        drop(socket);
        commands
    };
    let (results, commands) = bounded("calls failing", async { tokio::join!(calls, server_side) }).await;
    assert_eq!(commands.len(), 3);
    for result in results {
        match result {
            Err(CallError::Closed { .. }) => {}
            other => panic!("expected Closed, got {other:?}"),
        }
    }
    // Later calls fail at once too.
    let error = bounded("a call after the loss", client.call("echo", &())).await.expect_err("not connected");
    assert!(matches!(error, CallError::Closed { .. }), "{error:?}");
    bounded("the client notices", client.closed()).await;
}

#[tokio::test]
async fn server_shutdown_answers_pending_typed_calls_then_closes() {
    let server = plain_server(|b| b).await;
    let client = client(&server).await;
    let calls = join_all((0..3).map(|_| {
        let client = client.clone();
        async move { client.call("wait", &()).await }
    }));
    let shutdown = async {
        eventually("the waits run", || async { active_nrs(&client).await.len() == 3 }).await;
        server.shutdown().await;
    };
    let (results, ()) = bounded("shutdown", async { tokio::join!(calls, shutdown) }).await;
    for result in results {
        let response = result.expect("a graceful shutdown answers the command");
        assert_eq!(response.result.as_deref(), Some("Cancelled"));
    }
    bounded("the client notices", client.closed()).await;
    let error = client.call("echo", &()).await.expect_err("closed");
    assert!(matches!(error, CallError::Closed { .. }), "{error:?}");
}

#[tokio::test]
async fn a_fast_stream_is_read_in_full_after_the_response() {
    let lines = TestSet::new("lines").command("lines", |_, cx| async move {
        for line in ["one", "two", "three"] {
            cx.line(line).await?;
        }
        Ok(Outcome::text("3 lines"))
    });
    let server = plain_server(|b| b.instruction_set(lines)).await;
    let client = client(&server).await;
    let mut call = client.start("lines", &()).await.expect("starts");
    // Make sure the response is in before reading anything.
    let nr = call.nr();
    eventually("the command has answered", || async { !active_nrs(&client).await.contains(&nr) }).await;
    let mut read = Vec::new();
    while let Some(item) = bounded("a stream item", call.next()).await {
        match item.expect("no error") {
            StreamItem::Line(line) => read.push(line),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(read, ["one", "two", "three"]);
    assert_eq!(call.dropped(), 0);
    let response = call.response().await.expect("OK");
    assert_eq!(response.result.as_deref(), Some("3 lines"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_disconnected() {
    let mut config = SessionConfig::default();
    config.ping_interval = Some(Duration::from_millis(100));
    let limits = limits(|limits| {
        limits.connections.dead_peer_timeout = Duration::from_millis(500);
        limits.connections.close_timeout = Duration::from_millis(300);
    });
    let server = plain_server(|b| b.session_config(config).limits(limits)).await;
    // The typed client reads all the time, so its WebSocket answers the pings.
    let client = client(&server).await;
    // The raw peer reads nothing after the greeting, so its WebSocket answers nothing.
    let (silent, _) = RawPeer::connect(&server).await;
    assert_eq!(server.session_count(), 2);
    eventually("the silent peer is dropped", || async { server.session_count() == 1 }).await;
    // Well past the dead-peer timeout, the answering client is still served.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client.call("echo", &()).await.expect("still connected");
    assert_eq!(server.session_count(), 1);
    drop(silent);
    server.shutdown().await;
}
