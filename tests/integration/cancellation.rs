//! Cancelling commands: by number, by list, all at once; through the raw protocol and the
//! typed client; and handlers that do not cooperate.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

/// A set whose `stubborn` command never looks at its cancellation.
fn stubborn() -> TestSet {
    TestSet::new("stubborn").command("stubborn", |_, _| async {
        std::future::pending::<()>().await;
        Ok(Outcome::text("finished"))
    })
}

/// Reads every message for `window` and counts the responses per `cmd-nr`.
async fn responses_within(peer: &mut RawPeer, window: Duration) -> BTreeMap<u64, usize> {
    let mut counts = BTreeMap::new();
    for message in peer.collect_for(window).await {
        assert_eq!(message["type"], "response", "only responses expected: {message}");
        *counts.entry(message["cmd-nr"].as_u64().expect("cmd-nr")).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn cancel_one_command() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "wait", Value::Null).await;
    peer.cmd(2, "wait", Value::Null).await;
    peer.await_active(&[1, 2]).await;
    peer.send(r#"{"type":"cancel","nr":3,"data":{"cmds":[1]}}"#).await;
    let response = peer.recv().await;
    assert_fields(&response, &json!({"type":"response","id":"wait","cmd-nr":1,"status":"OK","result":"Cancelled"}));
    peer.await_active(&[2]).await;
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn cancel_a_list_of_commands() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for nr in 1..=4 {
        peer.cmd(nr, "wait", Value::Null).await;
    }
    peer.await_active(&[1, 2, 3, 4]).await;
    peer.send(r#"{"type":"cancel","nr":5,"data":{"cmds":[1,3,4]}}"#).await;
    for nr in [1, 3, 4] {
        assert_fields(&peer.response_to(nr).await, &json!({"status":"OK","result":"Cancelled"}));
    }
    peer.await_active(&[2]).await;
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn cancel_star_cancels_everything() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for nr in 1..=5 {
        peer.cmd(nr, "wait", Value::Null).await;
    }
    peer.await_active(&[1, 2, 3, 4, 5]).await;
    peer.send(r#"{"type":"cancel","nr":6,"data":{"cmds":"*"}}"#).await;
    for nr in 1..=5 {
        assert_fields(&peer.response_to(nr).await, &json!({"status":"OK","result":"Cancelled"}));
    }
    peer.await_active(&[]).await;
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn cancelling_unknown_or_finished_commands_is_a_no_op() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let echo = peer.call(1, "echo", json!({"token": 1})).await;
    assert_eq!(echo["status"], "OK");
    peer.cmd(2, "wait", Value::Null).await;
    peer.await_active(&[2]).await;

    // Command 1 has finished, 99 never existed: no response, no error event, and the
    // running wait is untouched.
    peer.send(r#"{"type":"cancel","nr":3,"data":{"cmds":[1,99]}}"#).await;
    peer.send(r#"{"type":"cancel","nr":4,"data":{"cmds":[]}}"#).await;
    assert_eq!(peer.silent_for(Duration::from_millis(300)).await, None);
    peer.await_active(&[2]).await;

    peer.send(r#"{"type":"cancel","nr":5,"data":{"cmds":[2]}}"#).await;
    assert_eq!(peer.response_to(2).await["result"], "Cancelled");
    // A cancel of all when nothing runs is a no-op too.
    peer.send(r#"{"type":"cancel","nr":6,"data":{"cmds":"*"}}"#).await;
    assert_eq!(peer.silent_for(Duration::from_millis(300)).await, None);
    let echo = peer.call(7, "echo", json!({"token": 7})).await;
    assert_eq!(echo["data"]["token"], 7);
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn every_cancelled_command_answers_exactly_once() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for nr in 1..=6 {
        peer.cmd(nr, "wait", Value::Null).await;
    }
    peer.await_active(&[1, 2, 3, 4, 5, 6]).await;
    // Overlapping and repeated cancels.
    peer.send(r#"{"type":"cancel","nr":7,"data":{"cmds":[1,2]}}"#).await;
    peer.send(r#"{"type":"cancel","nr":8,"data":{"cmds":[2,3,3]}}"#).await;
    peer.send(r#"{"type":"cancel","nr":9,"data":{"cmds":"*"}}"#).await;
    peer.send(r#"{"type":"cancel","nr":10,"data":{"cmds":"*"}}"#).await;
    peer.send(r#"{"type":"cancel","nr":11,"data":{"cmds":[1,2,3,4,5,6]}}"#).await;
    for nr in 1..=6 {
        assert_eq!(peer.response_to(nr).await["result"], "Cancelled");
    }
    // Nothing more: no second response to any of them.
    let extra = responses_within(&mut peer, Duration::from_millis(400)).await;
    assert!(extra.is_empty(), "answered again: {extra:?}");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn typed_call_cancel() {
    let server = plain_server(|b| b).await;
    let client = client(&server).await;
    let call = client.start("wait", &()).await.expect("starts");
    let nr = call.nr();
    eventually("the wait runs", || async { active_nrs(&client).await == vec![nr] }).await;
    call.cancel();
    let response = bounded("the cancelled wait", call.response()).await.expect("cancelled is OK");
    assert_eq!(response.result.as_deref(), Some("Cancelled"));
    assert_eq!(response.cmd_nr, nr);
    assert!(active_nrs(&client).await.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn dropping_a_call_cancels_it_on_the_server() {
    let server = plain_server(|b| b).await;
    let client = client(&server).await;
    let (mut observer, _) = RawPeer::connect(&server).await;
    let keep = client.start("wait", &()).await.expect("starts");
    let dropped = client.start("wait", &()).await.expect("starts");
    let (keep_nr, dropped_nr) = (keep.nr(), dropped.nr());
    eventually("both waits run", || async {
        let mut nrs = active_nrs(&client).await;
        nrs.sort_unstable();
        nrs == vec![keep_nr, dropped_nr]
    })
    .await;
    drop(dropped);
    eventually("the dropped call is cancelled", || async { active_nrs(&client).await == vec![keep_nr] }).await;
    // Another session's view is its own: the raw observer sees none of them.
    assert!(observer.active().await.is_empty());
    keep.cancel();
    bounded("the kept wait", keep.response()).await.expect("cancelled is OK");
    observer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn cancel_all_cancels_every_call_of_the_client() {
    let server = plain_server(|b| b).await;
    let client = client(&server).await;
    let mut calls = Vec::new();
    for _ in 0..3 {
        calls.push(client.start("wait", &()).await.expect("starts"));
    }
    let mut nrs: Vec<u64> = calls.iter().map(Call::nr).collect();
    nrs.sort_unstable();
    eventually("the waits run", || async {
        let mut active = active_nrs(&client).await;
        active.sort_unstable();
        active == nrs
    })
    .await;
    client.cancel_all().expect("connected");
    for call in calls {
        let response = bounded("a cancelled wait", call.response()).await.expect("cancelled is OK");
        assert_eq!(response.result.as_deref(), Some("Cancelled"));
    }
    assert!(active_nrs(&client).await.is_empty());

    // Client::cancel by number.
    let call = client.start("wait", &()).await.expect("starts");
    let nr = call.nr();
    eventually("the wait runs", || async { active_nrs(&client).await == vec![nr] }).await;
    client.cancel(&[nr, 12345]).expect("connected");
    let response = bounded("the wait", call.response()).await.expect("OK");
    assert_eq!(response.result.as_deref(), Some("Cancelled"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_handler_ignoring_cancellation_is_answered_after_the_grace_period() {
    let server = server_limited(stubborn(), limits(|l| l.commands.cancel_grace = Duration::from_millis(200))).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "stubborn", Value::Null).await;
    peer.await_active(&[1]).await;
    peer.send(r#"{"type":"cancel","nr":2,"data":{"cmds":[1]}}"#).await;
    let response = peer.response_to(1).await;
    assert_fields(&response, &json!({"type":"response","id":"stubborn","cmd-nr":1,"status":"OK","result":"Cancelled"}));
    peer.await_active(&[]).await;
    let extra = responses_within(&mut peer, Duration::from_millis(400)).await;
    assert!(extra.is_empty(), "answered again: {extra:?}");
    peer.close().await;
    server.shutdown().await;
}
