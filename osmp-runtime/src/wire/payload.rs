//! The `data` field of a message, kept as raw JSON text.
//!
//! Payloads pass through the runtime far more often than they are inspected: an event is
//! serialized once and written to every subscribed session, an echoed token goes back as it
//! came. Keeping the text (behind an `Arc`, so clones are free) avoids building a
//! `serde_json::Value` tree on every hop; typed code decodes straight from the text.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// A JSON value carried in a message's `data` field.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::wire::Payload;
/// use serde_json::json;
///
/// let payload = Payload::from_serialize(&json!({"token": "hi"})).unwrap();
/// assert_eq!(payload.get(), r#"{"token":"hi"}"#);
/// assert!(payload.is_object());
/// let token: serde_json::Value = payload.decode().unwrap();
/// assert_eq!(token["token"], "hi");
/// ```
#[derive(Clone)]
pub struct Payload(Arc<Box<RawValue>>);

impl Payload {
    /// Serializes a value into a payload.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Payload, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(Payload::from_raw)
    }

    /// Wraps an already serialized JSON value.
    pub fn from_raw(raw: Box<RawValue>) -> Payload {
        // The box goes behind the `Arc` as it is: `Arc<RawValue>` would copy the text into
        // an allocation of its own (a second allocation of the payload's size, and a copy,
        // for every payload read or written), where this adds one small allocation.
        Payload(Arc::new(raw))
    }

    /// Parses JSON text into a payload, validating it.
    pub fn from_json(text: impl Into<String>) -> Result<Payload, serde_json::Error> {
        RawValue::from_string(text.into()).map(Payload::from_raw)
    }

    /// Converts a `serde_json::Value`.
    pub fn from_value(value: &Value) -> Payload {
        // Serializing a `Value` cannot fail: its map keys are strings and it holds no
        // non-finite floats, which are the only two things serde_json refuses.
        match serde_json::value::to_raw_value(value) {
            Ok(raw) => Payload::from_raw(raw),
            Err(error) => unreachable_serialization(error),
        }
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Decodes the payload into a typed value.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.0.get())
    }

    /// Parses the payload into a `serde_json::Value`.
    pub fn to_value(&self) -> Value {
        // The text was validated when the payload was built.
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    /// Whether the payload is a JSON object (the shape the protocol expects for `data`).
    pub fn is_object(&self) -> bool {
        self.get().trim_start().starts_with('{')
    }

    /// Whether the payload is JSON `null`.
    pub fn is_null(&self) -> bool {
        self.get().trim() == "null"
    }
}

#[cold]
fn unreachable_serialization(error: serde_json::Error) -> Payload {
    tracing::error!(%error, "serializing a serde_json::Value failed; sending null instead");
    Payload::from_raw(RawValue::NULL.to_owned())
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Payload::from_raw)
    }
}

impl PartialEq for Payload {
    /// Payloads are equal when they hold the same JSON value, whatever their formatting.
    fn eq(&self, other: &Payload) -> bool {
        self.get() == other.get() || self.to_value() == other.to_value()
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Payload {
        Payload::from_value(&value)
    }
}

impl From<&Value> for Payload {
    fn from(value: &Value) -> Payload {
        Payload::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_text_and_compares_by_value() {
        let a = Payload::from_json(r#"{ "a" : 1 }"#).unwrap();
        let b = Payload::from_value(&json!({"a": 1}));
        assert_eq!(a.get(), r#"{ "a" : 1 }"#);
        assert_eq!(a, b);
        assert!(a.is_object());
        assert!(!Payload::from_value(&json!([1])).is_object());
        assert!(Payload::from_value(&Value::Null).is_null());
    }

    #[test]
    fn rejects_invalid_json() {
        assert!(Payload::from_json("{").is_err());
    }
}
