//! Hostile input: whatever a peer sends, the server answers clearly or closes with a reason,
//! never panics, never stalls other sessions and never grows without bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::SinkExt;
use osmp::instruction::Outcome;
use osmp::prelude::*;
use osmp::session::SessionConfig;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

/// Every kind of undecodable message, many times over.
fn malformed(n: usize) -> String {
    match n % 10 {
        0 => format!("garbage {n}"),
        1 => "[1,2,3]".to_owned(),
        2 => format!("{n}"),
        3 => r#"{"type":"cmd","id":"echo"}"#.to_owned(),
        4 => format!(r#"{{"type":"cmd","nr":{n}}}"#),
        5 => format!(r#"{{"type":"cmd","nr":-{n},"id":"echo"}}"#),
        6 => format!(r#"{{"type":"shout","nr":{n}}}"#),
        7 => format!(r#"{{"type":"cancel","nr":{n},"data":{{"cmds":"some"}}}}"#),
        8 => format!(r#"{{"type":"cmd","nr":{n},"id":"echo""#),
        _ => format!(r#"{{"type":"response","nr":{n},"status":"SHRUG","cmd-nr":1}}"#),
    }
}

#[tokio::test]
async fn a_thousand_malformed_messages_get_error_events_and_the_session_goes_on() {
    let server = plain_server(|builder| builder).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for n in 0..1000 {
        peer.send(&malformed(n)).await;
    }
    peer.send(r#"{"nr":5000,"type":"cmd","id":"echo","data":{"token":"still here"}}"#).await;
    let mut errors = 0;
    loop {
        let message = peer.recv().await;
        if message["type"] == "event" && message["id"] == "error" {
            errors += 1;
            continue;
        }
        assert_eq!(message["cmd-nr"], 5000, "{message}");
        assert_eq!(message["data"]["token"], "still here");
        break;
    }
    assert_eq!(errors, 1000, "one error event per malformed message");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_16_mib_message_is_refused_with_close_code_1009() {
    let server = plain_server(|builder| builder).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let huge = format!(r#"{{"nr":1,"type":"cmd","id":"echo","data":{{"token":"{}"}}}}"#, "x".repeat(16 << 20));
    let _ = peer.socket().send(Message::text(huge)).await;
    let frame = peer.expect_close().await.expect("a close frame with a reason");
    assert_eq!(frame.code, CloseCode::Size, "{frame:?}");
    assert!(frame.reason.as_str().contains("too big"), "{frame:?}");
    // Other sessions are not affected.
    let client = client(&server).await;
    assert!(client.call("echo", &()).await.is_ok());
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn json_nested_100000_deep_gets_an_error_event() {
    let server = plain_server(|builder| builder).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let deep = format!(r#"{{"nr":1,"type":"cmd","id":"echo","data":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    peer.send(&deep).await;
    let error = peer.event("error").await;
    assert!(error["data"]["description"].as_str().expect("a description").contains("nested deeper than"), "{error}");
    assert_eq!(peer.call(2, "echo", json!({"token": 1})).await["status"], "OK");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_closes_with_1007() {
    let server = plain_server(|builder| builder).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let frame = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    let _ = peer.socket().send(Message::Frame(frame)).await;
    let close = peer.expect_close().await.expect("a close frame with a reason");
    assert_eq!(close.code, CloseCode::Invalid, "{close:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_never_reads_while_events_pour_in_costs_bounded_memory() {
    let limits = limits(|limits| {
        limits.events.max_pending = 256;
        limits.outgoing.high_water = 64;
    });
    let watched: Arc<Mutex<Option<Session>>> = Arc::default();
    let set = TestSet::new("flood").event("tick", "A tick").on_subscribe({
        let watched = watched.clone();
        move |_, session| *watched.lock().unwrap() = Some(session.clone())
    });
    let server = server_limited(set, limits).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.call(1, "event-subscribe", json!({"event": "tick"})).await;
    let session = watched.lock().unwrap().clone().expect("the subscribing session");

    // 200 MB of events for a peer that reads nothing (one payload, shared: the bus
    // serializes an event once for all its sessions).
    let kilobyte = osmp::wire::Payload::from_value(&json!({"padding": "x".repeat(1024)}));
    for n in 0..200_000u32 {
        server.events().emit_payload("tick", Some(kilobyte.clone())).expect("declared");
        if n % 10_000 == 0 {
            tokio::task::yield_now().await;
        }
    }
    let stats = session.stats();
    assert!(stats.pending_events <= 256, "{stats:?}");
    assert!(stats.queued_messages <= 64 + 1, "{stats:?}");
    assert!(stats.dropped_events > 100_000, "the oldest were dropped: {stats:?}");
    assert!(!session.is_closed(), "events may be dropped; the session goes on");
    drop(peer);
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_vanishes_mid_command_has_its_commands_cancelled_and_freed() {
    let cancelled = Arc::new(AtomicUsize::new(0));
    let set = TestSet::new("holding").command("hold", {
        let cancelled = cancelled.clone();
        move |_, cx| {
            let cancelled = cancelled.clone();
            async move {
                cx.cancelled().await;
                cancelled.fetch_add(1, Ordering::SeqCst);
                Ok(Outcome::text("Cancelled"))
            }
        }
    });
    let server = server_with(set, SessionConfig::default()).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for nr in 1..=5 {
        peer.cmd(nr, "hold", Value::Null).await;
    }
    peer.await_active(&[1, 2, 3, 4, 5]).await;
    drop(peer); // no close frame: the TCP connection just ends
    eventually("every command is cancelled", || async { cancelled.load(Ordering::SeqCst) == 5 }).await;
    eventually("the session is gone", || async { server.session_count() == 0 }).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_thousand_concurrent_connections_are_served() {
    let server = plain_server(|builder| builder).await;
    let url = server.url();
    let addr = server.local_addr();
    let sessions: Vec<_> = (0..1000u64)
        .map(|n| {
            let url = url.clone();
            tokio::spawn(async move {
                let tcp = tokio::net::TcpStream::connect(addr).await.expect("TCP connect");
                let (mut peer, _) = RawPeer::over(Box::new(tcp), &url).await;
                let response = peer.call(1, "echo", json!({"token": n})).await;
                assert_eq!(response["data"]["token"], n);
                peer
            })
        })
        .collect();
    let mut peers = Vec::new();
    for session in sessions {
        peers.push(bounded("a session", session).await.expect("served"));
    }
    assert_eq!(server.session_count(), 1000);
    for peer in peers {
        peer.close().await;
    }
    eventually("every session to end", || async { server.session_count() == 0 }).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_command_flood_past_the_active_limit_is_refused_clearly() {
    let server = plain_server(|builder| builder.limits(limits(|l| l.commands.max_active = 100))).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    for nr in 1..=150 {
        peer.cmd(nr, "wait", Value::Null).await;
    }
    let mut refused = Vec::new();
    while refused.len() < 50 {
        let message = peer.recv().await;
        assert_eq!(message["status"], "ERROR", "{message}");
        assert_eq!(message["result"], "Too many active commands (limit 100)");
        refused.push(message["cmd-nr"].as_u64().expect("a cmd-nr"));
    }
    assert_eq!(refused, (101..=150).collect::<Vec<_>>(), "the first hundred run, the rest are refused");
    peer.send(r#"{"type":"cancel","nr":200,"data":{"cmds":"*"}}"#).await;
    for _ in 0..100 {
        assert_eq!(peer.recv().await["result"], "Cancelled");
    }
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_handshake_is_cut_off() {
    let limits = limits(|l| l.connections.handshake_timeout = Duration::from_millis(200));
    let server = plain_server(|builder| builder.limits(limits)).await;
    let mut idle = tokio::net::TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    let mut buffer = [0u8; 1];
    let read = tokio::time::timeout(PATIENCE, tokio::io::AsyncReadExt::read(&mut idle, &mut buffer)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "the server hangs up on a silent connection: {read:?}");
    server.shutdown().await;
}
