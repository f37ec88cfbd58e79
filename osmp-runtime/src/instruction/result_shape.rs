//! The rule a set's schema must meet before it is served: a command's result is the
//! response's `data`, which OSMP defines as a JSON object, so a result schema must describe
//! an object (or an object or nothing).
//!
//! `#[instruction_set]` refuses the plain cases at compile time (`Vec<T>`, `String`,
//! numbers, …); this check holds for every set, hand-written ones and result types whose
//! shape only their JSON Schema tells (an enum of unit variants serializes to a string).

use schemars::SchemaGenerator;
use serde_json::Value;

use super::InstructionSetSchema;

/// A command of a set whose result is not a JSON object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the command '{command}' of the instruction set '{set}' returns {found}, but a command's result is the \
     response's `data`, a JSON object: return a struct (or a map), `Option` of one for no data, `()` for \
     none, or an `Outcome`"
)]
pub struct ResultShapeError {
    /// The set's name.
    pub set: String,
    /// The command's name.
    pub command: String,
    /// What its result schema describes instead (`an array`, `a string`, …).
    pub found: String,
}

/// Checks every command of `set` whose result schema is known.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::instruction::check_result_shapes;
/// use osmp::standard::standard_schema;
///
/// assert!(check_result_shapes(standard_schema()).is_ok());
/// ```
pub fn check_result_shapes(set: &InstructionSetSchema) -> Result<(), ResultShapeError> {
    for command in set.commands.iter() {
        let Some(result_schema) = command.result_schema else { continue };
        let mut generator = SchemaGenerator::default();
        let schema = result_schema(&mut generator).to_value();
        let definitions = Value::Object(generator.take_definitions(true));
        if let Some(found) = not_an_object(&schema, &definitions) {
            return Err(ResultShapeError {
                set: set.name.to_string(),
                command: command.name.to_string(),
                found: found.to_owned(),
            });
        }
    }
    Ok(())
}

/// What a schema describes when that is not always an object (or `null`), in words; `None`
/// for objects, nulls, and schemas that do not say (`true`, `{}`: any value, checked when
/// the command answers).
fn not_an_object<'a>(schema: &'a Value, definitions: &'a Value) -> Option<&'static str> {
    let schema = resolve(schema, definitions);
    let Value::Object(object) = schema else { return None };
    if let Some(kind) = object.get("type") {
        let kinds: Vec<&str> = match kind {
            Value::String(kind) => vec![kind.as_str()],
            Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        return kinds.into_iter().find(|kind| !matches!(*kind, "object" | "null")).map(described);
    }
    if let Some(constant) = object.get("const") {
        return not_an_object_value(constant);
    }
    if let Some(Value::Array(values)) = object.get("enum") {
        return values.iter().find_map(not_an_object_value);
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|key| object.get(*key).and_then(Value::as_array))
        .flatten()
        .find_map(|branch| not_an_object(branch, definitions))
}

fn not_an_object_value(value: &Value) -> Option<&'static str> {
    match value {
        Value::Object(_) | Value::Null => None,
        Value::Bool(_) => Some("a boolean"),
        Value::Number(_) => Some("a number"),
        Value::String(_) => Some("a string"),
        Value::Array(_) => Some("an array"),
    }
}

fn described(kind: &str) -> &'static str {
    match kind {
        "array" => "an array",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean",
        _ => "a value that is not an object",
    }
}

/// Follows a `$ref` into the definitions the generator collected.
fn resolve<'a>(schema: &'a Value, definitions: &'a Value) -> &'a Value {
    let name = schema.get("$ref").and_then(Value::as_str).and_then(|reference| reference.rsplit('/').next());
    match name.and_then(|name| definitions.get(name)) {
        Some(definition) => resolve(definition, definitions),
        None => schema,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    use schemars::JsonSchema;
    use serde::Serialize;

    use super::*;
    use crate::instruction::{CommandSchema, JsonSchemaFn};

    #[derive(Serialize, JsonSchema)]
    struct Names {
        names: Vec<String>,
    }

    #[derive(Serialize, JsonSchema)]
    #[allow(dead_code)]
    enum Mode {
        On,
        Off,
    }

    #[derive(Serialize, JsonSchema)]
    #[serde(tag = "kind")]
    #[allow(dead_code)]
    enum Tagged {
        A { a: u8 },
        B { b: String },
    }

    fn set_returning(result: JsonSchemaFn) -> InstructionSetSchema {
        InstructionSetSchema {
            name: Cow::Borrowed("things"),
            description: Cow::Borrowed(""),
            long_description: Cow::Borrowed(""),
            commands: Cow::Owned(vec![CommandSchema {
                name: Cow::Borrowed("thing-list"),
                aliases: Cow::Borrowed(&[]),
                version: 0,
                description: Cow::Borrowed(""),
                long_description: Cow::Borrowed(""),
                params: Cow::Borrowed(&[]),
                returns: Cow::Borrowed(&[]),
                params_schema: None,
                result_schema: Some(result),
                stream_schema: None,
                requires: None,
            }]),
            events: Cow::Borrowed(&[]),
        }
    }

    fn found(result: JsonSchemaFn) -> Option<String> {
        check_result_shapes(&set_returning(result)).err().map(|error| error.found)
    }

    #[test]
    fn objects_maps_options_of_them_and_tagged_enums_pass() {
        assert_eq!(found(Names::json_schema), None);
        assert_eq!(found(SchemaGenerator::subschema_for::<Names>), None);
        assert_eq!(found(<Option<Names>>::json_schema), None);
        assert_eq!(found(<BTreeMap<String, u8>>::json_schema), None);
        assert_eq!(found(Tagged::json_schema), None);
        assert_eq!(found(serde_json::Value::json_schema), None, "any value: checked when it answers");
    }

    #[test]
    fn everything_else_is_refused_naming_the_set_and_the_command() {
        assert_eq!(found(<Vec<String>>::json_schema).as_deref(), Some("an array"));
        assert_eq!(found(String::json_schema).as_deref(), Some("a string"));
        assert_eq!(found(<Option<u32>>::json_schema).as_deref(), Some("an integer"));
        assert_eq!(found(f64::json_schema).as_deref(), Some("a number"));
        assert_eq!(found(bool::json_schema).as_deref(), Some("a boolean"));
        assert_eq!(found(<(u8, u8)>::json_schema).as_deref(), Some("an array"));
        assert_eq!(found(SchemaGenerator::subschema_for::<Mode>).as_deref(), Some("a string"));
        let error = check_result_shapes(&set_returning(<Vec<String>>::json_schema)).unwrap_err();
        assert!(
            error.to_string().starts_with("the command 'thing-list' of the instruction set 'things' returns an array"),
            "{error}"
        );
    }
}
