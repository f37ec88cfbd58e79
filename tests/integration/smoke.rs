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
