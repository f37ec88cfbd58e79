//! The static description of an instruction set: what `help`, `apropos` and `event-list`
//! serve and what the schema export writes.
//!
//! Every string and list is a `Cow<'static, …>` so that the macro can emit the whole
//! description as a `static` item (no allocation, no start-up work) while sets built at run
//! time can still own their strings.

use std::borrow::Cow;

/// Builds the JSON Schema of a type (`<T as schemars::JsonSchema>::json_schema`).
pub type JsonSchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

/// A named instruction set: its commands and events.
#[derive(Debug, Clone)]
pub struct InstructionSetSchema {
    /// The set's name as shown in `help` (`standard`, `vd1`, …).
    pub name: Cow<'static, str>,
    /// First paragraph of its documentation.
    pub description: Cow<'static, str>,
    /// The rest of its documentation (empty when there is none).
    pub long_description: Cow<'static, str>,
    /// The commands, in declaration order.
    pub commands: Cow<'static, [CommandSchema]>,
    /// The events, in declaration order.
    pub events: Cow<'static, [EventSchema]>,
}

impl InstructionSetSchema {
    /// The command with this exact name.
    pub fn command(&self, name: &str) -> Option<&CommandSchema> {
        self.commands.iter().find(|command| command.name == name)
    }
}

/// One command.
#[derive(Debug, Clone)]
pub struct CommandSchema {
    /// The command name (kebab-case).
    pub name: Cow<'static, str>,
    /// Other names it answers to.
    pub aliases: Cow<'static, [Cow<'static, str>]>,
    /// Its version: the registry keeps the highest version of a name.
    pub version: u32,
    /// First paragraph of its documentation.
    pub description: Cow<'static, str>,
    /// The rest of its documentation.
    pub long_description: Cow<'static, str>,
    /// Its parameters, mandatory ones first in declaration order.
    pub params: Cow<'static, [ParamSchema]>,
    /// The fields of its result data.
    pub returns: Cow<'static, [FieldSchema]>,
    /// JSON Schema of its parameters (the whole `data` object), if known.
    pub params_schema: Option<JsonSchemaFn>,
    /// JSON Schema of its result data, if known.
    pub result_schema: Option<JsonSchemaFn>,
    /// JSON Schema of the structured data of its stream messages, if declared.
    pub stream_schema: Option<JsonSchemaFn>,
    /// The permission a user needs to run it, if any.
    pub requires: Option<Cow<'static, str>>,
}

impl CommandSchema {
    /// The mandatory parameters.
    pub fn mandatory_params(&self) -> impl Iterator<Item = &ParamSchema> {
        self.params.iter().filter(|param| param.required)
    }

    /// The optional parameters.
    pub fn optional_params(&self) -> impl Iterator<Item = &ParamSchema> {
        self.params.iter().filter(|param| !param.required)
    }
}

/// One parameter of a command.
#[derive(Debug, Clone)]
pub struct ParamSchema {
    /// The name in `data` (kebab-case).
    pub name: Cow<'static, str>,
    /// What it means.
    pub description: Cow<'static, str>,
    /// Whether it must be given.
    pub required: bool,
    /// JSON Schema of its value, if known.
    pub schema: Option<JsonSchemaFn>,
}

/// A documented field: of a command's result data or of an event's data.
#[derive(Debug, Clone)]
pub struct FieldSchema {
    /// The field name.
    pub name: Cow<'static, str>,
    /// What it means.
    pub description: Cow<'static, str>,
}

/// One event.
#[derive(Debug, Clone)]
pub struct EventSchema {
    /// The event name (kebab-case).
    pub name: Cow<'static, str>,
    /// First paragraph of its documentation.
    pub description: Cow<'static, str>,
    /// The rest of its documentation.
    pub long_description: Cow<'static, str>,
    /// The fields of its data.
    pub fields: Cow<'static, [FieldSchema]>,
    /// JSON Schema of its data, if known.
    pub schema: Option<JsonSchemaFn>,
    /// The permission a user needs to subscribe, if any.
    pub requires: Option<Cow<'static, str>>,
}
