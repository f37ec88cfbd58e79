//! A command's parameters (`data`), taken apart with errors a client can act on.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{CommandError, JsonSchemaFn};
use crate::wire::Payload;

/// The parameters of one command: the members of its `data` object.
///
/// Generated dispatch code takes each parameter out by name; the errors name the parameter
/// and say what was expected:
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::instruction::Params;
/// use osmp::wire::Payload;
/// use serde_json::json;
///
/// let data = Payload::from_value(&json!({"call-id": "evac", "priority": "high"}));
/// let mut params = Params::from_data(Some(&data)).unwrap();
/// let call_id: String = params.required("call-id").unwrap();
/// assert_eq!(call_id, "evac");
/// let error = params.optional::<u8>("priority").unwrap_err();
/// assert_eq!(error.to_string(), r#"parameter 'priority': expected integer, got string "high""#);
/// let error = params.required::<String>("zones").unwrap_err();
/// assert_eq!(error.to_string(), "missing mandatory parameter 'zones'");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// The `data` object's JSON text.
    text: Option<Payload>,
    /// Each member not taken out yet: its name and where its value is in `text`. Values are
    /// decoded straight from their text, without building a `serde_json::Value` first.
    members: Vec<(String, Range<usize>)>,
}

impl Params {
    /// Reads the `data` of a command. Absent or `null` data means no parameters; anything
    /// but an object is an error.
    pub fn from_data(data: Option<&Payload>) -> Result<Params, CommandError> {
        let Some(data) = data.filter(|data| !data.is_null()) else { return Ok(Params::default()) };
        let text = data.get();
        if !data.is_object() {
            let kind = RawKind::of(text.trim_start()).name();
            return Err(CommandError::invalid_params(format!("parameters must be a JSON object, got {kind}")));
        }
        let members: HashMap<Cow<'_, str>, &RawValue> = serde_json::from_str(text)
            .map_err(|error| CommandError::invalid_params(format!("parameters are not valid JSON: {error}")))?;
        let members = members
            .into_iter()
            .map(|(name, value)| {
                // The value is a slice of `text`: keep its position rather than a copy.
                let start = value.get().as_ptr() as usize - text.as_ptr() as usize;
                (name.into_owned(), start..start + value.get().len())
            })
            .collect();
        Ok(Params { text: Some(data.clone()), members })
    }

    /// The `data` object as it arrived, whatever was taken out of it since: what a set that
    /// forwards its commands elsewhere (a cluster's) sends on. `None` when there was none.
    pub fn payload(&self) -> Option<&Payload> {
        self.text.as_ref()
    }

    /// Parameters from a map.
    pub fn from_map(members: Map<String, Value>) -> Params {
        let payload = Payload::from_value(&Value::Object(members));
        // A map serializes to an object, which `from_data` always reads.
        Params::from_data(Some(&payload)).unwrap_or_default()
    }

    /// Takes out a parameter that must be present (and not `null`).
    pub fn required<T: DeserializeOwned + JsonSchema>(&mut self, name: &str) -> Result<T, CommandError> {
        self.required_with(name, Some(T::json_schema))
    }

    /// Takes out a parameter that may be absent; `null` counts as absent.
    pub fn optional<T: DeserializeOwned + JsonSchema>(&mut self, name: &str) -> Result<Option<T>, CommandError> {
        self.optional_with(name, Some(T::json_schema))
    }

    /// [`required`](Self::required) for a set that keeps the parameter's JSON Schema in its
    /// table ([`ParamSchema::schema`](super::ParamSchema::schema)): the schema says what was
    /// expected when the value has the wrong JSON type; without one, serde's message does.
    pub fn required_with<T: DeserializeOwned>(
        &mut self,
        name: &str,
        schema: Option<JsonSchemaFn>,
    ) -> Result<T, CommandError> {
        match self.take(name) {
            Some(raw) if raw != "null" => decode_param(name, raw, schema),
            _ => Err(CommandError::invalid_params(format!("missing mandatory parameter '{name}'"))),
        }
    }

    /// [`optional`](Self::optional) with the parameter's schema, as for
    /// [`required_with`](Self::required_with).
    pub fn optional_with<T: DeserializeOwned>(
        &mut self,
        name: &str,
        schema: Option<JsonSchemaFn>,
    ) -> Result<Option<T>, CommandError> {
        match self.take(name) {
            Some(raw) if raw != "null" => decode_param(name, raw, schema).map(Some),
            _ => Ok(None),
        }
    }

    /// Decodes all parameters as one struct (a command declared with a parameter struct).
    pub fn into_struct<T: DeserializeOwned>(self) -> Result<T, CommandError> {
        self.into_struct_with(None)
    }

    /// [`into_struct`](Self::into_struct) with the struct's JSON Schema
    /// ([`CommandSchema::params_schema`](super::CommandSchema::params_schema)): a member of
    /// the wrong JSON type is then reported in the words a plain parameter's is
    /// (`parameter 'priority': expected integer, got string "high"`).
    ///
    /// ```
    /// # extern crate osmp_runtime as osmp;
    /// use osmp::instruction::Params;
    /// use osmp::wire::Payload;
    /// use serde_json::json;
    ///
    /// #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    /// struct NewCall {
    ///     #[allow(dead_code)]
    ///     priority: Option<u8>,
    /// }
    ///
    /// let data = Payload::from_value(&json!({"priority": "high"}));
    /// let params = Params::from_data(Some(&data)).unwrap();
    /// let error = params.into_struct_with::<NewCall>(Some(<NewCall as schemars::JsonSchema>::json_schema)).unwrap_err();
    /// assert_eq!(error.to_string(), r#"parameter 'priority': expected integer, got string "high""#);
    /// ```
    pub fn into_struct_with<T: DeserializeOwned>(self, schema: Option<JsonSchemaFn>) -> Result<T, CommandError> {
        let text = self.text.as_ref().map_or("{}", Payload::get);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            let reason = reason_of(&inner);
            if let Some(field) = missing_field(&reason) {
                let name = if path == "." { field.to_owned() } else { format!("{path}.{field}") };
                return CommandError::invalid_params(format!("missing mandatory parameter '{name}'"));
            }
            if path == "." {
                return CommandError::invalid_params(format!("invalid parameters: {reason}"));
            }
            let Some(schema) = schema else {
                // Hand-written sets without a schema keep serde's words and the whole path.
                return CommandError::invalid_params(format!("parameter '{path}': {reason}"));
            };
            // `priority`, `zones[0]`, `call.id`: the parameter, then where inside it.
            let split = path.find(['.', '[']).unwrap_or(path.len());
            let (name, inside) = (&path[..split], path[split..].trim_start_matches('.'));
            let expected = if inside.is_empty() { expected_member_type(schema, name) } else { None };
            param_error(name, self.raw(name).unwrap_or(""), inside, &inner, expected)
        })
    }

    /// A parameter's value, without taking it out.
    pub fn get(&self, name: &str) -> Option<Value> {
        serde_json::from_str(self.raw(name)?).ok()
    }

    /// Whether no parameters are left.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The names of the parameters not taken out yet.
    pub fn remaining(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(name, _)| name.as_str())
    }

    /// A member's raw JSON text, without taking it out.
    fn raw(&self, name: &str) -> Option<&str> {
        let range = self.members.iter().find(|(member, _)| member == name)?.1.clone();
        Some(&self.text.as_ref()?.get()[range])
    }

    /// Removes a member and returns its raw JSON text.
    fn take(&mut self, name: &str) -> Option<&str> {
        let position = self.members.iter().position(|(member, _)| member == name)?;
        let (_, range) = self.members.swap_remove(position);
        Some(&self.text.as_ref()?.get()[range])
    }
}

/// serde's "missing field `x`" names the field in backticks.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn decode_param<T: DeserializeOwned>(name: &str, raw: &str, schema: Option<JsonSchemaFn>) -> Result<T, CommandError> {
    let mut deserializer = serde_json::Deserializer::from_str(raw);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inside = if path == "." { "" } else { path.as_str() };
        // Only on this error path is anything described: the value's kind and a preview.
        param_error(name, raw, inside, error.inner(), schema.and_then(expected_type))
    })
}

/// serde_json locates errors in the parameter's own text; the position says nothing to the
/// client.
fn reason_of(error: &serde_json::Error) -> String {
    let reason = error.to_string();
    reason.split(" at line ").next().unwrap_or(&reason).to_owned()
}

/// The error of parameter `name` whose value `raw` did not decode, `inside` it (empty for
/// the value itself): what was expected when the value has the wrong JSON type altogether,
/// serde's reason otherwise. Plain parameters and a parameter struct's members share it.
fn param_error(
    name: &str,
    raw: &str,
    inside: &str,
    error: &serde_json::Error,
    expected: Option<String>,
) -> CommandError {
    let reason = reason_of(error);
    let actual = RawKind::of(raw);
    let message = match (&expected, inside) {
        (Some(expected), "") if error.classify() == serde_json::error::Category::Data && !actual.matches(expected) => {
            format!("parameter '{name}': expected {expected}, got {}", actual.describe(raw))
        }
        (_, "") => format!("parameter '{name}': {reason}"),
        (_, inside) => format!("parameter '{name}': at '{inside}': {reason}"),
    };
    CommandError::invalid_params(message)
}

/// The JSON type a schema expects (`integer`, `string or array`), `null` left out.
fn expected_type(schema: JsonSchemaFn) -> Option<String> {
    let mut generator = schemars::SchemaGenerator::default();
    let schema = schema(&mut generator).to_value();
    type_of(resolve(&schema, generator.definitions()))
}

/// The JSON type the member `name` of a struct's schema expects.
fn expected_member_type(schema: JsonSchemaFn, name: &str) -> Option<String> {
    let mut generator = schemars::SchemaGenerator::default();
    let schema = schema(&mut generator).to_value();
    let definitions = generator.definitions();
    let member = resolve(&schema, definitions).get("properties")?.get(name)?;
    type_of(resolve(member, definitions))
}

fn type_of(schema: &Value) -> Option<String> {
    match schema.get("type")? {
        Value::String(kind) => Some(kind.clone()),
        Value::Array(kinds) => {
            let kinds: Vec<&str> = kinds.iter().filter_map(Value::as_str).filter(|kind| *kind != "null").collect();
            Some(kinds.join(" or "))
        }
        _ => None,
    }
}

/// Follows a `$ref` (`#/$defs/Name`) into the generator's definitions.
fn resolve<'a>(schema: &'a Value, definitions: &'a Map<String, Value>) -> &'a Value {
    let name = schema.get("$ref").and_then(Value::as_str).and_then(|reference| reference.rsplit('/').next());
    match name.and_then(|name| definitions.get(name)) {
        Some(definition) => resolve(definition, definitions),
        None => schema,
    }
}

/// The JSON type of a value, told from the first character of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawKind {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl RawKind {
    fn of(raw: &str) -> RawKind {
        match raw.as_bytes().first() {
            Some(b'n') => RawKind::Null,
            Some(b't' | b'f') => RawKind::Boolean,
            Some(b'"') => RawKind::String,
            Some(b'[') => RawKind::Array,
            Some(b'{') => RawKind::Object,
            _ if raw.contains(['.', 'e', 'E']) => RawKind::Number,
            _ => RawKind::Integer,
        }
    }

    fn name(self) -> &'static str {
        match self {
            RawKind::Null => "null",
            RawKind::Boolean => "boolean",
            RawKind::Integer => "integer",
            RawKind::Number => "number",
            RawKind::String => "string",
            RawKind::Array => "array",
            RawKind::Object => "object",
        }
    }

    /// Whether the value is of one of the expected JSON types (integers are numbers too).
    fn matches(self, expected: &str) -> bool {
        expected.split(" or ").any(|kind| kind == self.name() || (kind == "number" && self == RawKind::Integer))
    }

    /// `string "high"`, `number 1.5`, `array`: the kind, and short scalar values as written.
    fn describe(self, raw: &str) -> String {
        match self {
            RawKind::Array | RawKind::Object | RawKind::Null => self.name().to_owned(),
            _ if raw.len() > 40 => {
                let cut = (0..=37).rev().find(|&index| raw.is_char_boundary(index)).unwrap_or(0);
                format!("{} {}…", self.name(), &raw[..cut])
            }
            _ => format!("{} {raw}", self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn params(value: Value) -> Params {
        Params::from_data(Some(&Payload::from_value(&value))).unwrap()
    }

    #[test]
    fn data_must_be_an_object() {
        assert!(Params::from_data(None).unwrap().is_empty());
        assert!(Params::from_data(Some(&Payload::from_value(&Value::Null))).unwrap().is_empty());
        let error = Params::from_data(Some(&Payload::from_value(&json!([1])))).unwrap_err();
        assert_eq!(error.to_string(), "parameters must be a JSON object, got array");
    }

    #[test]
    fn names_the_parameter_and_the_expected_type() {
        let mut p = params(json!({"n": 1.5, "flag": "yes", "list": 3, "ok": 7}));
        assert_eq!(p.required::<u32>("n").unwrap_err().to_string(), "parameter 'n': expected integer, got number 1.5");
        assert_eq!(
            p.required::<bool>("flag").unwrap_err().to_string(),
            r#"parameter 'flag': expected boolean, got string "yes""#
        );
        assert_eq!(
            p.optional::<Vec<String>>("list").unwrap_err().to_string(),
            "parameter 'list': expected array, got integer 3"
        );
        assert_eq!(p.required::<f64>("ok").unwrap(), 7.0);
        assert_eq!(p.optional::<String>("absent").unwrap(), None);
        // An integer out of range has the right JSON type: serde's message says what is wrong.
        let mut p = params(json!({"priority": 300}));
        let message = p.required::<u8>("priority").unwrap_err().to_string();
        assert!(message.starts_with("parameter 'priority': invalid value: integer `300`"), "{message}");
    }

    #[test]
    fn decodes_structs_with_paths() {
        #[derive(Deserialize, Debug)]
        #[serde(rename_all = "kebab-case")]
        #[allow(dead_code)]
        struct Create {
            call_id: String,
            priority: Option<u8>,
        }
        let error = params(json!({"priority": 1})).into_struct::<Create>().unwrap_err();
        assert_eq!(error.to_string(), "missing mandatory parameter 'call-id'");
        let error = params(json!({"call-id": "x", "priority": "high"})).into_struct::<Create>().unwrap_err();
        assert!(error.to_string().starts_with("parameter 'priority': invalid type: string \"high\""), "{error}");
        assert!(params(json!({"call-id": "x"})).into_struct::<Create>().is_ok());
    }

    #[test]
    fn struct_members_are_reported_in_the_words_of_plain_parameters() {
        #[derive(Deserialize, JsonSchema, Debug)]
        #[serde(rename_all = "kebab-case")]
        #[allow(dead_code)]
        struct Create {
            call_id: String,
            priority: Option<u8>,
            zones: Option<Vec<u8>>,
        }
        let schema = Some(<Create as JsonSchema>::json_schema as JsonSchemaFn);
        let as_struct = |value: Value| params(value).into_struct_with::<Create>(schema).unwrap_err().to_string();
        let plain = |value: Value, name: &str| {
            let mut p = params(value);
            match name {
                "priority" => p.optional::<u8>(name).map(|_| ()),
                _ => p.optional::<Vec<u8>>(name).map(|_| ()),
            }
            .unwrap_err()
            .to_string()
        };
        let wrong = json!({"call-id": "x", "priority": "high"});
        assert_eq!(as_struct(wrong.clone()), r#"parameter 'priority': expected integer, got string "high""#);
        assert_eq!(as_struct(wrong.clone()), plain(wrong, "priority"));
        let inside = json!({"call-id": "x", "zones": [1, "a"]});
        assert_eq!(as_struct(inside.clone()), plain(inside, "zones"));
        assert!(as_struct(json!({"call-id": "x", "zones": [1, "a"]})).starts_with("parameter 'zones': at '[1]': "));
        assert_eq!(as_struct(json!({"priority": 1})), "missing mandatory parameter 'call-id'");
    }
}
