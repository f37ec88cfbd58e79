//! Property tests of the session engine: arbitrary sequences of commands, cancellations,
//! garbage and stray messages, driven over channels with the clock paused (so that every
//! case is deterministic and fast).
//!
//! What must hold whatever the peer sends: nothing panics; every command is answered
//! exactly once, unless its number was already running (then an error event says so);
//! the engine's own numbers strictly increase; nothing is left running at the end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_channel::mpsc;
use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::{run, IncomingCommand, PeerHandler, Reply, Session, SessionConfig, SessionSetup, SessionShared};
use crate::limits::Limits;
use crate::transport::{CloseReason, Frame};
use crate::wire::{Payload, Status};

/// A handler's running command.
type Running = std::pin::Pin<Box<dyn std::future::Future<Output = Reply> + Send>>;

/// `OK` with data, or with nothing at all.
fn ok_with(data: Option<Payload>) -> Reply {
    Reply { status: Status::Ok, result: None, data, close: None }
}

/// Commands of every behaviour: instant, waiting, ignoring cancellation, panicking, failing.
struct Handler;

impl PeerHandler for Handler {
    type Future = Running;

    fn dispatch(&self, _session: &Session, command: IncomingCommand) -> Running {
        let data = command.data.map(|data| data.to_value()).unwrap_or(Value::Null);
        let token = command.token;
        match command.id {
            "echo" => Box::pin(async { ok_with(None) }),
            "sleep" => Box::pin(async move {
                let millis = data["ms"].as_u64().unwrap_or(0);
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(millis)) => ok_with(None),
                    () = token.cancelled() => Reply::ok("Cancelled"),
                }
            }),
            "stubborn" => Box::pin(async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                ok_with(None)
            }),
            "boom" => Box::pin(async { panic!("handler bug") }),
            "fail" => Box::pin(async { Reply::error("failed") }),
            other => Box::pin(std::future::ready(Reply::error(format!("Error: command '{other}' not found")))),
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Cmd { nr: u64, kind: &'static str, ms: u64 },
    Cancel(Vec<u64>),
    CancelAll,
    Garbage(String),
    StrayResponse(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let kind = prop::sample::select(vec!["echo", "sleep", "stubborn", "boom", "fail", "nope"]);
    prop_oneof![
        6 => (1u64..30, kind, 0u64..50).prop_map(|(nr, kind, ms)| Op::Cmd { nr, kind, ms }),
        2 => prop::collection::vec(0u64..35, 0..4).prop_map(Op::Cancel),
        1 => Just(Op::CancelAll),
        1 => ".{0,40}".prop_map(Op::Garbage),
        1 => (0u64..40).prop_map(Op::StrayResponse),
    ]
}

fn text(op: &Op, sequence: u64) -> String {
    match op {
        Op::Cmd { nr, kind, ms } => json!({"type": "cmd", "nr": nr, "id": kind, "data": {"ms": ms}}).to_string(),
        Op::Cancel(nrs) => json!({"type": "cancel", "nr": sequence, "data": {"cmds": nrs}}).to_string(),
        Op::CancelAll => json!({"type": "cancel", "nr": sequence, "data": {"cmds": "*"}}).to_string(),
        Op::Garbage(text) => text.clone(),
        Op::StrayResponse(cmd_nr) => {
            json!({"type": "response", "nr": sequence, "cmd-nr": cmd_nr, "status": "OK"}).to_string()
        }
    }
}

/// Runs the operations against an engine; returns every message it wrote and whether any
/// command was left running.
fn drive(ops: &[Op]) -> (Vec<Value>, bool) {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("a runtime");
    runtime.block_on(async {
        let config = SessionConfig { ping_interval: None, keepalive_interval: None, ..SessionConfig::default() };
        let mut limits = Limits::default();
        limits.commands.cancel_grace = Duration::from_millis(100);
        let session = Session(SessionShared::new(SessionSetup::new(None, Arc::new(config), Arc::new(limits))));
        let (mut to_engine, reader) = mpsc::channel::<Result<Frame, CloseReason>>(ops.len() + 2);
        let (writer, mut from_engine) = mpsc::channel(1024);
        let engine = tokio::spawn(run(session.clone(), Arc::new(Handler), reader, writer, CancellationToken::new()));
        for (sequence, op) in ops.iter().enumerate() {
            to_engine.send(Ok(Frame::Text(text(op, 1000 + sequence as u64).into()))).await.expect("engine reads");
        }
        // End everything still running, then read until nothing more comes.
        to_engine.send(Ok(Frame::Text(text(&Op::CancelAll, 9999).into()))).await.expect("engine reads");
        let mut written = Vec::new();
        while let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(60), from_engine.next()).await {
            if let Frame::Text(text) = frame {
                written.push(serde_json::from_str(&text).expect("the engine writes JSON"));
            }
        }
        let left_running = !session.active_commands().is_empty();
        drop(to_engine);
        let _ = tokio::time::timeout(Duration::from_secs(60), engine).await;
        (written, left_running)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_command_is_answered_exactly_once(ops in prop::collection::vec(op(), 0..40)) {
        let (written, left_running) = drive(&ops);
        prop_assert!(!left_running, "a command was left running");

        let mut responses: HashMap<u64, usize> = HashMap::new();
        let mut duplicates: HashMap<u64, usize> = HashMap::new();
        let mut last_nr = 0;
        for message in &written {
            let nr = message["nr"].as_u64().expect("every message has a number");
            prop_assert!(nr > last_nr, "numbers strictly increase: {} after {}", nr, last_nr);
            last_nr = nr;
            match message["type"].as_str() {
                Some("response") => *responses.entry(message["cmd-nr"].as_u64().expect("cmd-nr")).or_default() += 1,
                Some("event") if message["id"] == "error" => {
                    let description = message["data"]["description"].as_str().unwrap_or_default();
                    if let Some(rest) = description.strip_prefix("Command nr ") {
                        let nr: u64 = rest.split(' ').next().and_then(|n| n.parse().ok()).expect("a number");
                        *duplicates.entry(nr).or_default() += 1;
                    }
                }
                _ => {}
            }
        }
        let mut sent: HashMap<u64, usize> = HashMap::new();
        for op in &ops {
            if let Op::Cmd { nr, .. } = op {
                *sent.entry(*nr).or_default() += 1;
            }
        }
        for (nr, count) in &sent {
            let answered = responses.get(nr).copied().unwrap_or(0);
            let refused = duplicates.get(nr).copied().unwrap_or(0);
            prop_assert_eq!(answered + refused, *count, "command nr {}: {} answers, {} refused", nr, answered, refused);
        }
        for nr in responses.keys() {
            prop_assert!(sent.contains_key(nr), "a response for nr {} that was never sent", nr);
        }
    }

    #[test]
    fn decoding_never_panics(text in ".{0,200}") {
        let _ = crate::wire::Message::decode(&text);
    }

    #[test]
    fn decoding_arbitrary_json_never_panics(value in json_value()) {
        let _ = crate::wire::Message::decode(&value.to_string());
        // Envelopes with arbitrary field values.
        for kind in ["cmd", "response", "stream", "event", "cancel"] {
            let envelope = json!({"type": kind, "nr": value, "id": value, "data": value, "cmd-nr": value, "status": value});
            let _ = crate::wire::Message::decode(&envelope.to_string());
        }
    }

    #[test]
    fn what_is_written_reads_back_the_same(nr in 0u64..u64::MAX, cmd_nr in 0u64..u64::MAX, id in "[a-z-]{1,20}", data in json_value()) {
        use crate::wire::{Message, Payload, Response, Status};
        let data = matches!(data, Value::Object(_)).then(|| Payload::from_value(&data));
        let message = Message::Response(Response { nr, id: Some(id), cmd_nr, status: Status::Error, result: Some("why".into()), data });
        prop_assert_eq!(Message::decode(&message.to_json()).expect("decodes"), message);
    }
}

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z-]{0,8}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}
