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

pub use crate::client::{keep_response, Client, TypedCall, TypedSubscription};
pub use crate::events::{EmitError, EventBus};
pub use crate::instruction::type_schema::{object_schema, ObjectField};
pub use crate::instruction::{
    CommandContext, CommandError, CommandFuture, CommandSchema, EventSchema, FieldSchema, InstructionSet,
    InstructionSetSchema, IntoOutcome, JsonSchemaFn, Outcome, ParamSchema, Params,
};
pub use crate::session::{CallError, Session};
pub use crate::wire::{Payload, Response};

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{Call, DecodeResponse, Subscription};
use crate::instruction::type_schema;

// What the types of a set must implement, one trait per derive. Generated code requires
// these rather than serde's and schemars' traits so that a type lacking a derive gets one
// error at the type, saying which derive is missing, instead of rustc's generic E0277 about
// the bound of some function in here (`do_not_recommend` keeps rustc from looking through
// the blanket impl to the underlying trait).

/// A type the runtime decodes from JSON: `serde::Deserialize`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from JSON: it does not implement `Deserialize`",
    label = "add `#[derive(Deserialize)]` to this type",
    note = "parameters, results, stream data and events travel as JSON: derive `serde::Deserialize` \
            (`osmp::serde::Deserialize`) for `{Self}`, or implement it"
)]
pub trait Decode: DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> Decode for T {}

/// A type the runtime encodes as JSON: `serde::Serialize`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as JSON: it does not implement `Serialize`",
    label = "add `#[derive(Serialize)]` to this type",
    note = "parameters, results, stream data and events travel as JSON: derive `serde::Serialize` \
            (`osmp::serde::Serialize`) for `{Self}`, or implement it"
)]
pub trait Encode: Serialize {}

#[diagnostic::do_not_recommend]
impl<T: Serialize + ?Sized> Encode for T {}

/// A type the set's schema describes: `schemars::JsonSchema`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no JSON Schema: it does not implement `JsonSchema`",
    label = "add `#[derive(JsonSchema)]` to this type",
    note = "the set's schema (`help`, `schema`) describes every parameter, result, stream item and event: \
            derive `schemars::JsonSchema` (`osmp::schemars::JsonSchema`) for `{Self}`"
)]
pub trait Describe: JsonSchema {}

#[diagnostic::do_not_recommend]
impl<T: JsonSchema + ?Sized> Describe for T {}

/// The JSON Schema of `T`, inline.
pub fn schema_of<T: Describe + ?Sized>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

/// The JSON Schema of `T` as a reference into the document's definitions when it has a name.
pub fn subschema_of<T: Describe + ?Sized>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The JSON Schema of `Option<T>`, for an optional parameter or field declared as `Option<T>`
/// (bounded at `T`, where its other uses are).
pub fn optional_subschema_of<T: Describe>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<Option<T>>()
}

/// The parameters of a parameter struct (`#[flatten]`).
pub fn params_of<T: Describe + ?Sized>() -> Vec<ParamSchema> {
    type_schema::params_of::<T>()
}

/// The documented fields of a result or an event's data.
pub fn fields_of<T: Describe + ?Sized>() -> Vec<FieldSchema> {
    type_schema::fields_of::<T>()
}

/// A mandatory parameter of command `command`, described in errors by its schema there.
pub fn required_param<T: Decode>(params: &mut Params, command: &CommandSchema, name: &str) -> Result<T, CommandError> {
    params.required_with(name, param_schema(command, name))
}

/// An optional parameter, as [`required_param`].
pub fn optional_param<T: Decode>(
    params: &mut Params,
    command: &CommandSchema,
    name: &str,
) -> Result<Option<T>, CommandError> {
    params.optional_with(name, param_schema(command, name))
}

/// The parameter struct of command `command`, its members described in errors by its schema.
pub fn params_struct<T: Decode>(params: Params, command: &CommandSchema) -> Result<T, CommandError> {
    params.into_struct_with(command.params_schema)
}

fn param_schema(command: &CommandSchema, name: &str) -> Option<JsonSchemaFn> {
    command.params.iter().find(|param| param.name == name).and_then(|param| param.schema)
}

/// A typed client's result decoder for `R`.
pub fn decode_response<R: Decode>(command: &str, response: Response) -> Result<R, CallError> {
    crate::client::decode_response(command, response)
}

/// A typed client's handle on a running command with stream data `S`.
pub fn typed_call<R, S: Decode>(call: Call, decode: DecodeResponse<R>) -> TypedCall<R, S> {
    TypedCall::new(call, decode)
}

/// A typed client's subscription of an event with data `E`.
pub fn typed_subscription<E: Decode>(subscription: Subscription) -> TypedSubscription<E> {
    TypedSubscription::new(subscription)
}

/// Emits an event whose data is one value (`#[flatten]`).
pub fn emit_event<T: Encode + ?Sized>(target: &EventTarget, event: &str, data: &T) -> Result<usize, EmitError> {
    target.emit(event, data)
}

/// Adds a field to an event's data.
pub fn event_field<T: Encode + ?Sized>(
    fields: EventFields,
    name: &str,
    value: &T,
) -> Result<EventFields, serde_json::Error> {
    fields.field(name, value)
}

/// Adds an optional field to an event's data: `null` when it is `None`.
pub fn event_optional_field<T: Encode + ?Sized>(
    fields: EventFields,
    name: &str,
    value: Option<&T>,
) -> Result<EventFields, serde_json::Error> {
    fields.field(name, &value)
}

/// A command that fails before it starts (its parameters could not be decoded).
pub fn ready_err(error: CommandError) -> CommandFuture {
    Box::pin(std::future::ready(Err(error)))
}

/// The answer of a command whose result type is neither `()` nor `Outcome`: its value is
/// the response data.
pub fn outcome_of_data<T: Encode + ?Sized>(value: &T) -> Result<Outcome, CommandError> {
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

/// The data of an event declared with an argument list, as a typed subscription reads it
/// field by field.
#[derive(Debug)]
pub struct EventDataIn(Map<String, Value>);

impl EventDataIn {
    /// Reads the data object.
    pub fn read<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<EventDataIn, D::Error> {
        Map::deserialize(deserializer).map(EventDataIn)
    }

    /// Takes out a field that is always present.
    pub fn field<T: Decode, E: serde::de::Error>(&mut self, name: &'static str) -> Result<T, E> {
        match self.0.remove(name) {
            Some(value) => serde_json::from_value(value).map_err(|error| E::custom(format!("field `{name}`: {error}"))),
            None => Err(E::missing_field(name)),
        }
    }

    /// Takes out a field that may be absent or `null`.
    pub fn optional_field<T: Decode, E: serde::de::Error>(&mut self, name: &'static str) -> Result<Option<T>, E> {
        match self.0.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => {
                serde_json::from_value(value).map(Some).map_err(|error| E::custom(format!("field `{name}`: {error}")))
            }
        }
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
pub fn assert_stream_type<T: Encode + Describe + ?Sized>() {}

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

    /// The members of a parameter struct.
    pub fn from_struct<T: Encode + ?Sized>(command: &'static str, value: &T) -> Result<CallParams, CallError> {
        let invalid = |source| CallError::InvalidParams { command: command.to_owned(), source };
        match serde_json::to_value(value).map_err(invalid)? {
            Value::Object(members) => Ok(CallParams { command, members }),
            _ => Err(invalid(serde::ser::Error::custom("a parameter struct must serialize to a JSON object"))),
        }
    }

    /// Adds a parameter.
    pub fn param<T: Encode + ?Sized>(mut self, name: &str, value: &T) -> Result<CallParams, CallError> {
        let value = serde_json::to_value(value)
            .map_err(|source| CallError::InvalidParams { command: self.command.to_owned(), source })?;
        self.members.insert(name.to_owned(), value);
        Ok(self)
    }

    /// Adds an optional parameter when it is given.
    pub fn optional<T: Encode + ?Sized>(self, name: &str, value: Option<&T>) -> Result<CallParams, CallError> {
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
