//! A public set using every feature of the macro, in a crate that denies warnings and
//! undocumented items.
#![deny(warnings, missing_docs)]

use std::sync::Arc;

use osmp_runtime::events::{EmitError, EventBus};
use osmp_runtime::instruction::{CommandContext, CommandError, InstructionSet, Outcome, Registry};
use osmp_runtime::session::Session;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Parameters of `vcall-create`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct VcallCreate {
    /// Unique identifier of the announcement.
    pub call_id: String,
    /// Announcement priority.
    pub priority: Option<u8>,
}

/// The answer of `vcall-create`.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct VcallCreated {
    /// The identifier.
    pub call: String,
}

/// Data of `vcall-status-changed`.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct CallStatus {
    /// The status.
    pub status: String,
}

/// A stream message of `log-stream`.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct LogEntry {
    /// One line.
    pub line: String,
}

/// A log level.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub enum Level {
    /// Everything.
    Debug,
}

/// A domain error that converts into `CommandError`.
#[derive(Debug)]
pub struct DeviceError;

impl From<DeviceError> for CommandError {
    fn from(_: DeviceError) -> CommandError {
        CommandError::new("device error")
    }
}

/// Announcement management of a Variodyn D1 system.
///
/// Further paragraphs are the set's long description.
#[osmp_runtime::instruction_set(name = "vd1", version = 1, requires = "vd1", crate = "osmp_runtime")]
pub trait Vd1 {
    /// Create a new or change an existing announcement.
    ///
    /// Further paragraphs become the long description.
    #[command(name = "vcall-create", alias = "vcc", aliases = ["vcall-new"], requires = "vd1.write")]
    async fn vcall_create(&self, #[flatten] call: VcallCreate) -> Result<VcallCreated, CommandError>;

    /// Start an existing announcement.
    #[command(alias = "vcall-start", version = 2)]
    async fn vcall_play(
        &self,
        #[param(name = "call-id", doc = "Unique identifier of the announcement")] id: String,
    ) -> Result<(), DeviceError>;

    /// Stream a logger until cancelled.
    #[command(stream = LogEntry)]
    async fn log_stream(&self, logger: String, cx: CommandContext, level: Option<Level>) -> Result<Outcome, CommandError>;

    /// A command without parameters, with the context first and a `Result` alias.
    async fn r#ping(&self, cx: osmp_runtime::instruction::CommandContext) -> std::io::Result<()>;

    /// Sent with every call status change.
    #[event(name = "vcall-status-changed")]
    fn vcall_status_changed(#[flatten] status: CallStatus);

    /// Sent when an IO contact changes.
    #[event(requires = "io")]
    fn io_changed(#[param(doc = "Contact address")] address: String, state: bool);
}

struct Device;

impl Vd1 for Device {
    async fn vcall_create(&self, call: VcallCreate) -> Result<VcallCreated, CommandError> {
        Ok(VcallCreated { call: format!("{}@{:?}", call.call_id, call.priority) })
    }

    async fn vcall_play(&self, id: String) -> Result<(), DeviceError> {
        if id.is_empty() {
            Err(DeviceError)
        } else {
            Ok(())
        }
    }

    async fn log_stream(&self, logger: String, cx: CommandContext, level: Option<Level>) -> Result<Outcome, CommandError> {
        cx.stream(&LogEntry { line: format!("{logger} {level:?}") }).await?;
        Ok(Outcome::text("Cancelled"))
    }

    async fn ping(&self, cx: CommandContext) -> std::io::Result<()> {
        let _ = cx.nr();
        Ok(())
    }
}

/// Every emitter method returns how many sessions the event was queued for.
pub fn emit(bus: &EventBus, session: &Session) -> Result<usize, EmitError> {
    let everyone = Vd1Events::new(bus);
    let one = Vd1Events::session(session).clone();
    assert!(everyone.subscriber().is_none() && one.subscriber().is_some_and(|s| s.id() == session.id()));
    Ok(everyone.vcall_status_changed(&CallStatus { status: "Connected".into() })?
        + one.io_changed("1.2", &true)?)
}

fn main() {
    let server = Vd1Server::new(Device);
    let shared = Vd1Server::from_arc(Arc::new(Device)).clone();
    println!("{server:?} {shared:?}");

    let schema = vd1_schema();
    assert_eq!(schema.name, "vd1");
    assert_eq!(schema.description, "Announcement management of a Variodyn D1 system.");
    let names: Vec<&str> = schema.commands.iter().map(|c| c.name.as_ref()).collect();
    assert_eq!(names, ["vcall-create", "vcall-play", "log-stream", "ping"]);
    let create = &schema.commands[0];
    assert_eq!(create.aliases.iter().map(AsRef::as_ref).collect::<Vec<&str>>(), ["vcc", "vcall-new"]);
    assert_eq!((create.version, create.requires.as_deref()), (1, Some("vd1.write")));
    assert_eq!(create.long_description, "Further paragraphs become the long description.");
    let params: Vec<(&str, bool)> = create.params.iter().map(|p| (p.name.as_ref(), p.required)).collect();
    assert_eq!(params, [("call-id", true), ("priority", false)]);
    assert_eq!(create.returns[0].name, "call");
    let play = &schema.commands[1];
    assert_eq!((play.version, play.requires.as_deref()), (2, Some("vd1")));
    assert_eq!(play.params[0].name, "call-id");
    assert_eq!(schema.events.iter().map(|e| e.name.as_ref()).collect::<Vec<&str>>(), ["vcall-status-changed", "io-changed"]);
    assert_eq!(schema.events[1].requires.as_deref(), Some("io"));

    let registry = Registry::new([Arc::new(server) as Arc<dyn InstructionSet>]);
    for name in ["vcall-create", "vcc", "vcallnew", "vcall-start", "log-stream", "ping"] {
        assert!(registry.resolve(name).is_some(), "{name}");
    }
    assert!(registry.event("io-changed").is_some());
    let _ = emit;
}
