//! A command's parameters (`data`), taken apart with errors a client can act on.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::CommandError;
use crate::wire::Payload;

/// The parameters of one command: the members of its `data` object.
///
/// Generated dispatch code takes each parameter out by name; the errors name the parameter
/// and say what was expected:
///
/// ```
/// use osmp_runtime::instruction::Params;
/// use osmp_runtime::wire::Payload;
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
    members: Map<String, Value>,
}

impl Params {
    /// Reads the `data` of a command. Absent or `null` data means no parameters; anything
    /// but an object is an error.
    pub fn from_data(data: Option<&Payload>) -> Result<Params, CommandError> {
        let Some(data) = data else {
            return Ok(Params::default());
        };
        match serde_json::from_str::<Value>(data.get()) {
            Ok(Value::Object(members)) => Ok(Params { members }),
            Ok(Value::Null) => Ok(Params::default()),
            Ok(other) => Err(CommandError::invalid_params(format!(
                "parameters must be a JSON object, got {}",
                json_type(&other)
            ))),
            Err(error) => Err(CommandError::invalid_params(format!("parameters are not valid JSON: {error}"))),
        }
    }

    /// Parameters from a map.
    pub fn from_map(members: Map<String, Value>) -> Params {
        Params { members }
    }

    /// Takes out a parameter that must be present (and not `null`).
    pub fn required<T: DeserializeOwned + JsonSchema>(&mut self, name: &str) -> Result<T, CommandError> {
        match self.members.remove(name) {
            None | Some(Value::Null) => {
                Err(CommandError::invalid_params(format!("missing mandatory parameter '{name}'")))
            }
            Some(value) => decode_param(name, value),
        }
    }

    /// Takes out a parameter that may be absent; `null` counts as absent.
    pub fn optional<T: DeserializeOwned + JsonSchema>(&mut self, name: &str) -> Result<Option<T>, CommandError> {
        match self.members.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => decode_param(name, value).map(Some),
        }
    }

    /// Decodes all parameters as one struct (a command declared with a parameter struct).
    pub fn into_struct<T: DeserializeOwned>(self) -> Result<T, CommandError> {
        serde_path_to_error::deserialize(Value::Object(self.members)).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner().to_string();
            if let Some(field) = missing_field(&inner) {
                let name = if path == "." { field.to_owned() } else { format!("{path}.{field}") };
                CommandError::invalid_params(format!("missing mandatory parameter '{name}'"))
            } else if path == "." {
                CommandError::invalid_params(format!("invalid parameters: {inner}"))
            } else {
                CommandError::invalid_params(format!("parameter '{path}': {inner}"))
            }
        })
    }

    /// A parameter's raw value, without taking it out.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.get(name)
    }

    /// Whether no parameters are left.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The names of the parameters not taken out yet.
    pub fn remaining(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(String::as_str)
    }
}

/// serde's "missing field `x`" names the field in backticks.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn decode_param<T: DeserializeOwned + JsonSchema>(name: &str, value: Value) -> Result<T, CommandError> {
    let actual = describe_value(&value);
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let expected = expected_type::<T>();
        let message = match (&expected, path.as_str()) {
            // The value has the wrong JSON type altogether: say what was wanted.
            (Some(expected), ".")
                if inner.classify() == serde_json::error::Category::Data && !actual.matches(expected) =>
            {
                format!("parameter '{name}': expected {expected}, got {}", actual.text)
            }
            (_, ".") => format!("parameter '{name}': {inner}"),
            (_, inner_path) => format!("parameter '{name}': at '{inner_path}': {inner}"),
        };
        CommandError::invalid_params(message)
    })
}

/// The JSON type a Rust type expects, read from its JSON Schema.
fn expected_type<T: JsonSchema>() -> Option<String> {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<T>();
    let schema = schema.as_value();
    match schema.get("type")? {
        Value::String(kind) => Some(kind.clone()),
        Value::Array(kinds) => {
            let kinds: Vec<&str> = kinds.iter().filter_map(Value::as_str).filter(|kind| *kind != "null").collect();
            Some(kinds.join(" or "))
        }
        _ => None,
    }
}

struct ActualValue {
    kind: &'static str,
    text: String,
}

impl ActualValue {
    /// Whether the value is of one of the expected JSON types (integers are numbers too).
    fn matches(&self, expected: &str) -> bool {
        expected.split(" or ").any(|kind| kind == self.kind || (kind == "number" && self.kind == "integer"))
    }
}

fn describe_value(value: &Value) -> ActualValue {
    let kind = json_type(value);
    let text = match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            let mut text = value.to_string();
            if text.len() > 40 {
                let cut = (0..=37).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                text.truncate(cut);
                text.push('…');
            }
            format!("{kind} {text}")
        }
        _ => kind.to_owned(),
    };
    let kind = if kind == "number" && (value.is_i64() || value.is_u64()) { "integer" } else { kind };
    ActualValue { kind, text }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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
}
