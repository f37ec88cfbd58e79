//! Many commands at once on one session: nothing waits for anything it does not need.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::*;

/// A set whose `confirm-op` asks the client to confirm and answers with the client's answer.
fn confirming() -> TestSet {
    TestSet::new("confirming").command("confirm-op", |_, cx| async move {
        let answer = cx
            .ask("confirm", &json!({"question": "really?"}))
            .await
            .map_err(|error| CommandError::new(format!("confirm failed: {error}")))?;
        let data = answer.data.map(|data| data.to_value()).unwrap_or_default();
        Outcome::data(&json!({"client-said": data}))
    })
}

#[tokio::test]
async fn a_long_wait_does_not_delay_an_echo() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "wait", Value::Null).await;
    peer.cmd(2, "echo", json!({"token": "quick"})).await;
    // Responses come in completion order: the echo's first, while the wait runs.
    let first = peer.recv().await;
    assert_fields(&first, &json!({"type": "response", "cmd-nr": 2, "data": {"token": "quick"}}));
    peer.await_active(&[1]).await;
    peer.send(r#"{"type":"cancel","nr":3,"data":{"cmds":[1]}}"#).await;
    let second = peer.recv().await;
    assert_fields(&second, &json!({"type": "response", "cmd-nr": 1, "result": "Cancelled"}));

    // The same through the typed client: an echo completes while a wait is pending.
    let client = client(&server).await;
    let wait = client.start("wait", &()).await.expect("wait starts");
    let echo = bounded("echo during a wait", client.call("echo", &json!({"token": 7}))).await.expect("echo answers");
    assert_eq!(echo.data.expect("data").to_value()["token"], 7);
    assert_eq!(active_nrs(&client).await, vec![wait.nr()]);
    wait.cancel();
    let response = bounded("the cancelled wait", wait.response()).await.expect("OK");
    assert_eq!(response.result.as_deref(), Some("Cancelled"));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn two_hundred_concurrent_commands_are_each_answered_once() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    // Echoes interleaved with short waits, so completions come out of order.
    for nr in 1..=200u64 {
        if nr % 4 == 0 {
            let seconds = (nr % 7) as f64 / 100.0;
            peer.cmd(nr, "wait", json!({ "seconds": seconds })).await;
        } else {
            peer.cmd(nr, "echo", json!({ "token": nr })).await;
        }
    }
    let mut answered: BTreeMap<u64, Value> = BTreeMap::new();
    while answered.len() < 200 {
        let message = peer.recv().await;
        assert_eq!(message["type"], "response", "{message}");
        assert_eq!(message["status"], "OK", "{message}");
        let nr = message["cmd-nr"].as_u64().expect("cmd-nr");
        assert!((1..=200).contains(&nr), "{message}");
        assert!(answered.insert(nr, message.clone()).is_none(), "command {nr} answered twice");
    }
    for (nr, response) in &answered {
        if nr % 4 == 0 {
            assert_eq!(response["id"], "wait");
        } else {
            assert_eq!(response["data"]["token"], *nr, "{response}");
        }
    }
    assert_eq!(peer.silent_for(Duration::from_millis(300)).await, None);
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn two_hundred_concurrent_typed_calls_get_their_own_answers() {
    let server = plain_server(|b| b).await;
    let client = client(&server).await;
    let calls = (0..200u64).map(|index| {
        let client = client.clone();
        async move {
            let data: Value = client.call_as("echo", &json!({ "token": index })).await.expect("echo answers");
            (index, data["token"].as_u64())
        }
    });
    let results = bounded("200 echoes", join_all(calls)).await;
    for (index, token) in results {
        assert_eq!(token, Some(index));
    }
    server.shutdown().await;
}

#[tokio::test]
async fn the_reader_never_blocks_while_a_handler_awaits_the_client() {
    let server = plain_server(|b| b.instruction_set(confirming())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "confirm-op", Value::Null).await;
    let question = peer.take(|message| message["type"] == "cmd").await;
    assert_fields(&question, &json!({"type": "cmd", "id": "confirm", "data": {"question": "really?"}}));
    let server_nr = question["nr"].as_u64().expect("the server's nr");

    // Unanswered, the server-to-client command holds up nothing else.
    let echo = peer.call(2, "echo", json!({"token": "meanwhile"})).await;
    assert_eq!(echo["data"]["token"], "meanwhile");
    peer.cmd(3, "wait", Value::Null).await;
    peer.await_active(&[1, 3]).await;
    peer.send(r#"{"type":"cancel","nr":4,"data":{"cmds":[3]}}"#).await;
    assert_eq!(peer.response_to(3).await["result"], "Cancelled");
    peer.await_active(&[1]).await;

    peer.send(&format!(
        r#"{{"type":"response","id":"confirm","nr":5,"cmd-nr":{server_nr},"status":"OK","data":{{"confirmed":true}}}}"#
    ))
    .await;
    let response = peer.response_to(1).await;
    assert_fields(&response, &json!({"status": "OK", "data": {"client-said": {"confirmed": true}}}));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn many_handlers_awaiting_the_client_do_not_starve_the_session() {
    // tower-lsp issue 284: when every handler awaits the client, nobody reads the answers.
    let server = plain_server(|b| b.instruction_set(confirming())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for nr in 1..=20 {
        peer.cmd(nr, "confirm-op", Value::Null).await;
    }
    let mut questions = Vec::new();
    for _ in 0..20 {
        let question = peer.take(|message| message["type"] == "cmd").await;
        questions.push(question["nr"].as_u64().expect("nr"));
    }
    let echo = peer.call(100, "echo", json!({"token": 1})).await;
    assert_eq!(echo["status"], "OK");
    for (index, server_nr) in questions.iter().enumerate() {
        peer.send(&format!(
            r#"{{"type":"response","id":"confirm","nr":{},"cmd-nr":{server_nr},"status":"OK","data":{{"n":{index}}}}}"#,
            200 + index
        ))
        .await;
    }
    let mut answers = Vec::new();
    for nr in 1..=20 {
        let response = peer.response_to(nr).await;
        assert_eq!(response["status"], "OK", "{response}");
        answers.push(response["data"]["client-said"]["n"].as_u64().expect("n"));
    }
    answers.sort_unstable();
    assert_eq!(answers, (0..20).collect::<Vec<u64>>());
    peer.close().await;
    server.shutdown().await;
}
