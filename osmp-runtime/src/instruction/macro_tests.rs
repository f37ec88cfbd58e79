//! `#[instruction_set]` end to end: a set declared with every feature of the macro,
//! dispatched through the registry with real command contexts and a test session, its
//! schema, and its events reaching a subscribed session.
//!
//! These tests live inside the crate because a `CommandContext` and a `Session` can only be
//! built here; the UI tests in `tests/` cover what the macro accepts and rejects.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::events::{Attachment, EventBus};
use crate::instruction::{CommandContext, CommandError, ErrorKind, InstructionSet, Outcome, Params, Registry};
use crate::session::{Session, SessionConfig, SessionSetup, SessionShared};
use crate::wire::{Event, EventBody, Message, Payload, StreamMessage, Timeout, Timestamp};

/// Parameters of `vcall-create`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct VcallCreate {
    /// Unique identifier of the announcement to be created (or manipulated).
    call_id: String,
    /// List of audio sources to play in sequence.
    sources: Option<Vec<String>>,
    /// List of zones to announce to.
    zones: Option<Vec<String>>,
    /// Announcement priority.
    priority: Option<u8>,
}

/// The answer of `vcall-create`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct VcallCreated {
    /// The announcement as it is now.
    call: Call,
}

/// An announcement.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Call {
    call_id: String,
    sources: Vec<String>,
    zones: Vec<String>,
    priority: u8,
    owner: Option<String>,
}

/// The data of `vcall-status-changed`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CallStatus {
    /// Call id.
    call_id: String,
    /// Call status.
    status: String,
}

/// One stream message of `log-stream`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct LogEntry {
    line: String,
}

/// A log level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Everything.
    Debug,
    /// Problems only.
    Error,
}

/// Announcement management of a Variodyn D1 system.
///
/// Further paragraphs are the set's long description.
#[crate::instruction_set(name = "vd1", version = 1, crate = "crate")]
pub trait Vd1 {
    /// Create a new or change an existing announcement.
    ///
    /// In order to start an announcement you need to create a call-object
    /// and assign a unique id to it.
    ///
    /// Delete calls you no longer need.
    #[command(name = "vcall-create", alias = "vcc")]
    async fn vcall_create(&self, #[flatten] call: VcallCreate) -> Result<VcallCreated, CommandError>;

    /// Start an existing announcement.
    #[command(alias = "vcall-start", version = 2, requires = "vd1.play")]
    async fn vcall_play(
        &self,
        #[param(doc = "Unique identifier of the announcement")] call_id: String,
    ) -> Result<(), CommandError>;

    /// Change the priority of an announcement.
    async fn vcall_priority(&self, call_id: String, priority: Option<u8>) -> Result<Outcome, String>;

    /// Stream a logger until cancelled.
    #[command(stream = LogEntry)]
    async fn log_stream(
        &self,
        logger: String,
        cx: CommandContext,
        level: Option<Level>,
    ) -> Result<Outcome, CommandError>;

    /// Sent with every call status change.
    #[event(name = "vcall-status-changed")]
    fn vcall_status_changed(#[flatten] status: CallStatus);

    /// Sent when an IO contact changes.
    #[event(requires = "io.read")]
    fn io_changed(#[param(doc = "Contact address")] address: String, state: bool, label: Option<String>);
}

#[derive(Default)]
struct Device {
    calls: Mutex<HashMap<String, Call>>,
}

impl Vd1 for Device {
    async fn vcall_create(&self, call: VcallCreate) -> Result<VcallCreated, CommandError> {
        let mut calls = self.calls.lock().unwrap();
        let entry = calls.entry(call.call_id.clone()).or_insert_with(|| Call {
            call_id: call.call_id.clone(),
            sources: Vec::new(),
            zones: Vec::new(),
            priority: 41,
            owner: None,
        });
        entry.sources = call.sources.unwrap_or_else(|| entry.sources.clone());
        entry.zones = call.zones.unwrap_or_else(|| entry.zones.clone());
        entry.priority = call.priority.unwrap_or(entry.priority);
        Ok(VcallCreated { call: entry.clone() })
    }

    async fn vcall_play(&self, call_id: String) -> Result<(), CommandError> {
        if self.calls.lock().unwrap().contains_key(&call_id) {
            Ok(())
        } else {
            Err(CommandError::not_found(format!("No such call: {call_id}")))
        }
    }

    async fn vcall_priority(&self, call_id: String, priority: Option<u8>) -> Result<Outcome, String> {
        match priority {
            Some(0) => Err(format!("priority 0 is reserved ({call_id})")),
            Some(priority) => Ok(Outcome::text(format!("{call_id}: priority {priority}"))),
            None => Ok(Outcome::text(format!("{call_id}: priority unchanged"))),
        }
    }

    async fn log_stream(
        &self,
        logger: String,
        cx: CommandContext,
        level: Option<Level>,
    ) -> Result<Outcome, CommandError> {
        cx.stream(&LogEntry { line: format!("{logger} started at {level:?}") }).await?;
        cx.stream(&LogEntry { line: format!("{logger} running as {}", cx.command()) }).await?;
        Ok(Outcome::text("Cancelled"))
    }
}

/// A registry with the set, an event bus and one attached session whose outgoing
/// messages the test reads.
struct Harness {
    registry: Arc<Registry>,
    bus: EventBus,
    session: Session,
    _attachment: Attachment,
    next_nr: AtomicU64,
}

impl Harness {
    fn new() -> Harness {
        let set: Arc<dyn InstructionSet> = Arc::new(Vd1Server::new(Device::default()));
        let registry = Arc::new(Registry::new([set]));
        let bus = EventBus::new(registry.event_names());
        let config = SessionConfig { event_batch_window: Duration::ZERO, ..SessionConfig::default() };
        let shared = SessionShared::new(SessionSetup::new(None, Arc::new(config), Arc::default()));
        let attachment = bus.attach(&shared);
        Harness { registry, bus, session: Session(shared), _attachment: attachment, next_nr: AtomicU64::new(1) }
    }

    /// Runs a command as the session engine would: resolve, register, build the context, call.
    async fn call(&self, name: &str, data: Value) -> Result<Outcome, CommandError> {
        let command = self.registry.resolve(name).unwrap_or_else(|| panic!("no command {name}"));
        let nr = self.next_nr.fetch_add(1, Ordering::Relaxed);
        let canonical = command.schema().name.to_string();
        let (token, _) = self.session.0.active.insert(nr, &canonical).expect("room for the command");
        let cx = CommandContext::new(
            self.session.clone(),
            nr,
            canonical.clone().into(),
            token,
            self.registry.clone(),
            self.bus.clone(),
        );
        let params = Params::from_data(Some(&Payload::from_value(&data)))?;
        let result = command.set().call(command.index(), params, cx).await;
        self.session.0.active.remove(nr);
        result
    }

    /// Everything the session queued for the peer so far.
    fn sent(&self) -> Vec<Message> {
        // The queued messages are swapped into `batch` when there are any.
        let mut batch = VecDeque::new();
        let _ = self.session.0.outbound.next_task(&mut batch);
        batch.into()
    }

    fn subscribe(&self, event: &str) {
        assert!(self.session.subscribe(event, Timeout::After(Duration::from_secs(60)).deadline(Timestamp::now())));
    }
}

fn data(outcome: &Outcome) -> Value {
    outcome.payload().map(Payload::to_value).unwrap_or(Value::Null)
}

#[tokio::test]
async fn plain_parameters() {
    let harness = Harness::new();
    let error = harness.call("vcall-play", json!({})).await.unwrap_err();
    assert_eq!(error.to_string(), "missing mandatory parameter 'call-id'");
    assert_eq!(error.kind(), ErrorKind::InvalidParams);
    let error = harness.call("vcall-start", json!({"call-id": "testcall1"})).await.unwrap_err();
    assert_eq!((error.kind(), error.to_string().as_str()), (ErrorKind::NotFound, "No such call: testcall1"));

    harness.call("vcc", json!({"call-id": "testcall1"})).await.unwrap();
    let played = harness.call("vcall-play", json!({"call-id": "testcall1", "unknown": 1})).await.unwrap();
    assert_eq!(played, Outcome::ok(), "`()` answers an empty OK; unknown parameters are ignored");
}

#[tokio::test]
async fn optional_parameters_and_error_conversion() {
    let harness = Harness::new();
    let error = harness.call("vcall-priority", json!({"call-id": "a", "priority": "high"})).await.unwrap_err();
    assert_eq!(error.to_string(), r#"parameter 'priority': expected integer, got string "high""#);
    let outcome = harness.call("vcall-priority", json!({"call-id": "a"})).await.unwrap();
    assert_eq!(outcome.result(), Some("a: priority unchanged"));
    let outcome = harness.call("vcall-priority", json!({"call-id": "a", "priority": null})).await.unwrap();
    assert_eq!(outcome.result(), Some("a: priority unchanged"), "null counts as absent");
    let outcome = harness.call("vcall-priority", json!({"call-id": "a", "priority": 7})).await.unwrap();
    assert_eq!(outcome.result(), Some("a: priority 7"));
    // `Result<_, String>`: the error converts into a domain failure.
    let error = harness.call("vcall-priority", json!({"call-id": "a", "priority": 0})).await.unwrap_err();
    assert_eq!((error.kind(), error.to_string().as_str()), (ErrorKind::Failed, "priority 0 is reserved (a)"));
}

#[tokio::test]
async fn parameter_struct_and_data_result() {
    let harness = Harness::new();
    let created = harness
        .call(
            "vcall-create",
            json!({"call-id": "testcall1", "sources": ["EvacuationText"], "zones": ["Floor 3", "Lobby"], "priority": 42}),
        )
        .await
        .unwrap();
    assert_eq!(
        data(&created),
        json!({"call": {"call-id": "testcall1", "sources": ["EvacuationText"], "zones": ["Floor 3", "Lobby"],
                        "priority": 42, "owner": null}})
    );
    let edited =
        harness.call("vcc", json!({"call-id": "testcall1", "sources": ["Gong", "EvacuationText"]})).await.unwrap();
    assert_eq!(data(&edited)["call"]["sources"], json!(["Gong", "EvacuationText"]));
    assert_eq!(data(&edited)["call"]["priority"], json!(42));

    let error = harness.call("vcall-create", json!({"priority": 1})).await.unwrap_err();
    assert_eq!(error.to_string(), "missing mandatory parameter 'call-id'");
    let error = harness.call("vcall-create", json!({"call-id": "x", "priority": "high"})).await.unwrap_err();
    // The words of a plain parameter (issue 14, item 16), no longer serde's own.
    assert_eq!(error.to_string(), r#"parameter 'priority': expected integer, got string "high""#);
}

#[tokio::test]
async fn context_argument_streams() {
    let harness = Harness::new();
    let outcome = harness.call("log-stream", json!({"logger": "amp", "level": "error"})).await.unwrap();
    assert_eq!(outcome.result(), Some("Cancelled"));
    let streamed: Vec<Value> = harness
        .sent()
        .into_iter()
        .map(|message| match message {
            Message::Stream(StreamMessage { id, data, .. }) => {
                assert_eq!(id.as_deref(), Some("log-stream"));
                data.map(|data| data.to_value()).unwrap_or_default()
            }
            other => panic!("expected a stream message, got {other:?}"),
        })
        .collect();
    assert_eq!(streamed, [json!({"line": "amp started at Some(Error)"}), json!({"line": "amp running as log-stream"})]);

    let error = harness.call("log-stream", json!({"logger": "amp", "level": "loud"})).await.unwrap_err();
    assert!(error.to_string().starts_with("parameter 'level': unknown variant `loud`"), "{error}");
}

#[tokio::test]
async fn unknown_command_index_is_an_internal_error() {
    let harness = Harness::new();
    let server = Vd1Server::new(Device::default());
    let command = harness.registry.resolve("vcall-play").unwrap();
    let cx = CommandContext::new(
        harness.session.clone(),
        99,
        "x".into(),
        CancellationToken::new(),
        harness.registry.clone(),
        harness.bus.clone(),
    );
    let error = server.call(command.set().schema().commands.len(), Params::default(), cx).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Internal);
    assert_eq!(error.to_string(), "the instruction set 'vd1' has no command number 4");
}

#[test]
fn set_and_command_schema() {
    let schema = vd1_schema();
    assert!(std::ptr::eq(schema, Vd1Server::new(Device::default()).schema()), "built once");
    assert_eq!(schema.name, "vd1");
    assert_eq!(schema.description, "Announcement management of a Variodyn D1 system.");
    let summary: Vec<(&str, Vec<&str>, u32, Option<&str>)> = schema
        .commands
        .iter()
        .map(|c| (c.name.as_ref(), c.aliases.iter().map(AsRef::as_ref).collect(), c.version, c.requires.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("vcall-create", vec!["vcc"], 1, None),
            ("vcall-play", vec!["vcall-start"], 2, Some("vd1.play")),
            ("vcall-priority", vec![], 1, None),
            ("log-stream", vec![], 1, None),
        ]
    );

    let create = schema.command("vcall-create").unwrap();
    assert_eq!(create.description, "Create a new or change an existing announcement.");
    assert_eq!(
        create.long_description,
        "In order to start an announcement you need to create a call-object and assign a unique id to it.\n\n\
         Delete calls you no longer need."
    );
    let params: Vec<(&str, bool, &str)> =
        create.params.iter().map(|p| (p.name.as_ref(), p.required, p.description.as_ref())).collect();
    assert_eq!(
        params,
        vec![
            ("call-id", true, "Unique identifier of the announcement to be created (or manipulated)."),
            ("priority", false, "Announcement priority."),
            ("sources", false, "List of audio sources to play in sequence."),
            ("zones", false, "List of zones to announce to."),
        ]
    );
    let returns: Vec<(&str, &str)> = create.returns.iter().map(|f| (f.name.as_ref(), f.description.as_ref())).collect();
    assert_eq!(returns, vec![("call", "The announcement as it is now.")]);
    let result_schema = create.result_schema.expect("data results have a schema");
    let result_schema = result_schema(&mut schemars::SchemaGenerator::default());
    assert_eq!(result_schema.get("type"), Some(&json!("object")));

    let play = schema.command("vcall-play").unwrap();
    assert_eq!(play.long_description, "");
    assert!(play.returns.is_empty() && play.result_schema.is_none());
    let params: Vec<(&str, bool, &str)> =
        play.params.iter().map(|p| (p.name.as_ref(), p.required, p.description.as_ref())).collect();
    assert_eq!(params, vec![("call-id", true, "Unique identifier of the announcement")]);
    let call_id_schema = play.params[0].schema.unwrap()(&mut schemars::SchemaGenerator::default());
    assert_eq!(call_id_schema.get("type"), Some(&json!("string")));

    let stream = schema.command("log-stream").unwrap();
    let params: Vec<(&str, bool)> = stream.params.iter().map(|p| (p.name.as_ref(), p.required)).collect();
    assert_eq!(params, vec![("logger", true), ("level", false)], "the context is not a parameter");
    assert!(stream.result_schema.is_none());
}

#[test]
fn event_schema() {
    let schema = vd1_schema();
    let [status, io] = &schema.events[..] else { panic!("two events") };
    assert_eq!(
        (status.name.as_ref(), status.description.as_ref()),
        ("vcall-status-changed", "Sent with every call status change.")
    );
    let fields: Vec<(&str, &str)> = status.fields.iter().map(|f| (f.name.as_ref(), f.description.as_ref())).collect();
    assert_eq!(fields, vec![("call-id", "Call id."), ("status", "Call status.")]);
    assert!(status.requires.is_none());

    assert_eq!((io.name.as_ref(), io.requires.as_deref()), ("io-changed", Some("io.read")));
    let fields: Vec<(&str, &str)> = io.fields.iter().map(|f| (f.name.as_ref(), f.description.as_ref())).collect();
    assert_eq!(fields, vec![("address", "Contact address"), ("state", ""), ("label", "")]);
    let io_schema = io.schema.unwrap()(&mut schemars::SchemaGenerator::default()).to_value();
    assert_eq!(io_schema["required"], json!(["address", "state"]));
    assert_eq!(io_schema["properties"]["address"], json!({"type": "string", "description": "Contact address"}));
    assert_eq!(io_schema["properties"]["state"], json!({"type": "boolean"}));
}

fn events_sent(harness: &Harness) -> Vec<(String, Value)> {
    harness
        .sent()
        .into_iter()
        .flat_map(|message| match message {
            Message::Event(Event { body: EventBody::Single(item), .. }) => vec![item],
            Message::Event(Event { body: EventBody::Multi(items), .. }) => items,
            other => panic!("expected an event, got {other:?}"),
        })
        .map(|item| (item.event, item.data.map(|data| data.to_value()).unwrap_or_default()))
        .collect()
}

#[test]
fn events_reach_subscribed_sessions() {
    let harness = Harness::new();
    let events = Vd1Events::new(&harness.bus);
    let status = CallStatus { call_id: "testcall1".into(), status: "Connected".into() };
    assert_eq!(events.vcall_status_changed(&status).unwrap(), 0, "not subscribed yet");
    harness.subscribe("vcall-status-changed");
    harness.subscribe("io-changed");
    assert_eq!(events.vcall_status_changed(&status).unwrap(), 1);
    assert_eq!(events.io_changed("1.1.3", true, None).unwrap(), 1);
    assert_eq!(events.io_changed("1.1.4", false, Some("door")).unwrap(), 1);
    assert_eq!(
        events_sent(&harness),
        vec![
            ("vcall-status-changed".to_owned(), json!({"call-id": "testcall1", "status": "Connected"})),
            ("io-changed".to_owned(), json!({"address": "1.1.3", "state": true, "label": null})),
            ("io-changed".to_owned(), json!({"address": "1.1.4", "state": false, "label": "door"})),
        ]
    );
}

#[test]
fn session_emitter_sends_to_one_session() {
    let harness = Harness::new();
    let snapshot = Vd1Events::session(&harness.session);
    assert_eq!(snapshot.io_changed("1", true, None).unwrap(), 0, "not subscribed");
    harness.subscribe("io-changed");
    assert_eq!(snapshot.io_changed("1", true, None).unwrap(), 1);
    assert_eq!(
        events_sent(&harness),
        vec![("io-changed".to_owned(), json!({"address": "1", "state": true, "label": null}))]
    );
}
