//! The standard instruction set every OSMP server offers: help, apropos, echo, time, wait,
//! event-list, event-subscribe, event-unsubscribe, active-cmds, login, logout, memory and
//! cpu-usage (and `schema`, an extension); and, on a server given a root folder, the file
//! commands download-part, upload-part and find-files.
//!
//! It is written with `#[instruction_set]`, as any domain set is, so clients get a typed
//! [`StandardClient`] (`client.standard()`), and a domain set can override any of its
//! commands by declaring one of the same name with an equal or higher version. Response
//! shapes follow the specification's examples; the handlers live one topic per module.

mod apropos;
mod cpu;
mod events;
mod files;
mod help;
mod login;
mod memory;
mod types;
mod wait;

use serde_json::Value;

pub use types::{
    ActiveCmd, ActiveCmds, Apropos, AproposMatch, CommandHelp, CommandList, CommandSummary, CpuUsage, DownloadPart,
    Echo, EventInfo, EventList, FoundPath, Help, Memory, NameAndDescription, SetHelp, Time,
};

pub(crate) use files::FileRoot;
pub use files::{FILES_READ, FILES_WRITE, FILE_COMMANDS, PART_SIZE};

pub use login::LoginMethod;

use std::sync::Arc;

use crate::auth::Authenticator;
use crate::instruction::{export_sets, CommandContext, CommandError, Outcome};
use crate::wire::Timestamp;

/// Help, diagnostics, events and active commands: what every OSMP server offers.
#[crate::instruction_set(name = "standard", crate = "crate")]
pub trait Standard {
    /// List available commands or display extended command help.
    ///
    /// Without parameters, help will list all available commands.\
    /// With parameter 'cmd' set it will return detailed help on the given command, including
    /// parameter description and return values.
    #[command(alias = "?")]
    async fn help(
        &self,
        cx: CommandContext,
        #[param(doc = "The command to print extended help about.")] cmd: Option<String>,
    ) -> Result<Help, CommandError>;

    /// Full text search in all available commands for given keyword.
    ///
    /// Searches the names, aliases, descriptions, parameters and return values of every
    /// command for the term, a regular expression matched ignoring case.
    #[command(alias = "ap")]
    async fn apropos(
        &self,
        cx: CommandContext,
        #[param(doc = "The search filter (regex ignoring case)")] term: String,
    ) -> Result<Apropos, CommandError>;

    /// Returns the given token.
    ///
    /// The echo command is mainly for testing. It does nothing other than returning the
    /// token if one was given.
    async fn echo(
        &self,
        #[param(doc = "A piece of information to be echoed")] token: Option<Value>,
    ) -> Result<Option<Echo>, CommandError>;

    /// Returns the current server time.
    ///
    /// The server time might be very different from the client time. The command has no
    /// parameters.
    async fn time(&self) -> Result<Time, CommandError>;

    /// Wait indefinitely (until cancelled) or the given amount of seconds.
    ///
    /// The wait command is mainly used for testing. It simply waits indefinitely until
    /// cancelled. If you specify the optional parameter seconds it waits so many seconds and
    /// returns then.
    async fn wait(
        &self,
        cx: CommandContext,
        #[param(doc = "How long to wait, in seconds (may be fractional)")] seconds: Option<f64>,
    ) -> Result<Outcome, CommandError>;

    /// List all events including subscription status.
    ///
    /// Returns a list of all events which can be subscribed by the client in order to
    /// receive them, as well as their subscription status.
    #[command(name = "event-list", aliases = ["evl", "events"])]
    async fn event_list(&self, cx: CommandContext) -> Result<EventList, CommandError>;

    /// Subscribe a given event or all events.
    ///
    /// Subscribes the client to server-to-client events, a necessary precondition for
    /// receiving them. A subscription lasts until its timeout (ten years by default) or the
    /// end of the session. Some events send the current state right after subscribing.
    #[command(name = "event-subscribe", alias = "evs")]
    async fn event_subscribe(
        &self,
        cx: CommandContext,
        #[param(doc = "The event to subscribe (* for all events)")] event: String,
        #[param(
            doc = "The optional subscription time span: seconds, [d.]hh:mm:ss, ISO 8601 duration, or an end date-time"
        )]
        timeout: Option<Value>,
    ) -> Result<Outcome, CommandError>;

    /// Unsubscribe a given event or all events.
    ///
    /// Ends the subscription of the given event, or of all events with '*'. To retrieve all
    /// event subscriptions use the event-list command.
    #[command(name = "event-unsubscribe", alias = "evu")]
    async fn event_unsubscribe(
        &self,
        cx: CommandContext,
        #[param(doc = "The event to unsubscribe (* for all events)")] event: String,
    ) -> Result<Outcome, CommandError>;

    /// Returns list of active commands (excluding own).
    ///
    /// Returns the long-running commands of this session which are currently active, with
    /// their cmd-nr for cancellation.
    #[command(name = "active-cmds")]
    async fn active_cmds(&self, cx: CommandContext) -> Result<ActiveCmds, CommandError>;

    /// Request authentication with either username and password or username and public key.
    ///
    /// Password: the server answers with the command password-request carrying a token; the
    /// client returns the password and the token, RSA-encrypted for the server's public key
    /// (from session-initiated). Public key: the server answers with sign-request; the client
    /// returns the token's signature made with its private key.
    async fn login(
        &self,
        cx: CommandContext,
        #[param(doc = "The user account name")] username: String,
        #[param(doc = "Authentication method (password | public-key)")] method: LoginMethod,
        #[param(name = "public-key", doc = "The client's public key (.NET XML or PEM), for public-key login")]
        public_key: Option<String>,
    ) -> Result<Outcome, CommandError>;

    /// Logout the currently authenticated user.
    async fn logout(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Describes every instruction set as one JSON document.
    ///
    /// Commands, events, parameters and return values as help shows them, plus the JSON Schema
    /// of every parameter object, result, stream item and event (shared types under $defs).
    /// An extension of this implementation; the reference has no such command.
    async fn schema(&self, cx: CommandContext) -> Result<Value, CommandError>;

    /// Return used memory.
    ///
    /// Measured: the resident set size of the server process (the physical memory it
    /// occupies now, shared pages included), in bytes, as the operating system counts it
    /// (Linux: /proc/self/statm, resident pages times the page size). Cheap: nothing is
    /// collected or allocated to measure it.
    #[command(alias = "mem")]
    async fn memory(&self) -> Result<Memory, CommandError>;

    /// Return the overall system cpu usage and for the controller.
    ///
    /// Streams {"value": N} about once a second until cancelled: N is the percentage (0 to
    /// 100, rounded) of the whole machine's CPU time, all cores together, that was busy
    /// during the last second (Linux: the deltas of /proc/stat, busy = everything but idle and
    /// iowait). The first value comes about a second after the start. Answers OK
    /// "Cancelled." when cancelled.
    #[command(name = "cpu-usage", alias = "cpu", stream = CpuUsage)]
    async fn cpu_usage(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Download a file (in parts)
    ///
    /// The client asks for part 0, 1, 2, … in turn; each answer carries total_parts and one
    /// part of 65536 bytes (the last one shorter) in base64 as content. Part 0 starts (or
    /// restarts) the transfer. The file is read from the server's root folder: filename is
    /// relative to it (no absolute path, no '..'); only regular files are served.
    #[command(name = "download-part", requires = "files.read")]
    async fn download_part(
        &self,
        cx: CommandContext,
        #[param(doc = "Name of the file that is transferred.")] filename: String,
        #[param(name = "part_nr", doc = "Number of this part.")] part_nr: i64,
    ) -> Result<Outcome, CommandError>;

    /// Upload a file (in parts)
    ///
    /// The client sends part 0, 1, 2, … in turn, each with the number of parts of the whole
    /// file; part 0 starts (or restarts) the transfer. The file is written below the server's
    /// root folder under filename (its folder must exist), into a temporary file that
    /// replaces the destination only when the last part has arrived.
    #[command(name = "upload-part", requires = "files.write")]
    async fn upload_part(
        &self,
        cx: CommandContext,
        #[param(doc = "Name of the file that is transferred.")] filename: String,
        #[param(name = "total_parts", doc = "Number of total parts of the file that is being transferred.")]
        total_parts: i64,
        #[param(name = "part_nr", doc = "Number of this part.")] part_nr: i64,
        #[param(doc = "File (or part) in base64 encoding.")] content: String,
    ) -> Result<Outcome, CommandError>;

    /// Find files and directories matching a pattern.
    ///
    /// Streams one {"path": "./…"} per file and folder below the server's root folder whose
    /// name matches the filter (* any run of characters, ? exactly one), then answers OK.
    /// Symbolic links are listed but not followed. Cancellable.
    #[command(name = "find-files", alias = "find", requires = "files.read", stream = FoundPath)]
    async fn find_files(
        &self,
        cx: CommandContext,
        #[param(doc = "Filter expression (wildcards * and ?, i.e. *.txt). List all if omitted.")] filter: Option<
            String,
        >,
    ) -> Result<Outcome, CommandError>;
}

/// The standard commands as every server runs them.
#[derive(Debug, Clone, Default)]
pub struct StandardSet {
    auth: Option<Arc<Authenticator>>,
    /// The folder the file commands work in; without it they answer an error (a server
    /// does not even register them then).
    files: Option<Arc<FileRoot>>,
}

impl StandardSet {
    /// The set, logging users in with `auth` (without it, every login fails).
    pub fn new(auth: Option<Arc<Authenticator>>) -> StandardSet {
        StandardSet { auth, files: None }
    }

    /// The file commands work in `root`.
    pub(crate) fn with_files(mut self, root: FileRoot) -> StandardSet {
        self.files = Some(Arc::new(root));
        self
    }

    fn files(&self) -> Result<&Arc<FileRoot>, CommandError> {
        self.files.as_ref().ok_or_else(|| CommandError::new("File access is not configured on this server."))
    }
}

impl Standard for StandardSet {
    async fn help(&self, cx: CommandContext, cmd: Option<String>) -> Result<Help, CommandError> {
        help::run(&cx, cmd)
    }

    async fn apropos(&self, cx: CommandContext, term: String) -> Result<Apropos, CommandError> {
        apropos::run(&cx, &term)
    }

    async fn echo(&self, token: Option<Value>) -> Result<Option<Echo>, CommandError> {
        Ok(token.map(|token| Echo { token }))
    }

    async fn time(&self) -> Result<Time, CommandError> {
        Ok(Time { date_time: Timestamp::now() })
    }

    async fn wait(&self, cx: CommandContext, seconds: Option<f64>) -> Result<Outcome, CommandError> {
        wait::run(&cx, seconds).await
    }

    async fn event_list(&self, cx: CommandContext) -> Result<EventList, CommandError> {
        Ok(events::list(&cx))
    }

    async fn event_subscribe(
        &self,
        cx: CommandContext,
        event: String,
        timeout: Option<Value>,
    ) -> Result<Outcome, CommandError> {
        events::subscribe(&cx, &event, timeout)
    }

    async fn event_unsubscribe(&self, cx: CommandContext, event: String) -> Result<Outcome, CommandError> {
        events::unsubscribe(&cx, &event)
    }

    async fn active_cmds(&self, cx: CommandContext) -> Result<ActiveCmds, CommandError> {
        let cmds = cx
            .session()
            .active_commands()
            .into_iter()
            .filter(|command| command.nr != cx.nr())
            .map(|command| ActiveCmd { name: command.name, cmd_nr: command.nr, start_time: command.started })
            .collect();
        Ok(ActiveCmds { now: Timestamp::now(), cmds })
    }

    async fn login(
        &self,
        cx: CommandContext,
        username: String,
        method: LoginMethod,
        public_key: Option<String>,
    ) -> Result<Outcome, CommandError> {
        login::login(&cx, self.auth.as_ref(), username, method, public_key).await
    }

    async fn logout(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        Ok(login::logout(&cx, self.auth.as_ref()))
    }

    async fn schema(&self, cx: CommandContext) -> Result<Value, CommandError> {
        // Like help, the document shows only what this session may use.
        let session = cx.session();
        Ok(export_sets(cx.registry().sets(), |requires| session.is_permitted(requires)))
    }

    async fn memory(&self) -> Result<Memory, CommandError> {
        memory::resident().map(|bytes| Memory { bytes })
    }

    async fn cpu_usage(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        cpu::stream(&cx).await
    }

    async fn download_part(&self, cx: CommandContext, filename: String, part_nr: i64) -> Result<Outcome, CommandError> {
        files::download_part(self.files()?, &cx, filename, part_nr).await
    }

    async fn upload_part(
        &self,
        cx: CommandContext,
        filename: String,
        total_parts: i64,
        part_nr: i64,
        content: String,
    ) -> Result<Outcome, CommandError> {
        let part = files::UploadPart { filename, total_parts, part_nr, content };
        files::upload_part(self.files()?, &cx, part).await
    }

    async fn find_files(&self, cx: CommandContext, filter: Option<String>) -> Result<Outcome, CommandError> {
        files::find(self.files()?, &cx, filter).await
    }
}

/// The standard set is the one every server has: its schema document is complete.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::instruction::export_schema;
    use serde_json::json;

    #[test]
    fn exports_every_command_with_resolvable_references() {
        let document = export_schema([standard_schema()]);
        let commands = document["instruction-sets"][0]["commands"].as_array().unwrap();
        let names: Vec<&str> = commands.iter().filter_map(|c| c["command"].as_str()).collect();
        assert!(names.contains(&"help") && names.contains(&"active-cmds"), "{names:?}");
        let help = commands.iter().find(|c| c["command"] == "help").unwrap();
        assert_eq!(help["aliases"], json!(["?"]));
        assert_eq!(help["optional-params"][0]["name"], "cmd");
        // Every reference points into the document's own definitions.
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]) {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            assert!(document.pointer(pointer).is_some(), "{reference} resolves");
        }
    }
}
