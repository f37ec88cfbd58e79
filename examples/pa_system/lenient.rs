//! Booleans as .NET clients write them.
//!
//! The specification's own `vdevice-status` example sends `"ignore-not-installed": "True"`:
//! a string, as Json.NET writes a boolean that an application kept as text. Every boolean
//! parameter of the Director and VD1 sets is therefore a [`Bool`], which reads `true` and
//! `false` as well as `"True"`, `"false"`, `"TRUE"` (any case, spaces around ignored) and
//! writes a plain JSON boolean.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A boolean that may arrive as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bool(pub bool);

impl From<bool> for Bool {
    fn from(value: bool) -> Bool {
        Bool(value)
    }
}

impl From<Bool> for bool {
    fn from(value: Bool) -> bool {
        value.0
    }
}

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Bool, D::Error> {
        struct Visitor;

        impl de::Visitor<'_> for Visitor {
            type Value = Bool;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a boolean (true, false, \"True\" or \"False\")")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Bool, E> {
                Ok(Bool(value))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Bool, E> {
                match text.trim() {
                    word if word.eq_ignore_ascii_case("true") => Ok(Bool(true)),
                    word if word.eq_ignore_ascii_case("false") => Ok(Bool(false)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(text), &self)),
                }
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

impl Serialize for Bool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(self.0)
    }
}

impl JsonSchema for Bool {
    fn schema_name() -> Cow<'static, str> {
        "LenientBool".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "A boolean; .NET clients may send it as the string \"True\" or \"False\".",
            "type": ["boolean", "string"],
            "enum": [true, false, "True", "False", "true", "false"],
        })
    }
}
