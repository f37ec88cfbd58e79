//! A first end-to-end pass over the main paths.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn raw_peer_and_typed_client_talk_to_the_server() {
    let server = plain_server(|b| b).await;
    let (mut peer, initiated) = RawPeer::connect(&server).await;
    assert_eq!(initiated["type"], "event");
    assert_eq!(initiated["id"], "session-initiated");
    assert_eq!(initiated["data"]["protocol"], "Open System Management Protocol");
    assert_eq!(initiated["data"]["version"], 1);

    peer.send(r#"{"nr":17,"type":"cmd","id":"echo","data":{"token":"hi"}}"#).await;
    let response = peer.response_to(17).await;
    assert_eq!(response["status"], "OK");
    assert_eq!(response["data"], json!({"token": "hi"}));

    let client = client(&server).await;
    let time = client.call("time", &()).await.unwrap();
    assert!(time.data.unwrap().to_value()["date-time"].is_string());
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_session_runs_over_any_transport() {
    use futures_util::{SinkExt, StreamExt};
    use osmp::transport::{CloseReason, Frame};

    let server = plain_server(|b| b).await;
    let (mut to_server, reader) = futures_channel::mpsc::channel::<Result<Frame, CloseReason>>(8);
    let (writer, mut from_server) = futures_channel::mpsc::channel::<Frame>(8);
    let session = tokio::spawn(server.serve_transport(reader, writer, None));

    async fn next_text(frames: &mut futures_channel::mpsc::Receiver<Frame>) -> serde_json::Value {
        match bounded("a frame", frames.next()).await {
            Some(Frame::Text(text)) => serde_json::from_str(&text).unwrap(),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(next_text(&mut from_server).await["id"], "session-initiated");
    let echo = r#"{"nr":1,"type":"cmd","id":"echo","data":{"token":"over a channel"}}"#;
    to_server.send(Ok(Frame::Text(echo.into()))).await.unwrap();
    assert_eq!(next_text(&mut from_server).await["data"]["token"], "over a channel");
    drop(to_server);
    let reason = bounded("the session to end", session).await.unwrap();
    assert!(!reason.is_empty());
    server.shutdown().await;
}
