//! What a Rust type's JSON Schema says about it: the parameters of a parameter struct, the
//! documented fields of a result or an event, and the schema of an event declared with an
//! argument list. The macro cannot know these at compile time (serde renames, doc comments
//! of another crate's type); they are read here when a set's schema is first built.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use super::{FieldSchema, JsonSchemaFn, ParamSchema};

/// The parameters of a parameter struct (`#[flatten]`), read from its JSON Schema: serde
/// renames are applied by schemars, descriptions come from the fields' doc comments, and a
/// field is mandatory when the schema lists it as `required`. Mandatory ones come first.
///
/// The per-parameter `schema` stays `None`: a field's schema is a value inside the
/// struct's schema, not a function the table could point to.
pub fn params_of<T: JsonSchema + ?Sized>() -> Vec<ParamSchema> {
    let (mandatory, optional): (Vec<_>, Vec<_>) = object_fields::<T>()
        .into_iter()
        .map(|field| ParamSchema {
            name: Cow::Owned(field.name),
            description: Cow::Owned(field.description),
            required: field.required,
            schema: None,
        })
        .partition(|param| param.required);
    mandatory.into_iter().chain(optional).collect()
}

/// The documented fields of a type that serializes to an object (a command's result, an
/// event's data); empty for anything else.
pub fn fields_of<T: JsonSchema + ?Sized>() -> Vec<FieldSchema> {
    object_fields::<T>()
        .into_iter()
        .map(|field| FieldSchema { name: Cow::Owned(field.name), description: Cow::Owned(field.description) })
        .collect()
}

struct ObjectProperty {
    name: String,
    description: String,
    required: bool,
}

/// The properties of `T`'s schema in schema order: the `required` ones in the order the
/// schema lists them (declaration order), then the others (in map order, which is
/// alphabetical unless serde_json preserves insertion order).
///
/// A type whose schema is a choice (an untagged enum, an `Option`) documents the fields
/// of all its alternatives; a field is mandatory only if every alternative requires it.
fn object_fields<T: JsonSchema + ?Sized>() -> Vec<ObjectProperty> {
    let root = SchemaGenerator::default().into_root_schema_for::<T>();
    let root = root.as_value();
    let mut fields: Vec<ObjectProperty> = Vec::new();
    let alternatives = alternatives(root, root);
    for alternative in &alternatives {
        for field in properties_of(alternative) {
            match fields.iter_mut().find(|known| known.name == field.name) {
                Some(known) => known.required &= field.required,
                None => fields.push(field),
            }
        }
    }
    // A field missing from some alternative is not always present.
    for field in &mut fields {
        field.required &= alternatives.iter().all(|alternative| {
            alternative.get("properties").and_then(Value::as_object).is_some_and(|p| p.contains_key(&field.name))
        });
    }
    fields
}

/// The object schemas a schema stands for: itself, or the branches of its `anyOf`/`oneOf`,
/// with `$ref`s into the root's definitions resolved.
fn alternatives<'a>(schema: &'a Value, root: &'a Value) -> Vec<&'a Value> {
    let schema = resolve(schema, root);
    if schema.get("properties").is_some() {
        return vec![schema];
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|key| schema.get(*key).and_then(Value::as_array))
        .flatten()
        .flat_map(|branch| alternatives(branch, root))
        .collect()
}

/// Follows a local `$ref` (`#/$defs/Name`) to its definition.
fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
        return schema;
    };
    let Some(pointer) = reference.strip_prefix('#') else {
        return schema;
    };
    root.pointer(pointer).unwrap_or(schema)
}

/// The properties of one object schema, required ones first.
fn properties_of(schema: &Value) -> Vec<ObjectProperty> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let required: Vec<&str> =
        schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let property = |name: &str, required: bool| ObjectProperty {
        name: name.to_owned(),
        description: properties
            .get(name)
            .and_then(|property| property.get("description"))
            .and_then(Value::as_str)
            .map(unwrap_lines)
            .unwrap_or_default(),
        required,
    };
    let mut fields: Vec<ObjectProperty> =
        required.iter().filter(|name| properties.contains_key(**name)).map(|name| property(name, true)).collect();
    fields
        .extend(properties.keys().filter(|name| !required.contains(&name.as_str())).map(|name| property(name, false)));
    fields
}

/// schemars keeps the line breaks of a doc comment; `help` shows each description on one
/// line, as it does for the descriptions the macro reads, so the lines of each paragraph are
/// joined with a space (paragraphs stay apart).
fn unwrap_lines(text: &str) -> String {
    let paragraphs = text.split("\n\n").map(|paragraph| paragraph.lines().map(str::trim).collect::<Vec<_>>().join(" "));
    paragraphs.collect::<Vec<_>>().join("\n\n")
}

/// One field of an event declared with an argument list.
pub struct ObjectField {
    /// The field name in the event data.
    pub name: &'static str,
    /// Its description (`#[param(doc = "…")]`).
    pub description: &'static str,
    /// Whether it is always present (its type is not an `Option`).
    pub required: bool,
    /// Its schema (`SchemaGenerator::subschema_for::<T>`).
    pub schema: JsonSchemaFn,
}

/// The JSON Schema of an object with the given fields: the data schema of an event
/// declared with an argument list instead of a data type.
pub fn object_schema(generator: &mut SchemaGenerator, fields: &[ObjectField]) -> Schema {
    let mut properties = Map::new();
    for field in fields {
        let mut schema = (field.schema)(generator);
        if !field.description.is_empty() {
            schema.insert("description".to_owned(), Value::from(field.description));
        }
        properties.insert(field.name.to_owned(), schema.to_value());
    }
    let required: Vec<Value> =
        fields.iter().filter(|field| field.required).map(|field| Value::from(field.name)).collect();
    let mut object = Map::new();
    object.insert("type".to_owned(), Value::from("object"));
    object.insert("properties".to_owned(), Value::Object(properties));
    object.insert("required".to_owned(), Value::Array(required));
    Schema::from(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    /// Creates or changes an announcement.
    #[derive(Deserialize, Serialize, JsonSchema)]
    #[serde(rename_all = "kebab-case")]
    #[allow(dead_code)]
    struct Create {
        /// Unique identifier of the announcement.
        call_id: String,
        /// Audio sources, played in sequence.
        sources: Option<Vec<String>>,
        /// Announcement priority: calls with a lower number
        /// overrule calls with a higher one.
        priority: Option<u8>,
        #[serde(rename = "start")]
        start_now: bool,
    }

    #[test]
    fn params_of_a_struct_mandatory_first() {
        let params = params_of::<Create>();
        let summary: Vec<(&str, bool, &str)> =
            params.iter().map(|p| (p.name.as_ref(), p.required, p.description.as_ref())).collect();
        assert_eq!(
            summary,
            vec![
                ("call-id", true, "Unique identifier of the announcement."),
                ("start", true, ""),
                (
                    "priority",
                    false,
                    "Announcement priority: calls with a lower number overrule calls with a higher one."
                ),
                ("sources", false, "Audio sources, played in sequence."),
            ]
        );
    }

    #[test]
    fn fields_of_objects_only() {
        let fields: Vec<String> = fields_of::<Create>().iter().map(|f| f.name.to_string()).collect();
        assert_eq!(fields, ["call-id", "start", "priority", "sources"]);
        assert!(fields_of::<String>().is_empty());
        assert!(fields_of::<()>().is_empty());
    }

    #[test]
    fn object_schema_of_fields() {
        let mut generator = SchemaGenerator::default();
        let schema = object_schema(
            &mut generator,
            &[
                ObjectField {
                    name: "address",
                    description: "Contact address",
                    required: true,
                    schema: SchemaGenerator::subschema_for::<String>,
                },
                ObjectField {
                    name: "state",
                    description: "",
                    required: false,
                    schema: SchemaGenerator::subschema_for::<bool>,
                },
            ],
        );
        assert_eq!(
            schema.to_value(),
            json!({
                "type": "object",
                "properties": {
                    "address": {"type": "string", "description": "Contact address"},
                    "state": {"type": "boolean"},
                },
                "required": ["address"],
            })
        );
    }
}
