//! The result data of the standard commands, with the field names the specification
//! prints. Their doc comments are the `return-values` that `help` shows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire::{Nr, Timestamp};

/// What `help` answers: the list of commands, one command in detail, or one instruction set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Help {
    /// With `cmd` naming an instruction set rather than a command (an extension of this
    /// implementation): the set's descriptions and its commands. Listed before `List`,
    /// whose only field it also has, so that it decodes as itself. Left out of the schema,
    /// so that `help`'s return values are the specification's.
    #[schemars(skip)]
    Set(SetHelp),
    /// Without `cmd`: every command.
    List(CommandList),
    /// With `cmd`: that command in detail.
    Detail(CommandHelp),
}

/// One instruction set: its documentation and the commands of it a session may run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct SetHelp {
    /// Name of the instruction set
    pub instruction_set: String,
    /// Short description of the instruction set
    pub description: String,
    /// Longer more detailed description of the instruction set
    pub long_description: String,
    /// Its commands
    pub commands: Vec<CommandSummary>,
}

/// Every command the server offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandList {
    /// List of available commands (returned only if parameter cmd is omitted)
    pub commands: Vec<CommandSummary>,
}

/// One line of the command list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CommandSummary {
    /// Name of the command
    pub command: String,
    /// List of aliases for the command
    pub aliases: Vec<String>,
    /// Instruction set is the name of the domain specific command group
    pub instruction_set: String,
    /// Short description of the command
    pub description: String,
}

/// One command in detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CommandHelp {
    /// Name of the optionally specified command
    pub command: String,
    /// List of aliases for the command
    pub aliases: Vec<String>,
    /// Command version number
    pub version: u32,
    /// Instruction set is the name of the domain specific command group
    pub instruction_set: String,
    /// Short description of the command
    pub description: String,
    /// Longer more detailed description of the command
    pub long_description: String,
    /// List of mandatory parameters (must be specified)
    pub mandatory_params: Vec<NameAndDescription>,
    /// List of optional parameters (can be omitted)
    pub optional_params: Vec<NameAndDescription>,
    /// List of return values
    pub return_values: Vec<NameAndDescription>,
}

/// A documented parameter or return value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NameAndDescription {
    /// Its name
    pub name: String,
    /// What it means
    pub description: String,
}

/// What `apropos` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Apropos {
    /// The commands whose documentation matches the term
    pub commands: Vec<AproposMatch>,
}

/// One command `apropos` found. The specification names the command `cmd` here where
/// `help` names it `command`: both are sent so that either reading works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct AproposMatch {
    /// Name of the command
    pub cmd: String,
    /// Name of the command (as `help` calls it)
    pub command: String,
    /// List of aliases for the command
    pub aliases: Vec<String>,
    /// Short description of the command
    pub description: String,
    /// The instruction set of the command
    pub instruction_set: String,
}

/// What `echo` returns when given a token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Echo {
    /// The token, unchanged
    pub token: Value,
}

/// What `time` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Time {
    /// The server time, ISO 8601 with offset
    pub date_time: Timestamp,
}

/// What `event-list` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventList {
    /// The current server time
    pub now: Timestamp,
    /// Every event that can be subscribed, with its subscription status
    pub events: Vec<EventInfo>,
}

/// One event of `event-list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct EventInfo {
    /// Name of the event
    pub event_name: String,
    /// The instruction set that declares it
    pub instruction_set: String,
    /// Short description of the event
    pub description: String,
    /// Until when this session subscribed it (null if not subscribed)
    pub subscribed_until: Option<Timestamp>,
}

/// What `active-cmds` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActiveCmds {
    /// The current server time
    pub now: Timestamp,
    /// The session's running commands other than this one
    pub cmds: Vec<ActiveCmd>,
}

/// One running command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct ActiveCmd {
    /// Name of the command as it was sent
    pub name: String,
    /// Its number, for cancel
    pub cmd_nr: Nr,
    /// When it started
    pub start_time: Timestamp,
}

/// What `memory` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Memory {
    /// Number of bytes currently in use. (long)
    pub bytes: u64,
}

/// One stream item of `cpu-usage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CpuUsage {
    /// Busy share of the whole machine's CPU time during the last second, in percent (0–100)
    pub value: u8,
}

/// One stream item of `find-files`: a file or folder below the root folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FoundPath {
    /// Its path: `./` and the path relative to the root folder, with `/` between folders
    pub path: String,
}

/// The data of a `download-part` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DownloadPart {
    /// Number of parts of the whole file (the same in every answer of one download)
    pub total_parts: u64,
    /// This part's bytes in base64 (65536 bytes, the last part fewer)
    pub content: String,
}
