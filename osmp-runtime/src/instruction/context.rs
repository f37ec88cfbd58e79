//! What a running command can reach: its number, its cancellation, its output streams,
//! the session (and through it the client), the registry and the server's events.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{CommandError, Registry};
use crate::events::EventBus;
use crate::session::{CallError, Session, StreamClosed};
use crate::wire::{Nr, Payload, Response, StreamItem};

/// Why a stream message could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The command has already answered (or was abandoned after cancellation).
    #[error("command {0} is no longer active")]
    Finished(Nr),
    /// The session has ended.
    #[error("the session is closed")]
    Closed,
    /// The data could not be serialized.
    #[error("stream data could not be serialized: {0}")]
    Serialize(#[from] serde_json::Error),
}

impl From<StreamError> for CommandError {
    fn from(error: StreamError) -> CommandError {
        CommandError::internal(error.to_string())
    }
}

/// The context of one running command.
///
/// Commands receive it by value (it is cheap to clone) and use it to report progress,
/// stream output, notice cancellation, ask the client and publish events:
///
/// ```no_run
/// # extern crate osmp_runtime as osmp;
/// # use osmp::instruction::{CommandContext, CommandError, Outcome};
/// async fn copy_files(cx: CommandContext, files: Vec<String>) -> Result<Outcome, CommandError> {
///     let total = files.len() as u64;
///     for (done, file) in files.iter().enumerate() {
///         if cx.is_cancelled() {
///             return Ok(Outcome::text("Cancelled"));
///         }
///         cx.line(format!("copying {file}")).await?;
///         cx.progress(done as u64 + 1, total).await?;
///     }
///     Ok(Outcome::text(format!("{total} files copied")))
/// }
/// ```
#[derive(Clone)]
pub struct CommandContext {
    session: Session,
    nr: Nr,
    command: Cow<'static, str>,
    token: CancellationToken,
    services: Arc<CommandServices>,
}

/// What every command of a session reaches beyond the session itself: the registry it was
/// resolved in and the server's events.
///
/// Held once per session (and replaced when the registry changes) rather than cloned from
/// the server per command: a reference count that every core increments for every command
/// is a cache line the cores pass back and forth.
pub(crate) struct CommandServices {
    pub(crate) registry: Arc<Registry>,
    pub(crate) events: EventBus,
}

impl CommandContext {
    #[cfg(test)]
    pub(crate) fn new(
        session: Session,
        nr: Nr,
        command: Cow<'static, str>,
        token: CancellationToken,
        registry: Arc<Registry>,
        events: EventBus,
    ) -> CommandContext {
        let services = Arc::new(CommandServices { registry, events });
        CommandContext::with_services(session, nr, command, token, services)
    }

    /// A context sharing the session's services.
    pub(crate) fn with_services(
        session: Session,
        nr: Nr,
        command: Cow<'static, str>,
        token: CancellationToken,
        services: Arc<CommandServices>,
    ) -> CommandContext {
        CommandContext { session, nr, command, token, services }
    }

    /// The command's `nr` (the `cmd-nr` of its stream messages and response).
    pub fn nr(&self) -> Nr {
        self.nr
    }

    /// The command's canonical name.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The session the command runs in.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Every command and event the server offers.
    pub fn registry(&self) -> &Registry {
        &self.services.registry
    }

    /// The server-wide event bus: events emitted here reach every subscribed session.
    pub fn events(&self) -> &EventBus {
        &self.services.events
    }

    /// Whether the client cancelled the command (or the session is ending).
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes when the command is cancelled.
    pub async fn cancelled(&self) {
        self.token.cancelled().await
    }

    /// The command's cancellation token, to hand to sub-tasks.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.token
    }

    /// Sends `{"type":"progress","value":…,"total":…}`.
    pub async fn progress(&self, value: u64, total: u64) -> Result<(), StreamError> {
        self.stream(&StreamItem::progress(value, total)).await
    }

    /// Sends `{"type":"progress","value":…,"total":…,"message":…}`.
    pub async fn progress_message(
        &self,
        value: u64,
        total: u64,
        message: impl Into<String>,
    ) -> Result<(), StreamError> {
        let item =
            StreamItem::<Payload>::Progress { value: value as f64, total: total as f64, message: Some(message.into()) };
        self.stream(&item).await
    }

    /// Sends `{"type":"progress-indeterminate","message":…}`.
    pub async fn progress_indeterminate(&self, message: impl Into<String>) -> Result<(), StreamError> {
        self.stream(&StreamItem::<Payload>::ProgressIndeterminate { message: Some(message.into()) }).await
    }

    /// Sends `{"type":"progress-complete"}`.
    pub async fn progress_complete(&self) -> Result<(), StreamError> {
        self.stream(&StreamItem::<Payload>::ProgressComplete).await
    }

    /// Sends a text fragment: `{"text":…}`.
    pub async fn text(&self, text: impl Into<String>) -> Result<(), StreamError> {
        self.stream(&StreamItem::<Payload>::Text(text.into())).await
    }

    /// Sends a line of text: `{"line":…}`.
    pub async fn line(&self, line: impl Into<String>) -> Result<(), StreamError> {
        self.stream(&StreamItem::<Payload>::Line(line.into())).await
    }

    /// Sends structured stream data. Waits while the client is behind in reading, so a
    /// fast producer runs at the client's pace instead of filling memory.
    pub async fn stream<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), StreamError> {
        let data = Payload::from_serialize(data)?;
        self.session.stream(self.nr, self.command.to_string(), data).await.map_err(|closed| match closed {
            StreamClosed::Finished => StreamError::Finished(self.nr),
            StreamClosed::SessionEnded => StreamError::Closed,
        })
    }

    /// Sends a command to the client and waits for its response (login challenges,
    /// confirmations). The client must answer within the session's call timeout. When this
    /// command is cancelled meanwhile, the wait ends at once with
    /// [`CallError::Cancelled`] and the client is told to cancel the question.
    pub async fn ask<T: Serialize + ?Sized>(&self, command: &str, data: &T) -> Result<Response, CallError> {
        tokio::select! {
            biased;
            () = self.token.cancelled() => Err(CallError::Cancelled { command: command.to_owned() }),
            answer = self.session.ask(command, data) => answer,
        }
    }
}

impl std::fmt::Debug for CommandContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandContext")
            .field("nr", &self.nr)
            .field("command", &self.command)
            .field("session", &self.session)
            .finish()
    }
}
