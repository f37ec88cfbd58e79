//! The HTTP step in front of the WebSocket: what requests that are not an OSMP upgrade get,
//! on the same port, with and without TLS.

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

#[tokio::test]
async fn plain_requests_get_http_answers() {
    let server = plain_server(|b| b).await;

    let root = plain_exchange(&server, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(status_line(&root), "HTTP/1.1 404 Not Found", "{root}");
    assert!(root.contains("Content-Type: text/plain; charset=utf-8\r\n"), "{root}");
    assert!(root.contains("/osmp/v1"), "the answer says where OSMP is: {root}");

    let endpoint = plain_exchange(&server, "GET /osmp/v1 HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(status_line(&endpoint), "HTTP/1.1 426 Upgrade Required", "{endpoint}");
    assert!(endpoint.contains("Upgrade: websocket\r\n"), "{endpoint}");

    let head = plain_exchange(&server, "HEAD /osmp/v1 HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(status_line(&head), "HTTP/1.1 426 Upgrade Required", "{head}");
    assert!(head.ends_with("\r\n\r\n"), "no body for HEAD: {head}");

    let post = plain_exchange(&server, "POST /osmp/v1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n").await;
    assert_eq!(status_line(&post), "HTTP/1.1 405 Method Not Allowed", "{post}");
    assert!(post.contains("Allow: GET, HEAD\r\n"), "{post}");

    assert_eq!(server.session_count(), 0, "answered requests take no session slot");
    // The server still serves sessions.
    client(&server).await.call("echo", &()).await.expect("serving");
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_and_unacceptable_upgrades_get_an_http_error() {
    let server = plain_server(|b| b).await;

    let garbage = plain_exchange(&server, "\u{1}\u{2} nonsense\r\n\r\n").await;
    assert_eq!(status_line(&garbage), "HTTP/1.1 400 Bad Request", "{garbage}");

    let old_version = UPGRADE_HEADERS.replace("Version: 13", "Version: 8");
    let version = plain_exchange(&server, &format!("GET /osmp/v1 HTTP/1.1\r\n{old_version}\r\n")).await;
    assert_eq!(status_line(&version), "HTTP/1.1 426 Upgrade Required", "{version}");
    assert!(version.contains("Sec-WebSocket-Version: 13\r\n"), "{version}");

    let keyless = UPGRADE_HEADERS.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "");
    let key = plain_exchange(&server, &format!("GET /osmp/v1 HTTP/1.1\r\n{keyless}\r\n")).await;
    assert_eq!(status_line(&key), "HTTP/1.1 400 Bad Request", "{key}");

    let huge = format!("GET /osmp/v1 HTTP/1.1\r\nX-Padding: {}\r\n\r\n", "a".repeat(64 << 10));
    let too_large = plain_exchange(&server, &huge).await;
    assert_eq!(status_line(&too_large), "HTTP/1.1 431 Request Header Fields Too Large", "{too_large}");

    let elsewhere = plain_exchange(&server, &format!("GET /other HTTP/1.1\r\n{UPGRADE_HEADERS}\r\n")).await;
    assert_eq!(status_line(&elsewhere), "HTTP/1.1 404 Not Found", "{elsewhere}");
    server.shutdown().await;
}

#[tokio::test]
async fn plain_requests_are_answered_over_tls_too() {
    let server = Server::builder().build().await.expect("server binds").spawn();
    let tls = ClientTls::pinned(server.fingerprint().expect("a TLS server"));
    let tcp = TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    let name = ClientTls::server_name("localhost").expect("a name");
    let stream = tls.connector().connect(name, tcp).await.expect("TLS handshake");
    let answer = exchange(stream, "GET /osmp/v1 HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(status_line(&answer), "HTTP/1.1 426 Upgrade Required", "{answer}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_frame_sent_right_after_the_upgrade_request_is_not_lost() {
    let server = plain_server(|b| b).await;
    let mut tcp = TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    // The upgrade request and a first (masked) text frame in one write, before any answer.
    let mut bytes = format!("GET /osmp/v1 HTTP/1.1\r\n{UPGRADE_HEADERS}\r\n").into_bytes();
    bytes.extend(client_frame(true, 1, br#"{"nr":1,"type":"cmd","id":"echo","data":{"token":"early"}}"#));
    tcp.write_all(&bytes).await.expect("sent");

    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        bounded("the upgrade answer", tcp.read_exact(&mut byte)).await.expect("read");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("text");
    assert!(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"), "{head}");
    assert!(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), "{head}");

    let role = tokio_tungstenite::tungstenite::protocol::Role::Client;
    let mut socket = tokio_tungstenite::WebSocketStream::from_raw_socket(tcp, role, None).await;
    let echo = bounded("the early command's answer", async {
        loop {
            let Some(Ok(Message::Text(text))) = socket.next().await else { panic!("the session ended") };
            let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            if value["type"] == "response" {
                return value;
            }
        }
    })
    .await;
    assert_eq!(echo["data"]["token"], "early", "{echo}");
    socket.close(None).await.ok();
    server.shutdown().await;
}
