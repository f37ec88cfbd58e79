//! Director's loggers, bridged through `tracing`.
//!
//! The simulator logs with the ordinary `tracing` macros and names its loggers as targets:
//! `tracing::info!(target: CALLS, "…")`. [`Bridge`] is a `tracing_subscriber` layer that sees
//! every event of the process and hands it to [`Logs`], which plays Director's logging
//! system for the `log-list`, `log-level` and `log-stream` commands:
//!
//! - Every target is a logger: the simulator's four (`Director`, `VD1.Calls`,
//!   `VD1.Devices`, `VD1.IO`) from the start, any other (the framework's own modules,
//!   `osmp_runtime::…`) once it logged something.
//! - A logger has a level (log4net's: DEBUG < INFO < WARN < ERROR < FATAL, and OFF; WARN
//!   unless set). As in log4net, a level set on `VD1` also applies to `VD1.Calls` unless that
//!   has its own, and `*` stands for every logger. The level decides what the logger logs:
//!   what it counts (`log-list`) and what the example's console shows.
//! - A `log-stream` command follows loggers (a logger follows its children too) at a level of
//!   its own, whatever the loggers' levels, as an appender added while it runs would. It gets
//!   each message as `{"date-time","logger","level","text","thread"}`.
//!
//! `tracing` has no FATAL level, and its TRACE is below anything Director knows: TRACE events
//! are not bridged.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};

use osmp::prelude::*;
use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer};

/// The logger of the server as a whole: start-up, and the Director commands it runs.
pub const DIRECTOR: &str = "Director";
/// Announcements: created, started, connected, interrupted, ended.
pub const CALLS: &str = "VD1.Calls";
/// Device status changes.
pub const DEVICES: &str = "VD1.Devices";
/// IO contacts switched.
pub const IO: &str = "VD1.IO";

/// The level of a logger that nobody set one for, and what `DEFAULT` goes back to.
const DEFAULT_LEVEL: Level = Level::Warn;

/// Messages a `log-stream` may fall behind by before further ones are dropped.
const STREAM_BACKLOG: usize = 1024;

/// A log level, as Director (log4net) names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
    Off,
}

impl Level {
    /// The level of a `tracing` event; `None` for TRACE.
    fn of(level: &tracing::Level) -> Option<Level> {
        match *level {
            tracing::Level::TRACE => None,
            tracing::Level::DEBUG => Some(Level::Debug),
            tracing::Level::INFO => Some(Level::Info),
            tracing::Level::WARN => Some(Level::Warn),
            tracing::Level::ERROR => Some(Level::Error),
        }
    }

    /// Reads a level given by a client, in any case; `DEFAULT` is `Ok(None)`.
    pub fn parse(text: &str) -> Result<Option<Level>, CommandError> {
        let level = match text.trim().to_ascii_uppercase().as_str() {
            "DEFAULT" => return Ok(None),
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" => Level::Warn,
            "ERROR" => Level::Error,
            "FATAL" => Level::Fatal,
            "OFF" => Level::Off,
            _ => {
                return Err(CommandError::invalid_params(format!(
                    "Unknown level '{text}': use OFF, DEBUG, INFO, WARN, ERROR, FATAL or DEFAULT"
                )))
            }
        };
        Ok(Some(level))
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::Off => "OFF",
        };
        f.write_str(name)
    }
}

/// One message of a `log-stream`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct LogLine {
    /// The timestamp of this message
    pub date_time: Timestamp,
    /// Logger name of this log message
    pub logger: String,
    /// Logger level of this message. Can be DEBUG, INFO, WARN, ERROR or FATAL.
    pub level: Level,
    /// The log message
    pub text: String,
    /// The thread number of the context this log message was generated on
    pub thread: u64,
}

/// A logger as `log-list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoggerInfo {
    /// Logger name
    pub logger: String,
    /// Its level
    pub level: Level,
    /// Messages it logged (at or above its level)
    pub count: u64,
}

/// The loggers of the process (there is one `tracing` dispatcher, so there is one of these).
pub fn logs() -> &'static Logs {
    static LOGS: LazyLock<Logs> = LazyLock::new(Logs::new);
    &LOGS
}

/// Director's logging system: loggers, their levels and counts, and the streams following them.
pub struct Logs {
    inner: Mutex<Inner>,
}

struct Inner {
    /// Every known logger and how many messages it logged.
    counts: BTreeMap<String, u64>,
    /// Levels set with `log-level`; `*` is the level of loggers without one of their own.
    levels: BTreeMap<String, Level>,
    streams: Vec<Stream>,
    next_stream: u64,
}

/// A running `log-stream`.
struct Stream {
    id: u64,
    loggers: Vec<String>,
    level: Level,
    filter: Option<Regex>,
    sender: mpsc::Sender<LogLine>,
}

impl Logs {
    fn new() -> Logs {
        let counts = [DIRECTOR, CALLS, DEVICES, IO].into_iter().map(|name| (name.to_owned(), 0)).collect();
        Logs { inner: Mutex::new(Inner { counts, levels: BTreeMap::new(), streams: Vec::new(), next_stream: 1 }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every known logger with its level and count, by name.
    pub fn list(&self) -> Vec<LoggerInfo> {
        let inner = self.lock();
        let info = |(logger, count): (&String, &u64)| LoggerInfo {
            logger: logger.clone(),
            level: inner.level_of(logger),
            count: *count,
        };
        inner.counts.iter().map(info).collect()
    }

    /// The level of a logger (`*`: of the loggers without one of their own).
    pub fn level(&self, logger: &str) -> Level {
        self.lock().level_of(logger)
    }

    /// Sets the level of a logger and the loggers below it, or with `None` makes it follow
    /// its parent again; `*` sets (or resets) every logger. Returns the level now in force.
    pub fn set_level(&self, logger: &str, level: Option<Level>) -> Level {
        let mut inner = self.lock();
        if logger == "*" {
            inner.levels.clear();
        } else {
            inner.counts.entry(logger.to_owned()).or_default();
        }
        match level {
            Some(level) => inner.levels.insert(logger.to_owned(), level),
            None => inner.levels.remove(logger),
        };
        inner.level_of(logger)
    }

    /// Whether a logger logs a message of this level (what the console shows).
    pub fn logs(&self, logger: &str, level: &tracing::Level) -> bool {
        Level::of(level).is_some_and(|level| level >= self.lock().level_of(logger))
    }

    /// Starts following loggers (comma-separated names) from `level` up, their messages
    /// matching `filter` if one is given.
    pub fn follow(&'static self, loggers: Vec<String>, level: Level, filter: Option<Regex>) -> Follower {
        let (sender, receiver) = mpsc::channel(STREAM_BACKLOG);
        let mut inner = self.lock();
        let id = inner.next_stream;
        inner.next_stream += 1;
        inner.streams.push(Stream { id, loggers, level, filter, sender });
        Follower { logs: self, id, receiver }
    }

    /// What the bridge does with every event.
    fn record(&self, event: &tracing::Event<'_>) {
        let Some(level) = Level::of(event.metadata().level()) else { return };
        let logger = event.metadata().target();
        let mut inner = self.lock();
        let counted = u64::from(level >= inner.level_of(logger));
        match inner.counts.get_mut(logger) {
            Some(count) => *count += counted,
            // A logger is known from its first message on.
            None => {
                inner.counts.insert(logger.to_owned(), counted);
            }
        }
        let mut followers = inner.streams.iter().filter(|stream| level >= stream.level && stream.follows(logger));
        let Some(first) = followers.next() else { return };
        let line = LogLine {
            date_time: Timestamp::now(),
            logger: logger.to_owned(),
            level,
            text: text_of(event),
            thread: thread_number(),
        };
        for stream in std::iter::once(first).chain(followers) {
            if stream.filter.as_ref().is_none_or(|filter| filter.is_match(&line.text)) {
                // A stream that fell too far behind loses messages rather than holding up the logger.
                let _ = stream.sender.try_send(line.clone());
            }
        }
    }
}

impl Inner {
    /// The level set on the logger or on the nearest logger above it, or the default.
    fn level_of(&self, logger: &str) -> Level {
        let mut name = logger;
        loop {
            if let Some(level) = self.levels.get(name) {
                return *level;
            }
            match name.rfind('.') {
                Some(dot) => name = &name[..dot],
                None => return self.levels.get("*").copied().unwrap_or(DEFAULT_LEVEL),
            }
        }
    }
}

impl Stream {
    /// `VD1` follows `VD1` and `VD1.Calls`; `*` follows everything.
    fn follows(&self, logger: &str) -> bool {
        self.loggers.iter().any(|name| {
            name == "*"
                || logger.strip_prefix(name.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }
}

/// A running `log-stream`'s end of the logging system; it stops following when dropped.
pub struct Follower {
    logs: &'static Logs,
    id: u64,
    receiver: mpsc::Receiver<LogLine>,
}

impl Follower {
    /// The next message.
    pub async fn next(&mut self) -> Option<LogLine> {
        self.receiver.recv().await
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.logs.lock().streams.retain(|stream| stream.id != self.id);
    }
}

/// The `tracing_subscriber` layer that feeds every event of the process to [`logs()`].
pub struct Bridge;

impl<S: tracing::Subscriber> Layer<S> for Bridge {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        logs().record(event);
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }
}

/// The message of an event, followed by its other fields as `key=value`.
fn text_of(event: &tracing::Event<'_>) -> String {
    #[derive(Default)]
    struct Text {
        message: String,
        fields: String,
    }
    impl Visit for Text {
        fn record_str(&mut self, field: &Field, value: &str) {
            match field.name() {
                "message" => self.message.push_str(value),
                name => {
                    let _ = write!(self.fields, " {name}={value}");
                }
            }
        }
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            match field.name() {
                "message" => {
                    let _ = write!(self.message, "{value:?}");
                }
                name => {
                    let _ = write!(self.fields, " {name}={value:?}");
                }
            }
        }
    }
    let mut text = Text::default();
    event.record(&mut text);
    text.message + &text.fields
}

/// A small number for the current thread, as .NET's managed thread ids are.
fn thread_number() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static NUMBER: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    NUMBER.with(|number| *number)
}
