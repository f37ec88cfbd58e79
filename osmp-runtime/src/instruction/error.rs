//! The error a command handler returns.

use std::fmt;

use serde::Serialize;

use crate::transport::CloseReason;
use crate::wire::Payload;

/// What kind of failure a [`CommandError`] reports.
///
/// The kind does not appear on the wire (an error is `status: ERROR` with a text), but it
/// lets servers log and count failures and clients match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The command ran and failed for a reason of its domain.
    Failed,
    /// The parameters were missing, of the wrong type or out of range.
    InvalidParams,
    /// No command of that name exists.
    NotFound,
    /// The session must log in first.
    AuthenticationRequired,
    /// A login attempt failed.
    LoginFailed,
    /// The session's user may not run the command.
    PermissionDenied,
    /// A limit of the server was reached (too many active commands, …).
    LimitExceeded,
    /// A bug or an unexpected condition on the server (including a panicking handler).
    Internal,
}

/// A failed command: answered with `"status":"ERROR"` and the message as `result`.
///
/// Handlers return it with `?` from most errors, or build one with a constructor that says
/// what went wrong:
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::instruction::{CommandError, ErrorKind};
///
/// fn find_call(id: &str) -> Result<(), CommandError> {
///     Err(CommandError::new(format!("No such call: {id}")))
/// }
/// let error = find_call("testcall2").unwrap_err();
/// assert_eq!(error.to_string(), "No such call: testcall2");
/// assert_eq!(error.kind(), ErrorKind::Failed);
///
/// let missing = CommandError::invalid_params("missing mandatory parameter 'call-id'");
/// assert_eq!(missing.kind(), ErrorKind::InvalidParams);
/// ```
#[derive(Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    kind: ErrorKind,
    message: String,
    data: Option<Payload>,
    close_session: Option<CloseReason>,
}

impl CommandError {
    /// A domain failure with the given text.
    pub fn new(message: impl Into<String>) -> CommandError {
        CommandError::with_kind(ErrorKind::Failed, message)
    }

    /// An error of a given kind.
    pub fn with_kind(kind: ErrorKind, message: impl Into<String>) -> CommandError {
        CommandError { kind, message: message.into(), data: None, close_session: None }
    }

    /// Invalid parameters.
    pub fn invalid_params(message: impl Into<String>) -> CommandError {
        CommandError::with_kind(ErrorKind::InvalidParams, message)
    }

    /// Unknown command, with the reference's exact text: `Error: command 'x' not found`.
    pub fn command_not_found(command: &str) -> CommandError {
        CommandError::with_kind(ErrorKind::NotFound, format!("Error: command '{command}' not found"))
    }

    /// Something named by the parameters does not exist.
    pub fn not_found(message: impl Into<String>) -> CommandError {
        CommandError::with_kind(ErrorKind::NotFound, message)
    }

    /// The reference's answer to every command but `login` while not logged in.
    pub fn authentication_required() -> CommandError {
        CommandError::with_kind(ErrorKind::AuthenticationRequired, "Authentication required!")
    }

    /// The session's user lacks the permission the command requires.
    pub fn permission_denied() -> CommandError {
        CommandError::with_kind(ErrorKind::PermissionDenied, "Permission denied")
    }

    /// A limit was reached.
    pub fn limit_exceeded(message: impl Into<String>) -> CommandError {
        CommandError::with_kind(ErrorKind::LimitExceeded, message)
    }

    /// An unexpected failure on the server.
    pub fn internal(message: impl Into<String>) -> CommandError {
        CommandError::with_kind(ErrorKind::Internal, message)
    }

    /// Attaches data to the error response (sent as its `data`).
    pub fn with_data<T: Serialize + ?Sized>(mut self, data: &T) -> CommandError {
        match Payload::from_serialize(data) {
            Ok(payload) => self.data = Some(payload),
            Err(error) => {
                tracing::warn!(%error, "error data could not be serialized; sent without data")
            }
        }
        self
    }

    /// Closes the session once this error's response has been sent (a peer that must not
    /// go on, such as one that failed too many logins).
    pub fn and_close_session(mut self, reason: CloseReason) -> CommandError {
        self.close_session = Some(reason);
        self
    }

    /// The close that follows the response, if any.
    pub fn closes_session(&self) -> Option<&CloseReason> {
        self.close_session.as_ref()
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The text sent as `result`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The data sent with the error, if any.
    pub fn data(&self) -> Option<&Payload> {
        self.data.as_ref()
    }

    pub(crate) fn into_parts(self) -> (String, Option<Payload>, Option<CloseReason>) {
        (self.message, self.data, self.close_session)
    }
}

impl fmt::Debug for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandError").field("kind", &self.kind).field("message", &self.message).finish()
    }
}

impl From<String> for CommandError {
    fn from(message: String) -> CommandError {
        CommandError::new(message)
    }
}

impl From<&str> for CommandError {
    fn from(message: &str) -> CommandError {
        CommandError::new(message)
    }
}

impl From<std::io::Error> for CommandError {
    fn from(error: std::io::Error) -> CommandError {
        CommandError::new(error.to_string())
    }
}

impl From<serde_json::Error> for CommandError {
    fn from(error: serde_json::Error) -> CommandError {
        CommandError::internal(format!("JSON error: {error}"))
    }
}

/// A command that asked the client something and got no usable answer fails with the
/// reason (the client's error text, the timeout, the lost connection).
impl From<crate::session::CallError> for CommandError {
    fn from(error: crate::session::CallError) -> CommandError {
        CommandError::new(error.to_string())
    }
}

/// An event that could not be emitted (an undeclared name, data that does not serialize)
/// is a bug of the server.
impl From<crate::events::EmitError> for CommandError {
    fn from(error: crate::events::EmitError) -> CommandError {
        CommandError::internal(error.to_string())
    }
}

impl From<regex::Error> for CommandError {
    fn from(error: regex::Error) -> CommandError {
        CommandError::invalid_params(format!("invalid regular expression: {error}"))
    }
}
