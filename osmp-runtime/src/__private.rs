//! Support for the code `#[instruction_set]` generates. Not a public API: anything here may
//! change in any release.
//!
//! Generated code names every runtime item through this one module, so a crate that
//! re-exports the runtime (the `osmp` facade) only has to re-export `__private` for the
//! macro to work under its name. What cannot be known at compile time — the parameters of a
//! parameter struct, the fields of a result type — is read from the types' JSON Schema when
//! the set's schema is first built (`instruction::type_schema`).

pub use schemars;
pub use serde;
pub use serde_json;
pub use std::borrow::Cow;
pub use std::sync::{Arc, LazyLock};

pub use crate::client::{decode_response, keep_response, Client, TypedCall, TypedSubscription};
pub use crate::events::{EmitError, EventBus};
pub use crate::instruction::type_schema::{fields_of, object_schema, params_of, ObjectField};
pub use crate::instruction::{
    CommandContext, CommandError, CommandFuture, CommandSchema, EventSchema, FieldSchema, InstructionSet,
    InstructionSetSchema, IntoOutcome, JsonSchemaFn, Outcome, ParamSchema, Params,
};
pub use crate::session::{CallError, Session};
pub use crate::wire::{Payload, Response};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

/// A command that fails before it starts (its parameters could not be decoded).
pub fn ready_err(error: CommandError) -> CommandFuture {
    Box::pin(std::future::ready(Err(error)))
}

/// The answer of a command whose result type is neither `()` nor `Outcome`: its value is
/// the response data.
pub fn outcome_of_data<T: Serialize + ?Sized>(value: &T) -> Result<Outcome, CommandError> {
    Outcome::data(value)
}

/// The data object of an event declared with an argument list, built field by field so a
/// value that cannot be serialized is an error rather than a panic.
#[derive(Debug, Default)]
pub struct EventFields(Map<String, Value>);

impl EventFields {
    /// No fields yet.
    pub fn new() -> EventFields {
        EventFields::default()
    }

    /// Adds a field.
    pub fn field<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Result<EventFields, serde_json::Error> {
        self.0.insert(name.to_owned(), serde_json::to_value(value)?);
        Ok(self)
    }
}

impl Serialize for EventFields {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Where a generated event emitter sends its events.
#[derive(Debug, Clone)]
pub enum EventTarget {
    /// Every subscribed session of a server.
    Bus(EventBus),
    /// One session, if it subscribed the event.
    Session(Session),
}

impl EventTarget {
    /// Emits an event; returns to how many sessions it was queued (0 or 1 for a session).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, EmitError> {
        match self {
            EventTarget::Bus(bus) => bus.emit(event, data),
            EventTarget::Session(session) => Ok(session.emit(event, data)?),
        }
    }
}

/// A command's result with its error converted (`E: Into<CommandError>`).
pub fn command_result<T, E: Into<CommandError>>(result: Result<T, E>) -> Result<T, CommandError> {
    result.map_err(Into::into)
}

/// Checked at the type of `#[command(stream = T)]`: stream items are serialized with serde
/// and described with schemars. The function name appears in the compiler's "required by
/// a bound in …" note.
pub fn assert_stream_type<T: Serialize + JsonSchema + ?Sized>() {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn event_fields_serialize_as_an_object() {
        let fields = EventFields::new().field("address", "1.2.3").unwrap().field("state", &true).unwrap();
        assert_eq!(serde_json::to_value(&fields).unwrap(), json!({"address": "1.2.3", "state": true}));
    }

    #[test]
    fn data_outcomes_must_be_objects() {
        assert!(outcome_of_data(&json!({"a": 1})).is_ok());
        assert!(outcome_of_data(&1).is_err());
    }
}

/// A typed client's parameter struct, checked to be serializable where it is declared.
pub fn serializable<T: Serialize + ?Sized>(value: &T) -> &T {
    value
}

/// The parameters of a typed client's call, built one by one; optional parameters that are
/// `None` are left out, as a hand-written client would.
#[derive(Debug)]
pub struct CallParams {
    command: &'static str,
    members: Map<String, Value>,
}

impl CallParams {
    /// No parameters yet, for `command`.
    pub fn new(command: &'static str) -> CallParams {
        CallParams { command, members: Map::new() }
    }

    /// Adds a parameter.
    pub fn param<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Result<CallParams, CallError> {
        let value = serde_json::to_value(value)
            .map_err(|source| CallError::InvalidParams { command: self.command.to_owned(), source })?;
        self.members.insert(name.to_owned(), value);
        Ok(self)
    }

    /// Adds an optional parameter when it is given.
    pub fn optional<T: Serialize + ?Sized>(self, name: &str, value: Option<&T>) -> Result<CallParams, CallError> {
        match value {
            Some(value) => self.param(name, value),
            None => Ok(self),
        }
    }
}

impl Serialize for CallParams {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.members.serialize(serializer)
    }
}
