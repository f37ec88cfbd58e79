//! The Director instruction set: IO control and logging management, as the specification's
//! chapter "Director Instruction Set" defines them.
//!
//! IO contacts are those of the simulated installation (`lo.<dom>.io.<nr>` on the DOM,
//! `lo.<dom>.io.<dal>.<nr>` on a call station). The logging commands work on the process's
//! real loggers, bridged from `tracing` (see the `logging` module): `log-stream` forwards
//! the simulator's own log messages as they happen, until it is cancelled.

use std::collections::BTreeMap;

use regex::RegexBuilder;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use osmp::prelude::*;

use super::lenient::Bool;
use super::logging::{logs, Level, LogLine, LoggerInfo, DIRECTOR};
use super::simulation::{PaError, PaSystem};

/// Director: system agnostic IO control, and the logging system.
///
/// Director is a PA management software. Its instruction set provides easy integration with
/// other applications and third party products.
#[osmp::instruction_set(name = "director")]
pub trait Director {
    /// Get the state of given IOs
    ///
    /// Returns a dictionary of { address:state, ... } where address is a system specific IO
    /// address and state may be true, false or null if the device was not reachable.
    async fn io_get(
        &self,
        #[param(doc = "List of system specific IO contact addresses")] addrs: Vec<String>,
        #[param(doc = "System (vd1, ied, itec, ambient, multi, remote ... or auto)")] system: Option<String>,
    ) -> Result<IoStates, CommandError>;

    /// Set the state of given IOs
    ///
    /// Switches IO contacts and returns the resulting state as a dictionary of
    /// { address:state, ... }: true, false, or null if the device was not reachable.
    async fn io_set(
        &self,
        #[param(doc = "The states to set: { address:state, ... }")] states: BTreeMap<String, Bool>,
        #[param(doc = "System (vd1, ied, itec, ambient, multi, remote ... or auto)")] system: Option<String>,
    ) -> Result<IoStates, CommandError>;

    /// List all loggers with level and statistics
    ///
    /// Returns all known loggers with their level and the number of messages they logged.
    async fn log_list(
        &self,
        #[param(doc = "Filter the list by logger name (regex, ignores case)")] filter: Option<String>,
    ) -> Result<LoggerList, CommandError>;

    /// Set level of a logger. If level is not given, return current level
    ///
    /// A level set on a logger applies to the loggers below it (VD1 to VD1.Calls) unless
    /// they have their own.
    async fn log_level(
        &self,
        #[param(doc = "Name of the logger (or '*' for all)")] logger: String,
        #[param(
            doc = "Set the logger to the given level (OFF, DEBUG, INFO, WARN, ERROR, FATAL) or DEFAULT to change back to default level."
        )]
        level: Option<String>,
    ) -> Result<LoggerLevel, CommandError>;

    /// Stream the given logger at given level with optional filter applied
    ///
    /// Forwards the log messages of the given loggers (and the loggers below them) from the
    /// given level up until the command is cancelled, as {date-time, logger, level, text,
    /// thread} objects after two text messages.
    #[command(stream = LogLine)]
    async fn log_stream(
        &self,
        cx: CommandContext,
        #[param(doc = "Name of the logger(s) that should be subscribed (comma delimited)")] logger: String,
        #[param(doc = "Filter expression (Regex, multiline, ignores case)")] filter: Option<String>,
        #[param(doc = "Logger level (default=DEBUG)")] level: Option<String>,
    ) -> Result<Outcome, CommandError>;
}

/// The answer of `io-get` and `io-set`: address → state, `null` if not reachable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IoStates {
    /// The state of every contact asked for
    pub rv: BTreeMap<String, Option<bool>>,
}

/// The answer of `log-list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoggerList {
    /// Every logger, by name
    pub loggers: Vec<LoggerInfo>,
}

/// The answer of `log-level`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoggerLevel {
    /// The logger's level
    pub level: Level,
}

/// The simulator knows only its own system; `auto` means it.
fn check_system(system: Option<&str>) -> Result<(), PaError> {
    match system {
        None => Ok(()),
        Some(system) if system.eq_ignore_ascii_case("vd1") || system.eq_ignore_ascii_case("auto") => Ok(()),
        Some(other) => Err(PaError::UnsupportedSystem(other.to_owned())),
    }
}

impl Director for PaSystem {
    async fn io_get(&self, addrs: Vec<String>, system: Option<String>) -> Result<IoStates, CommandError> {
        check_system(system.as_deref())?;
        let state = self.lock();
        let mut rv = BTreeMap::new();
        for addr in addrs {
            let contact = state.contact(&addr)?;
            rv.insert(addr, contact);
        }
        tracing::debug!(target: DIRECTOR, contacts = rv.len(), "io-get");
        Ok(IoStates { rv })
    }

    async fn io_set(&self, states: BTreeMap<String, Bool>, system: Option<String>) -> Result<IoStates, CommandError> {
        check_system(system.as_deref())?;
        let mut state = self.lock();
        let mut rv = BTreeMap::new();
        for (addr, on) in states {
            let result = state.set_contact(&addr, on.into())?;
            rv.insert(addr, result);
        }
        tracing::debug!(target: DIRECTOR, contacts = rv.len(), "io-set");
        Ok(IoStates { rv })
    }

    async fn log_list(&self, filter: Option<String>) -> Result<LoggerList, CommandError> {
        let filter = filter.map(|filter| RegexBuilder::new(&filter).case_insensitive(true).build()).transpose()?;
        let loggers = logs().list().into_iter().filter(|info| filter.as_ref().is_none_or(|f| f.is_match(&info.logger)));
        Ok(LoggerList { loggers: loggers.collect() })
    }

    async fn log_level(&self, logger: String, level: Option<String>) -> Result<LoggerLevel, CommandError> {
        let level = match level {
            Some(level) => logs().set_level(&logger, Level::parse(&level)?),
            None => logs().level(&logger),
        };
        tracing::debug!(target: DIRECTOR, logger, %level, "log-level");
        Ok(LoggerLevel { level })
    }

    async fn log_stream(
        &self,
        cx: CommandContext,
        logger: String,
        filter: Option<String>,
        level: Option<String>,
    ) -> Result<Outcome, CommandError> {
        let level = match level {
            Some(level) => Level::parse(&level)?.unwrap_or(Level::Debug),
            None => Level::Debug,
        };
        let filter =
            filter.map(|f| RegexBuilder::new(&f).case_insensitive(true).multi_line(true).build()).transpose()?;
        let loggers: Vec<String> =
            logger.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned).collect();
        if loggers.is_empty() {
            return Err(CommandError::invalid_params("parameter 'logger': name at least one logger"));
        }
        let mut follower = logs().follow(loggers, level, filter);
        cx.text(format!("Streaming logger(s) '{logger}' >= level {level}")).await?;
        cx.text(format!("Cancel cmd {} to stop this stream.", cx.nr())).await?;
        loop {
            tokio::select! {
                () = cx.cancelled() => return Ok(Outcome::text("Log stream cancelled.")),
                line = follower.next() => match line {
                    Some(line) => cx.stream(&line).await?,
                    None => return Ok(Outcome::text("Log stream ended.")),
                },
            }
        }
    }
}
