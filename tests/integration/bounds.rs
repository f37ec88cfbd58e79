//! Bounds under hostile peers: half-sent messages, peers that do not read, command floods
//! across sessions, one address taking every slot, login bursts, and what a change of
//! identity or a cancelled login leaves behind.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use osmp::auth::{encrypt_password, parse_public_key, Users};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use crate::support::*;

/// Sends the start of a fragmented text message (FIN unset) of `size` bytes, and nothing more.
async fn start_a_message(tcp: &mut tokio::net::TcpStream, size: usize) {
    let fragment = client_frame(false, 1, &vec![b'x'; size]);
    tcp.write_all(&fragment).await.expect("sent");
}

#[tokio::test]
async fn half_sent_messages_stay_within_the_servers_budget() {
    let budget = 2 << 20;
    let server = plain_server(|b| {
        b.limits(limits(|l| {
            l.messages.max_buffered_total = budget;
            l.messages.message_timeout = Duration::from_secs(60);
        }))
    })
    .await;
    let control = client(&server).await;

    // Ten connections each start a 600 KiB message: together 6 MiB, three times the budget.
    let mut attackers = Vec::new();
    for _ in 0..10 {
        let mut tcp = raw_websocket(&server).await;
        start_a_message(&mut tcp, 600 << 10).await;
        attackers.push(tcp);
    }
    let mut highest = 0;
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        highest = highest.max(server.stats().buffered_incoming_bytes);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Each connection is charged in 8 KiB steps, and one may pass the budget before the
    // sweeper closes it.
    assert!(highest <= budget + (600 << 10), "buffered {highest} bytes against a budget of {budget}");

    // Those closed were told why; the well-behaved session never noticed.
    let mut closed = 0;
    for tcp in &mut attackers {
        let waited = tokio::time::timeout(Duration::from_millis(300), read_close_code(tcp)).await;
        if let Ok(code) = waited {
            assert_eq!(code, Some(1008));
            closed += 1;
        }
    }
    assert!(closed >= 7, "the connections holding the most were closed ({closed} of 10)");
    bounded("the control session answers", control.call("echo", &json!({"token": "still here"}))).await.expect("echo");
    drop(attackers);
    eventually("the budget is free again", || async { server.stats().buffered_incoming_bytes == 0 }).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_message_that_stops_arriving_is_cut_off() {
    let server = plain_server(|b| b.limits(limits(|l| l.messages.message_timeout = Duration::from_millis(500)))).await;
    let mut tcp = raw_websocket(&server).await;
    start_a_message(&mut tcp, 100 << 10).await;
    let started = Instant::now();
    assert_eq!(read_close_code(&mut tcp).await, Some(1008));
    assert!(started.elapsed() < Duration::from_secs(5), "closed after the message timeout, not the dead-peer one");
    eventually("the session is gone", || async { server.session_count() == 0 }).await;
    server.shutdown().await;
}

fn accounts() -> Users {
    let mut users = Users::new();
    users.add_password("jon", "secret").unwrap();
    users.grant("jon", ["operator"]);
    users
}

#[tokio::test]
async fn before_login_messages_are_small() {
    let server = plain_server(|b| {
        b.users(accounts())
            .require_auth()
            .rsa_key(server_key())
            .limits(limits(|l| l.messages.max_message_size_before_login = 1024))
    })
    .await;
    let (mut anonymous, _) = RawPeer::connect(&server).await;
    anonymous.cmd(1, "echo", json!({ "token": "x".repeat(2000) })).await;
    assert_eq!(anonymous.expect_close().await.map(|frame| u16::from(frame.code)), Some(1009));

    let member = client(&server).await;
    member.login("jon", "secret").await.expect("login");
    let echo = member.call("echo", &json!({ "token": "x".repeat(2000) })).await.expect("a logged-in session may");
    assert!(echo.data.unwrap().get().len() > 2000);
    server.shutdown().await;
}

#[tokio::test]
async fn a_peer_that_never_reads_is_bounded_then_closed() {
    let server = plain_server(|b| {
        b.limits(limits(|l| {
            l.outgoing.high_water_bytes = 64 << 10;
            l.outgoing.hard_limit_bytes = 1 << 20;
            l.outgoing.write_stall_timeout = Duration::from_millis(800);
            l.connections.dead_peer_timeout = Duration::from_secs(600);
        }))
    })
    .await;
    let control = client(&server).await;
    let mut tcp = raw_websocket(&server).await;
    // 4,000 echoes of 16 KiB (64 MiB of answers), written without ever reading; pongs keep
    // arriving, as a peer that wants to look alive would send them.
    let token = "y".repeat(16 << 10);
    let writer = tokio::spawn(async move {
        for nr in 1..=4000u64 {
            let command = json!({"nr": nr, "type": "cmd", "id": "echo", "data": {"token": token}}).to_string();
            let mut frames = client_frame(true, 1, command.as_bytes());
            frames.extend(client_frame(true, 0xA, b""));
            if tcp.write_all(&frames).await.is_err() {
                return nr;
            }
        }
        4001
    });
    let sent = bounded("the server stops taking commands, then closes", writer).await.expect("no panic");
    assert!(sent < 4000, "the server stopped reading before all commands were sent ({sent})");
    eventually("the non-reading session was closed", || async { server.session_count() == 1 }).await;
    bounded("the control session answers", control.call("echo", &())).await.expect("echo");
    server.shutdown().await;
}

#[tokio::test]
async fn running_commands_are_limited_across_the_server() {
    let server = plain_server(|b| {
        b.limits(limits(|l| {
            l.commands.max_active_total = 10;
            l.commands.reserved_per_session = 0;
        }))
    })
    .await;
    let (mut first, _) = RawPeer::connect(&server).await;
    let (mut second, _) = RawPeer::connect(&server).await;
    for nr in 1..=6 {
        first.cmd(nr, "wait", Value::Null).await;
    }
    first.await_active(&[1, 2, 3, 4, 5, 6]).await;
    for nr in 1..=4 {
        second.cmd(nr, "wait", Value::Null).await;
    }
    let refused = second.call(5, "wait", Value::Null).await;
    assert_fields(
        &refused,
        &json!({"status": "ERROR", "result": "Too many active commands on this server (limit 10)"}),
    );
    assert_eq!(server.stats().active_commands, 10);
    server.shutdown().await;
}

#[tokio::test]
async fn one_address_cannot_take_every_session() {
    let server = plain_server(|b| b.limits(limits(|l| l.connections.max_sessions_per_address = 2))).await;
    let _first = client(&server).await;
    let _second = client(&server).await;
    match Client::connect(server.url()).await {
        Err(ClientError::Rejected { status, body }) => {
            assert_eq!(status, 503);
            assert!(body.contains("your address"), "{body}");
        }
        other => panic!("expected HTTP 503, got {other:?}"),
    }
    drop(_first);
    eventually("a slot of the address is free again", || async { Client::connect(server.url()).await.is_ok() }).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_burst_of_logins_is_held_to_the_per_address_limit_exactly() {
    let server =
        plain_server(|b| b.users(accounts()).rsa_key(server_key()).limits(limits(|l| l.login.per_address = 20))).await;
    let mut clients = Vec::new();
    for _ in 0..50 {
        clients.push(client(&server).await);
    }
    let (failed, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let logins: Vec<_> = clients
        .iter()
        .map(|client| {
            let (client, failed, refused) = (client.clone(), failed.clone(), refused.clone());
            tokio::spawn(async move {
                let error = client.login("jon", "guess").await.expect_err("a wrong password");
                match error.response().and_then(|response| response.result.clone()).as_deref() {
                    Some("Login failed!") => failed.fetch_add(1, Ordering::SeqCst),
                    Some("Too many failed logins; try again later") => refused.fetch_add(1, Ordering::SeqCst),
                    other => panic!("unexpected answer {other:?}"),
                };
            })
        })
        .collect();
    for login in logins {
        bounded("a login answers", login).await.expect("no panic");
    }
    assert_eq!((failed.load(Ordering::SeqCst), refused.load(Ordering::SeqCst)), (20, 30));
    server.shutdown().await;
}

/// A set whose event and long command need the `operator` role.
fn guarded() -> TestSet {
    TestSet::new("guarded")
        .event("alarm", "An alarm")
        .requires("operator")
        .command("watch", |_, cx| async move {
            cx.cancelled().await;
            Ok(Outcome::text("Cancelled"))
        })
        .requires("operator")
}

#[tokio::test]
async fn logout_ends_the_subscriptions_and_commands_the_session_may_no_longer_have() {
    let server = plain_server(|b| b.users(accounts()).rsa_key(server_key()).instruction_set(guarded())).await;
    let client = client(&server).await;
    client.login("jon", "secret").await.expect("login");
    let mut alarms = client.subscribe("alarm").await.expect("an operator may subscribe");
    let watch = client.start("watch", &()).await.expect("an operator may watch");
    server.events().emit("alarm", &json!({"n": 1})).expect("declared");
    assert!(bounded("the first alarm", alarms.next()).await.is_some());

    client.logout().await.expect("logout");
    let response = bounded("the watch ends with the logout", watch.response()).await.expect("answered");
    assert_eq!(response.result.as_deref(), Some("Cancelled"));
    assert_eq!(server.events().emit("alarm", &json!({"n": 2})).expect("declared"), 0, "nobody receives it now");
    let event_list: Value = client.call_as("event-list", &()).await.expect("event-list");
    assert!(event_list["events"].as_array().unwrap().iter().all(|event| event["event-name"] != "alarm"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_login_cancelled_while_it_waits_for_the_client_answers_at_once() {
    let server = plain_server(|b| {
        b.users(accounts()).rsa_key(server_key()).limits(limits(|l| l.commands.cancel_grace = Duration::from_secs(60)))
    })
    .await;
    let (mut peer, initiated) = RawPeer::connect(&server).await;
    peer.cmd(1, "login", json!({"username": "jon", "method": "password"})).await;
    let challenge = peer.take(|message| message["type"] == "cmd").await;
    assert_eq!(challenge["id"], "password-request");
    peer.send(r#"{"type":"cancel","nr":2,"data":{"cmds":[1]}}"#).await;
    let response = peer.response_to(1).await;
    assert_fields(&response, &json!({"status": "OK", "result": "Cancelled"}));
    // The server withdrew its question.
    let withdrawn = peer.take(|message| message["type"] == "cancel").await;
    assert_eq!(withdrawn["data"]["cmds"], json!([challenge["nr"]]));
    // And the session goes on: a login now works, as the attempt did not count.
    let key = parse_public_key(initiated["data"]["public-key"].as_str().unwrap()).unwrap();
    peer.cmd(3, "login", json!({"username": "jon", "method": "password"})).await;
    let challenge = peer.take(|message| message["type"] == "cmd").await;
    let token = challenge["data"]["token"].as_str().unwrap();
    let encrypted = encrypt_password(&key, "secret", token).unwrap();
    let answer = json!({"type": "response", "nr": 4, "cmd-nr": challenge["nr"], "status": "OK",
                        "data": {"encrypted-password": encrypted}});
    peer.send(&answer.to_string()).await;
    assert_fields(&peer.response_to(3).await, &json!({"status": "OK", "result": "Login successful!"}));
    server.shutdown().await;
}

#[tokio::test]
async fn a_close_frame_with_an_invalid_code_is_answered_with_1002() {
    let server = plain_server(|b| b).await;
    for code in [999u16, 1005] {
        let mut tcp = raw_websocket(&server).await;
        tcp.write_all(&client_frame(true, 0x8, &code.to_be_bytes())).await.expect("sent");
        assert_eq!(read_close_code(&mut tcp).await, Some(1002), "close code {code}");
    }
    server.shutdown().await;
}
