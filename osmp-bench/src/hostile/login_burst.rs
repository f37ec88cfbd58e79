//! Part 3 of the hostile-peers issue: a burst of wrong-password logins sent at once, from
//! one address (the per-address limit's case) or from as many addresses as logins (the
//! bounded pool of password checks' case), and how long a legitimate login from another
//! address takes meanwhile.
//!
//! The attackers speak the protocol by hand, as an attacker would: `login`, then the
//! answer to the server's `password-request` (a wrong password, encrypted for the key of
//! `session-initiated`). The legitimate user is the typed client, from 127.0.0.1.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use osmp::auth::{encrypt_password, parse_public_key, RsaPublicKey};
use osmp::prelude::*;
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::Message;

use super::tally::Tally;
use super::Outcome;
use crate::load::{command, connect_from, ServerProcess, Ws};
use crate::serve::{BENCH_PASSWORD, BENCH_USER};

/// Logins in the burst, one session each.
const LOGINS: usize = 200;
/// An attacker that has no answer by then gives up.
const GIVE_UP: Duration = Duration::from_secs(60);

/// Where the attackers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    /// All from 127.0.0.2.
    OneAddress,
    /// Each from an address of its own, 127.1.0.1 on.
    OneAddressEach,
}

impl Sources {
    fn address(self, attacker: usize) -> IpAddr {
        match self {
            Sources::OneAddress => IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
            Sources::OneAddressEach => {
                let [high, low] = u16::try_from(attacker + 1).unwrap_or(u16::MAX).to_be_bytes();
                IpAddr::V4(Ipv4Addr::new(127, 1, high, low))
            }
        }
    }
}

pub async fn run(server: &ServerProcess, sources: Sources) -> Result<Outcome, String> {
    let connecting =
        futures_util::stream::iter(0..LOGINS).map(|attacker| connect_from(server, Some(sources.address(attacker))));
    let attackers: Vec<(Ws, String)> =
        connecting.buffer_unordered(64).collect::<Vec<_>>().await.into_iter().collect::<Result<_, _>>()?;
    let key = Arc::new(server_key(&attackers[0].1)?);
    let user = Client::builder(format!("ws://{}/osmp/v1", server.addr))
        .call_timeout(GIVE_UP)
        .connect()
        .await
        .map_err(|e| format!("the legitimate user: {e}"))?;

    // Each attacker gives back one permit once its login is in the server's hands: its
    // password answer sent, or its login refused at once.
    let in_hand = Arc::new(Semaphore::new(0));
    let burst: Vec<_> =
        attackers.into_iter().map(|(ws, _)| tokio::spawn(guess(ws, key.clone(), in_hand.clone()))).collect();
    let all_in_hand = in_hand.acquire_many(LOGINS as u32);
    tokio::time::timeout(GIVE_UP, all_in_hand).await.map_err(|_| "the burst did not reach the server")?.ok();

    let started = Instant::now();
    let legitimate = user.login(BENCH_USER, BENCH_PASSWORD).await;
    let took = started.elapsed();
    let mut answers = Tally::default();
    for attacker in burst {
        answers.add(attacker.await.map_err(|e| e.to_string())?);
    }
    let source = match sources {
        Sources::OneAddress => "from one address",
        Sources::OneAddressEach => "each from an address of its own",
    };
    Ok(Outcome {
        size: format!("{LOGINS} wrong-password logins at once, {source}"),
        attackers: answers.summary(),
        notes: vec![match legitimate {
            Ok(_) => format!("a legitimate login from 127.0.0.1 meanwhile took {:.0} ms", took.as_secs_f64() * 1e3),
            Err(error) => format!(
                "a legitimate login from 127.0.0.1 meanwhile FAILED after {:.0} ms: {error}",
                took.as_secs_f64() * 1e3
            ),
        }],
    })
}

/// The server's key, from the text of `session-initiated`.
fn server_key(initiated: &str) -> Result<RsaPublicKey, String> {
    let event: Value = serde_json::from_str(initiated).map_err(|e| e.to_string())?;
    let text = event["data"]["public-key"].as_str().ok_or("session-initiated announces no public key")?;
    parse_public_key(text).map_err(|e| e.to_string())
}

/// One wrong-password login; returns the server's answer (`ERROR "Login failed!"`, a
/// refusal, or how the connection ended).
async fn guess(ws: Ws, key: Arc<RsaPublicKey>, in_hand: Arc<Semaphore>) -> String {
    let mut in_hand = Some(in_hand);
    let mut hand_over = || {
        if let Some(permits) = in_hand.take() {
            permits.add_permits(1);
        }
    };
    let answer = tokio::time::timeout(GIVE_UP, login(ws, &key, &mut hand_over)).await;
    hand_over();
    answer.unwrap_or_else(|_| format!("no answer within {} s", GIVE_UP.as_secs()))
}

async fn login(mut ws: Ws, key: &RsaPublicKey, hand_over: &mut impl FnMut()) -> String {
    let data = json!({"username": BENCH_USER, "method": "password"});
    if let Err(error) = ws.send(Message::text(command(1, "login", &data))).await {
        return format!("send failed: {error}");
    }
    while let Some(message) = ws.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(frame)) => return format!("closed {:?}", frame.map(|frame| u16::from(frame.code))),
            Ok(_) => continue,
            Err(error) => return format!("error: {error}"),
        };
        let Ok(message) = serde_json::from_str::<Value>(&text) else { continue };
        if message["type"] == "cmd" && message["id"] == "password-request" {
            let token = message["data"]["token"].as_str().unwrap_or_default();
            let Ok(encrypted) = encrypt_password(key, "a wrong guess", token) else { return "cannot encrypt".into() };
            let answer = json!({"type": "response", "nr": 2, "cmd-nr": message["nr"], "status": "OK",
                                "data": {"encrypted-password": encrypted}});
            if let Err(error) = ws.send(Message::text(answer.to_string())).await {
                return format!("send failed: {error}");
            }
            hand_over();
        } else if message["type"] == "response" && message["cmd-nr"] == 1 {
            return format!(
                "{} \"{}\"",
                message["status"].as_str().unwrap_or("?"),
                message["result"].as_str().unwrap_or("")
            );
        }
    }
    "ended without an answer".to_owned()
}
