//! The description of instruction sets as one JSON document: everything `help` and
//! `event-list` know, plus the JSON Schema of every parameter object, result, stream item
//! and event. Generators of clients in other languages, documentation and tests read it.
//!
//! Types used in several places are defined once under `$defs` at the document's root and
//! referred to as `{"$ref": "#/$defs/Name"}`.

use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

use super::{CommandSchema, EventSchema, FieldSchema, InstructionSetSchema, JsonSchemaFn, ParamSchema};

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
