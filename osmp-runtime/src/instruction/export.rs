//! The description of instruction sets as one JSON document: everything `help` and
//! `event-list` know, plus the JSON Schema of every parameter object, result, stream item
//! and event. Generators of clients in other languages, documentation and tests read it.
//!
//! Types used in several places are defined once under `$defs` at the document's root and
//! referred to as `{"$ref": "#/$defs/Name"}`.

use std::sync::Arc;

use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

use super::{CommandSchema, EventSchema, FieldSchema, InstructionSet, InstructionSetSchema, JsonSchemaFn, ParamSchema};

/// One set as a document exported it: an element of `instruction-sets`, and the `$defs` its
/// references (`#/$defs/Name`) point to. What a set served elsewhere is described with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExportedSet {
    /// The set: `name`, `description`, `commands`, `events`, as [`export_schema`] writes them.
    pub set: Value,
    /// The definitions its references point to.
    #[serde(rename = "$defs", default)]
    pub defs: Map<String, Value>,
}

impl ExportedSet {
    /// The sets of a document [`export_schema`] wrote, each with the definitions it uses.
    pub fn from_document(document: &Value) -> Vec<ExportedSet> {
        let defs = document.get("$defs").and_then(Value::as_object).cloned().unwrap_or_default();
        let sets = document.get("instruction-sets").and_then(Value::as_array).cloned().unwrap_or_default();
        sets.into_iter()
            .map(|set| {
                let mut used = Map::new();
                collect_defs(&set, &defs, &mut used);
                ExportedSet { set, defs: used }
            })
            .collect()
    }
}

/// The definitions `value` refers to, and those they refer to in turn.
fn collect_defs(value: &Value, defs: &Map<String, Value>, used: &mut Map<String, Value>) {
    match value {
        Value::Object(object) => {
            if let Some(name) = object.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
                if let (false, Some(definition)) = (used.contains_key(name), defs.get(name)) {
                    used.insert(name.to_owned(), definition.clone());
                    collect_defs(definition, defs, used);
                }
            }
            object.values().for_each(|value| collect_defs(value, defs, used));
        }
        Value::Array(values) => values.iter().for_each(|value| collect_defs(value, defs, used)),
        _ => {}
    }
}

/// The document of a registry's sets, showing only the commands and events whose
/// permission `visible` accepts. Sets described elsewhere ([`InstructionSet::exported_schema`])
/// appear as they were exported; their definitions join the document's, renamed where two
/// sets define one name differently.
pub(crate) fn export_sets(sets: &[Arc<dyn InstructionSet>], visible: impl Fn(Option<&str>) -> bool) -> Value {
    let mut generator = SchemaGenerator::default();
    let mut exported = Vec::new();
    let mut foreign: Vec<ExportedSet> = Vec::new();
    for set in sets {
        match set.exported_schema() {
            Some(document) => {
                let mut document = document.clone();
                filter_exported(&mut document.set, &visible);
                exported.push(Value::Null);
                foreign.push(document);
            }
            None => {
                let schema = visible_schema(set.schema(), &visible);
                exported.push(export_set(&schema, &mut generator));
            }
        }
    }
    let mut defs = generator.take_definitions(true);
    let mut foreign = foreign.into_iter();
    for slot in exported.iter_mut().filter(|slot| slot.is_null()) {
        let Some(ExportedSet { mut set, defs: set_defs }) = foreign.next() else { break };
        for (name, definition) in set_defs {
            match defs.get(&name) {
                None => {
                    defs.insert(name, definition);
                }
                Some(known) if *known == definition => {}
                Some(_) => {
                    let set_name = set["name"].as_str().unwrap_or("remote").to_owned();
                    let renamed = format!("{name}.{set_name}");
                    rename_reference(&mut set, &name, &renamed);
                    defs.insert(renamed, definition);
                }
            }
        }
        *slot = set;
    }
    json!({ "osmp-version": 1, "instruction-sets": exported, "$defs": Value::Object(defs) })
}

/// A copy of `schema` with only the commands and events `visible` accepts.
fn visible_schema(schema: &InstructionSetSchema, visible: &impl Fn(Option<&str>) -> bool) -> InstructionSetSchema {
    InstructionSetSchema {
        commands: schema.commands.iter().filter(|c| visible(c.requires.as_deref())).cloned().collect(),
        events: schema.events.iter().filter(|e| visible(e.requires.as_deref())).cloned().collect(),
        ..schema.clone()
    }
}

/// Removes from an exported set the commands and events `visible` does not accept.
fn filter_exported(set: &mut Value, visible: &impl Fn(Option<&str>) -> bool) {
    for key in ["commands", "events"] {
        if let Some(items) = set.get_mut(key).and_then(Value::as_array_mut) {
            items.retain(|item| visible(item.get("requires").and_then(Value::as_str)));
        }
    }
}

/// Points every reference to `#/$defs/from` at `#/$defs/to`.
fn rename_reference(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(object) => {
            if object.get("$ref").and_then(Value::as_str) == Some(&format!("#/$defs/{from}")) {
                object.insert("$ref".to_owned(), Value::from(format!("#/$defs/{to}")));
            }
            object.values_mut().for_each(|value| rename_reference(value, from, to));
        }
        Value::Array(values) => values.iter_mut().for_each(|value| rename_reference(value, from, to)),
        _ => {}
    }
}

/// The document for the given sets, in order.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::instruction::export_schema;
/// use osmp::standard::standard_schema;
///
/// let document = export_schema([standard_schema()]);
/// let sets = document["instruction-sets"].as_array().unwrap();
/// assert_eq!(sets[0]["name"], "standard");
/// let echo = sets[0]["commands"].as_array().unwrap().iter().find(|c| c["command"] == "echo").unwrap();
/// assert_eq!(echo["params-schema"]["properties"]["token"]["description"], "A piece of information to be echoed");
/// ```
pub fn export_schema<'a>(sets: impl IntoIterator<Item = &'a InstructionSetSchema>) -> Value {
    let mut generator = SchemaGenerator::default();
    let sets: Vec<Value> = sets.into_iter().map(|set| export_set(set, &mut generator)).collect();
    json!({
        "osmp-version": 1,
        "instruction-sets": sets,
        "$defs": Value::Object(generator.take_definitions(true)),
    })
}

/// A set serializes as the document [`export_schema`] writes for it alone, so that the
/// obvious way of exporting a schema works:
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::standard::standard_schema;
///
/// let document = serde_json::to_value(standard_schema()).unwrap();
/// assert_eq!(document, osmp::instruction::export_schema([standard_schema()]));
/// assert_eq!(document["instruction-sets"][0]["name"], "standard");
/// let text = serde_json::to_string_pretty(standard_schema()).unwrap();
/// assert!(text.contains("\"osmp-version\": 1"));
/// ```
impl serde::Serialize for InstructionSetSchema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        export_schema([self]).serialize(serializer)
    }
}

fn export_set(set: &InstructionSetSchema, generator: &mut SchemaGenerator) -> Value {
    json!({
        "name": set.name,
        "description": set.description,
        "long-description": set.long_description,
        "commands": set.commands.iter().map(|command| export_command(command, generator)).collect::<Vec<_>>(),
        "events": set.events.iter().map(|event| export_event(event, generator)).collect::<Vec<_>>(),
    })
}

fn export_command(command: &CommandSchema, generator: &mut SchemaGenerator) -> Value {
    let mut object = Map::new();
    object.insert("command".to_owned(), json!(command.name));
    object.insert("aliases".to_owned(), json!(command.aliases));
    object.insert("version".to_owned(), json!(command.version));
    object.insert("description".to_owned(), json!(command.description));
    object.insert("long-description".to_owned(), json!(command.long_description));
    object.insert("mandatory-params".to_owned(), Value::from(named(command.mandatory_params())));
    object.insert("optional-params".to_owned(), Value::from(named(command.optional_params())));
    object.insert("return-values".to_owned(), Value::from(fields(&command.returns)));
    object.insert("requires".to_owned(), json!(command.requires));
    let params = match command.params_schema {
        Some(schema) => schema_value(schema, generator),
        None => params_object(&command.params, generator),
    };
    object.insert("params-schema".to_owned(), params);
    insert_schema(&mut object, "result-schema", command.result_schema, generator);
    insert_schema(&mut object, "stream-schema", command.stream_schema, generator);
    Value::Object(object)
}

fn export_event(event: &EventSchema, generator: &mut SchemaGenerator) -> Value {
    let mut object = Map::new();
    object.insert("event".to_owned(), json!(event.name));
    object.insert("description".to_owned(), json!(event.description));
    object.insert("long-description".to_owned(), json!(event.long_description));
    object.insert("fields".to_owned(), Value::from(fields(&event.fields)));
    object.insert("requires".to_owned(), json!(event.requires));
    insert_schema(&mut object, "data-schema", event.schema, generator);
    Value::Object(object)
}

fn named<'a>(params: impl Iterator<Item = &'a ParamSchema>) -> Vec<Value> {
    params.map(|param| json!({"name": param.name, "description": param.description})).collect()
}

fn fields(fields: &[FieldSchema]) -> Vec<Value> {
    fields.iter().map(|field| json!({"name": field.name, "description": field.description})).collect()
}

fn insert_schema(
    object: &mut Map<String, Value>,
    key: &str,
    schema: Option<JsonSchemaFn>,
    generator: &mut SchemaGenerator,
) {
    if let Some(schema) = schema {
        object.insert(key.to_owned(), schema_value(schema, generator));
    }
}

fn schema_value(schema: JsonSchemaFn, generator: &mut SchemaGenerator) -> Value {
    schema(generator).to_value()
}

/// For sets written by hand without a parameter schema: an object of the documented
/// parameters, each with its own schema when known.
fn params_object(params: &[ParamSchema], generator: &mut SchemaGenerator) -> Value {
    let mut properties = Map::new();
    for param in params {
        let mut schema = param.schema.map(|schema| schema_value(schema, generator)).unwrap_or_else(|| json!({}));
        if let Value::Object(schema) = &mut schema {
            if !param.description.is_empty() {
                schema.insert("description".to_owned(), Value::from(param.description.as_ref()));
            }
        }
        properties.insert(param.name.to_string(), schema);
    }
    let required: Vec<&str> = params.iter().filter(|param| param.required).map(|param| param.name.as_ref()).collect();
    json!({"type": "object", "properties": properties, "required": required})
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::instruction::{CommandContext, CommandFuture, Params};

    /// A set described by a document exported elsewhere.
    struct Remote {
        schema: InstructionSetSchema,
        exported: ExportedSet,
    }

    impl InstructionSet for Remote {
        fn schema(&self) -> &InstructionSetSchema {
            &self.schema
        }

        fn call(&self, _: usize, _: Params, _: CommandContext) -> CommandFuture {
            Box::pin(async { Ok(crate::instruction::Outcome::ok()) })
        }

        fn exported_schema(&self) -> Option<&ExportedSet> {
            Some(&self.exported)
        }
    }

    fn remote(name: &'static str, definition: Value) -> Arc<dyn InstructionSet> {
        let set = json!({
            "name": name,
            "commands": [
                {"command": "open", "requires": null, "params-schema": {"$ref": "#/$defs/Call"}},
                {"command": "secret", "requires": "service", "params-schema": {}},
            ],
            "events": [],
        });
        let mut defs = Map::new();
        defs.insert("Call".to_owned(), definition);
        let schema = InstructionSetSchema {
            name: Cow::Borrowed(name),
            description: Cow::Borrowed(""),
            long_description: Cow::Borrowed(""),
            commands: Cow::Owned(Vec::new()),
            events: Cow::Owned(Vec::new()),
        };
        Arc::new(Remote { schema, exported: ExportedSet { set, defs } })
    }

    #[test]
    fn sets_described_elsewhere_join_the_document_with_their_definitions() {
        let sets = [remote("a", json!({"type": "object"})), remote("b", json!({"type": "string"}))];
        let document = export_sets(&sets, |requires| requires.is_none());
        let exported = document["instruction-sets"].as_array().unwrap();
        assert_eq!(exported.len(), 2);
        assert_eq!(exported[0]["commands"].as_array().unwrap().len(), 1, "what is not visible is left out");
        assert_eq!(exported[0]["commands"][0]["params-schema"]["$ref"], "#/$defs/Call");
        assert_eq!(exported[1]["commands"][0]["params-schema"]["$ref"], "#/$defs/Call.b", "a clash is renamed");
        assert_eq!(document["$defs"]["Call"], json!({"type": "object"}));
        assert_eq!(document["$defs"]["Call.b"], json!({"type": "string"}));
        let again = ExportedSet::from_document(&document);
        assert_eq!(again[1].defs.keys().collect::<Vec<_>>(), ["Call.b"], "each set takes the definitions it uses");
    }
}
