//! What the engine answers for a command it ran: the response's status, text and data, and
//! whether the session closes after it.
//!
//! Handlers answer in their own terms (the instruction layer's `Outcome` and
//! `CommandError`); the engine only needs this, so it knows nothing of the layers above.

use crate::transport::CloseReason;
use crate::wire::{Payload, Status};

/// The content of a command's response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: Status,
    pub(crate) result: Option<String>,
    pub(crate) data: Option<Payload>,
    /// Closes the session once the response is written (a peer that must not go on).
    pub(crate) close: Option<CloseReason>,
}

impl Reply {
    /// `OK` with a text.
    pub(crate) fn ok(result: impl Into<String>) -> Reply {
        Reply { status: Status::Ok, result: Some(result.into()), data: None, close: None }
    }

    /// `ERROR` with a text.
    pub(crate) fn error(message: impl Into<String>) -> Reply {
        Reply { status: Status::Error, result: Some(message.into()), data: None, close: None }
    }
}

/// What a handler's future yields, turned into the reply the engine writes.
pub(crate) trait IntoReply {
    fn into_reply(self) -> Reply;
}

impl IntoReply for Reply {
    fn into_reply(self) -> Reply {
        self
    }
}
