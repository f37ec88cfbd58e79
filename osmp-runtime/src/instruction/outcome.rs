//! What a successful command answers: an optional text and optional data.

use serde::Serialize;

use super::CommandError;
use crate::session::{IntoReply, Reply};
use crate::wire::{Payload, Status};

/// The successful result of a command: `status: OK` with an optional `result` text and
/// optional `data` object. The specification's commands use every combination: `echo`
/// returns data, `event-subscribe` only a text, `vcall-play` neither.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::instruction::Outcome;
/// use serde_json::json;
///
/// let text = Outcome::text("Subscribed 2 events.");
/// assert_eq!(text.result(), Some("Subscribed 2 events."));
///
/// let data = Outcome::data(&json!({"token": "hi"})).unwrap().with_text("echoed");
/// assert_eq!(data.payload().unwrap().get(), r#"{"token":"hi"}"#);
/// assert_eq!(data.result(), Some("echoed"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    result: Option<String>,
    data: Option<Payload>,
}

impl Outcome {
    /// An empty `OK`.
    pub fn ok() -> Outcome {
        Outcome::default()
    }

    /// `OK` with a result text.
    pub fn text(result: impl Into<String>) -> Outcome {
        Outcome { result: Some(result.into()), data: None }
    }

    /// `OK` with data: any value that serializes to a JSON object.
    pub fn data<T: Serialize + ?Sized>(data: &T) -> Result<Outcome, CommandError> {
        Ok(Outcome { result: None, data: object_payload(data)? })
    }

    /// The data, if any.
    pub fn payload(&self) -> Option<&Payload> {
        self.data.as_ref()
    }

    /// Adds or replaces the result text.
    pub fn with_text(mut self, result: impl Into<String>) -> Outcome {
        self.result = Some(result.into());
        self
    }

    /// Adds or replaces the data.
    pub fn with_data<T: Serialize + ?Sized>(mut self, data: &T) -> Result<Outcome, CommandError> {
        self.data = object_payload(data)?;
        Ok(self)
    }

    /// Adds or replaces the data with a payload.
    pub fn with_payload(mut self, payload: Payload) -> Outcome {
        self.data = Some(payload);
        self
    }

    /// The result text.
    pub fn result(&self) -> Option<&str> {
        self.result.as_deref()
    }
}

/// A command's answer becomes the response the session writes: `OK` with the outcome's
/// text and data, or `ERROR` with the error's message and data (and the close it asks for).
impl IntoReply for Result<Outcome, CommandError> {
    fn into_reply(self) -> Reply {
        match self {
            Ok(Outcome { result, data }) => Reply { status: Status::Ok, result, data, close: None },
            Err(error) => {
                let (message, data, close) = error.into_parts();
                Reply { status: Status::Error, result: Some(message), data, close }
            }
        }
    }
}

/// Serializes result data, which the protocol requires to be an object (or nothing).
fn object_payload<T: Serialize + ?Sized>(data: &T) -> Result<Option<Payload>, CommandError> {
    let payload = Payload::from_serialize(data)
        .map_err(|error| CommandError::internal(format!("result data could not be serialized: {error}")))?;
    if payload.is_object() {
        Ok(Some(payload))
    } else if payload.is_null() {
        Ok(None)
    } else {
        Err(CommandError::internal(format!(
            "result data must be a JSON object, got {}",
            payload.get().chars().take(40).collect::<String>()
        )))
    }
}

/// Conversion of a handler's return value into an [`Outcome`].
///
/// Implemented for `()` (an empty `OK`) and [`Outcome`]; generated code serializes any
/// other result type as the response data.
pub trait IntoOutcome {
    /// Performs the conversion.
    fn into_outcome(self) -> Result<Outcome, CommandError>;
}

impl IntoOutcome for () {
    fn into_outcome(self) -> Result<Outcome, CommandError> {
        Ok(Outcome::ok())
    }
}

impl IntoOutcome for Outcome {
    fn into_outcome(self) -> Result<Outcome, CommandError> {
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn data_must_be_an_object() {
        assert!(Outcome::data(&json!({"a": 1})).is_ok());
        assert_eq!(Outcome::data(&None::<u8>).unwrap().payload(), None, "null is no data");
        let error = Outcome::data(&42).unwrap_err();
        assert_eq!(error.to_string(), "result data must be a JSON object, got 42");
    }
}
