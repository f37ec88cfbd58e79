//! TLS (pinned fingerprint, CA file), refused connections, the session limit and graceful
//! shutdown.

use std::time::Duration;

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::*;

/// A TLS server with a certificate generated at start-up, and its certificate's PEM.
async fn tls_server() -> (ServerHandle, String) {
    let server = Server::builder().bind("127.0.0.1:0").build().await.expect("server binds");
    let pem = server.tls().expect("TLS is the default").certificate_pem().to_owned();
    (server.spawn(), pem)
}

#[tokio::test]
async fn tls_with_a_pinned_fingerprint() {
    let (server, _) = tls_server().await;
    assert!(server.url().starts_with("wss://127.0.0.1:"), "{}", server.url());
    let fingerprint = server.fingerprint().expect("a TLS server has a fingerprint");
    let client = Client::builder(server.url())
        .fingerprint(fingerprint)
        .connect()
        .await
        .expect("the pinned certificate is trusted");
    let info = client.session_info().expect("connected");
    assert_eq!(info.protocol, "Open System Management Protocol");
    assert_eq!(info.version, 1);
    let data: Value = client.call_as("echo", &json!({"token": "secret"})).await.expect("echo over TLS");
    assert_eq!(data["token"], "secret");
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_fingerprint_fails_the_handshake() {
    let (server, _) = tls_server().await;
    let other = ServerTls::self_signed(Vec::<String>::new()).expect("a certificate").fingerprint();
    assert_ne!(Some(other), server.fingerprint());
    let error = bounded("the refused handshake", Client::builder(server.url()).fingerprint(other).connect())
        .await
        .expect_err("another certificate's fingerprint");
    assert!(matches!(error, ClientError::TlsHandshake(_)), "expected a TLS handshake error, got {error:?}");
    // The server is unharmed.
    let client = client(&server).await;
    client.call("echo", &()).await.expect("still serving");
    server.shutdown().await;
}

#[tokio::test]
async fn tls_with_the_server_certificate_as_ca() {
    let (server, pem) = tls_server().await;
    let tls = ClientTls::with_ca_pem(pem.as_bytes()).expect("a usable CA");
    let client =
        Client::builder(server.url()).tls(tls).connect().await.expect("the certificate verifies against itself");
    client.call("time", &()).await.expect("time over TLS");

    // Another certificate as CA does not verify this server.
    let other = ServerTls::self_signed(Vec::<String>::new()).expect("a certificate");
    let tls = ClientTls::with_ca_pem(other.certificate_pem().as_bytes()).expect("a usable CA");
    let error = Client::builder(server.url()).tls(tls).connect().await.expect_err("an unrelated CA");
    assert!(matches!(error, ClientError::TlsHandshake(_)), "{error:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_plain_server_refuses_only_the_wrong_path() {
    let server = plain_server(|b| b).await;
    assert!(server.url().starts_with("ws://"), "{}", server.url());
    assert_eq!(server.fingerprint(), None);

    let client = Client::connect(server.url()).await.expect("ws:// connects");
    client.call("echo", &()).await.expect("serving");
    let slash = Client::connect(format!("{}/", server.url())).await.expect("a trailing slash is the same path");
    slash.call("echo", &()).await.expect("serving");
    let bare =
        Client::connect(format!("ws://{}", server.local_addr())).await.expect("a URL without a path means /osmp/v1");
    bare.call("echo", &()).await.expect("serving");

    let other = format!("ws://{}/other", server.local_addr());
    match Client::connect(other).await {
        Err(ClientError::Rejected { status, .. }) => assert_eq!(status, 404),
        other => panic!("expected HTTP 404, got {other:?}"),
    }
    // A wss:// client on a plain server does not get a session either.
    let wss = format!("wss://{}/osmp/v1", server.local_addr());
    let error = Client::builder(wss).insecure().connect().await.expect_err("no TLS on this server");
    assert!(matches!(error, ClientError::TlsHandshake(_)), "{error:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn the_session_limit_refuses_with_503() {
    let server = plain_server(|b| b.limits(limits(|l| l.connections.max_sessions = 1))).await;
    let first = client(&server).await;
    assert_eq!(server.session_count(), 1);
    match Client::connect(server.url()).await {
        Err(ClientError::Rejected { status, .. }) => assert_eq!(status, 503),
        other => panic!("expected HTTP 503, got {other:?}"),
    }
    first.call("echo", &()).await.expect("the first session is unharmed");

    // Once the first session has ended there is room again.
    first.close().await;
    eventually("the first session is gone", || async { server.session_count() == 0 }).await;
    let second = client(&server).await;
    second.call("echo", &()).await.expect("admitted");
    server.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_answers_running_commands_then_closes_with_1001() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "wait", Value::Null).await;
    peer.cmd(2, "wait", json!({"seconds": 3600})).await;
    peer.await_active(&[1, 2]).await;

    let shutdown = tokio::spawn(server.shutdown());
    let close = peer.expect_close().await.expect("a close frame");
    assert_eq!(close.code, CloseCode::Away, "{close:?}");
    assert_eq!(u16::from(close.code), 1001);
    // Both responses came before the close frame.
    let mut answered = Vec::new();
    for message in peer.drain_backlog() {
        assert_fields(&message, &json!({"type": "response", "status": "OK", "result": "Cancelled"}));
        answered.push(message["cmd-nr"].as_u64().expect("cmd-nr"));
    }
    answered.sort_unstable();
    assert_eq!(answered, vec![1, 2]);
    bounded("shutdown", shutdown).await.expect("shutdown completes");
}

#[tokio::test]
async fn shutdown_closes_idle_sessions_and_stops_accepting() {
    let server = plain_server(|b| b).await;
    let addr = server.local_addr();
    let url = server.url();
    let client = client(&server).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let shutdown = tokio::spawn(server.shutdown());
    let close = peer.expect_close().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1001);
    bounded("the client notices", client.closed()).await;
    bounded("shutdown", shutdown).await.expect("completes");
    let error = Client::connect(url).await.expect_err("nobody listens");
    assert!(matches!(error, ClientError::Connect { .. }), "connecting to {addr} after shutdown: {error:?}");
}

#[tokio::test]
async fn shutdown_is_bounded_when_a_peer_never_reads() {
    let server = plain_server(|b| b.limits(limits(|l| l.connections.close_timeout = Duration::from_millis(300)))).await;
    // A peer that connects, then neither reads nor answers the close frame.
    let (peer, _) = RawPeer::connect(&server).await;
    bounded("shutdown", server.shutdown()).await;
    drop(peer);
}

#[tokio::test]
async fn a_connection_that_never_upgrades_does_not_take_a_session_slot() {
    let server = plain_server(|builder| builder.limits(limits(|l| l.connections.max_sessions = 1))).await;
    let _idle = tokio::net::TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    let client = client(&server).await;
    assert!(client.call("echo", &()).await.is_ok(), "the only slot went to the real session");
    client.close().await;
    server.shutdown().await;
}
