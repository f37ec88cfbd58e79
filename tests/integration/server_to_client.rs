//! Commands the server sends to its client while running one of the client's commands.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::*;

/// `greet` asks the client for its name and reports exactly what the ask returned, so the
/// tests see the server side's view.
fn greeter() -> TestSet {
    TestSet::new("greeter").command("greet", |_, cx| async move {
        match cx.ask("get-name", &json!({"why": "greeting"})).await {
            Ok(response) => {
                let data = response.data.map(|data| data.to_value()).unwrap_or_default();
                let name = data["name"].as_str().unwrap_or("?").to_owned();
                Outcome::data(&json!({"outcome": "ok", "greeting": format!("Hello {name}!")}))
            }
            Err(CallError::Failed { response, .. }) => Outcome::data(&json!({
                "outcome": "failed",
                "status": response.status.as_str(),
                "result": response.result,
            })),
            Err(CallError::Timeout { after, .. }) => Outcome::data(&json!({
                "outcome": "timeout",
                "after-ms": after.as_millis() as u64,
            })),
            Err(other) => Err(CommandError::new(format!("ask failed: {other}"))),
        }
    })
}

#[tokio::test]
async fn the_server_asks_the_client_and_uses_the_answer() {
    let server = plain_server(|b| b.instruction_set(greeter())).await;
    let client = Client::builder(server.url())
        .on_command("get-name", |command| async move {
            let params = command.data().expect("parameters").to_value();
            assert_eq!(params, json!({"why": "greeting"}));
            Outcome::data(&json!({"name": "Ada"}))
        })
        .connect()
        .await
        .expect("connects");
    let data: Value = bounded("greet", client.call_as("greet", &())).await.expect("greet answers");
    assert_eq!(data, json!({"outcome": "ok", "greeting": "Hello Ada!"}));
    server.shutdown().await;
}

#[tokio::test]
async fn the_client_answering_error_reaches_the_server_side() {
    let server = plain_server(|b| b.instruction_set(greeter())).await;
    let client = Client::builder(server.url())
        .on_command("get-name", |_| async { Err(CommandError::new("I will not tell")) })
        .connect()
        .await
        .expect("connects");
    let data: Value = bounded("greet", client.call_as("greet", &())).await.expect("greet answers");
    assert_eq!(data, json!({"outcome": "failed", "status": "ERROR", "result": "I will not tell"}));

    // A client without a handler for the command answers "not found".
    let bare = client_without_handlers(&server).await;
    let data: Value = bounded("greet", bare.call_as("greet", &())).await.expect("greet answers");
    assert_eq!(
        data,
        json!({"outcome": "failed", "status": "ERROR",
               "result": "Error: command 'get-name' not found"})
    );
    server.shutdown().await;
}

async fn client_without_handlers(server: &ServerHandle) -> Client {
    Client::builder(server.url()).connect().await.expect("connects")
}

#[tokio::test]
async fn a_client_that_does_not_answer_times_out_on_the_server_side() {
    let server = server_limited(greeter(), limits(|l| l.commands.call_timeout = Duration::from_millis(300))).await;
    let cancelled = Arc::new(AtomicBool::new(false));
    let seen = cancelled.clone();
    let client = Client::builder(server.url())
        .on_command("get-name", move |command| {
            let seen = seen.clone();
            async move {
                // Thinks forever, until the server gives up and cancels.
                command.cancelled().await;
                seen.store(true, Ordering::SeqCst);
                Ok(Outcome::text("Cancelled"))
            }
        })
        .connect()
        .await
        .expect("connects");
    let data: Value = bounded("greet", client.call_as("greet", &())).await.expect("greet answers");
    assert_eq!(data, json!({"outcome": "timeout", "after-ms": 300}));
    // The server cancelled its command on the client when it gave up.
    eventually("the client's handler is cancelled", || {
        let cancelled = cancelled.clone();
        async move { cancelled.load(Ordering::SeqCst) }
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_raw_peer_answers_a_server_command_with_a_literal_response() {
    let server = plain_server(|b| b.instruction_set(greeter())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "greet", Value::Null).await;
    let command = peer.recv().await;
    assert_fields(&command, &json!({"type": "cmd", "id": "get-name", "data": {"why": "greeting"}}));
    let server_nr = command["nr"].as_u64().expect("the server's nr");
    assert!(command.get("cmd-nr").is_none(), "{command}");

    // Shaped after the specification's password-request answer:
    // {"type":"response","id":"password-request","nr":3,"cmd-nr":2,"status":"OK","data":{…}}
    peer.send(&format!(
        r#"{{"type":"response","id":"get-name","nr":3,"cmd-nr":{server_nr},"status":"OK","data":{{"name":"Raw"}}}}"#
    ))
    .await;
    let response = peer.response_to(1).await;
    assert_fields(
        &response,
        &json!({"status": "OK", "id": "greet",
                "data": {"outcome": "ok", "greeting": "Hello Raw!"}}),
    );

    // An ERROR answer, with the error text in `reason` as the specification prints it.
    peer.cmd(2, "greet", Value::Null).await;
    let command = peer.recv().await;
    let server_nr = command["nr"].as_u64().expect("the server's nr");
    peer.send(&format!(
        r#"{{"type":"response","id":"get-name","nr":4,"cmd-nr":{server_nr},"status":"ERROR","reason":"no name"}}"#
    ))
    .await;
    let response = peer.response_to(2).await;
    assert_eq!(response["data"], json!({"outcome": "failed", "status": "ERROR", "result": "no name"}));

    // A response to nothing the server sent is ignored.
    peer.send(r#"{"type":"response","id":"x","nr":5,"cmd-nr":424242,"status":"OK"}"#).await;
    assert_eq!(peer.silent_for(Duration::from_millis(200)).await, None);
    let echo = peer.call(3, "echo", json!({"token": 3})).await;
    assert_eq!(echo["data"]["token"], 3);
    peer.close().await;
    server.shutdown().await;
}
