//! The conventional shapes of a stream message's `data`: progress, text, lines, or
//! anything structured.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::Payload;

/// What one stream message carries, read by its conventional shape.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::wire::{Payload, StreamItem};
/// use serde_json::json;
///
/// let progress = StreamItem::progress(3, 10);
/// assert_eq!(Payload::from_serialize(&progress).unwrap().get(), r#"{"type":"progress","value":3,"total":10}"#);
///
/// let read = StreamItem::from_data(Some(&Payload::from_value(&json!({"line": "hello"}))));
/// assert_eq!(read, StreamItem::Line("hello".into()));
/// ```
///
/// `T` is the type of structured data: raw [`Payload`] by default, a command's own type in
/// generated typed clients (see [`StreamItem::try_map`]).
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem<T = Payload> {
    /// `{"type":"progress","value":3,"total":10,"message":"…"}`
    Progress {
        /// Work done.
        value: f64,
        /// Work in all.
        total: f64,
        /// What is happening.
        message: Option<String>,
    },
    /// `{"type":"progress-indeterminate","message":"…"}`
    ProgressIndeterminate {
        /// What is happening.
        message: Option<String>,
    },
    /// `{"type":"progress-complete"}`
    ProgressComplete,
    /// `{"text":"…"}`: a fragment of text.
    Text(String),
    /// `{"line":"…"}`: a line of text.
    Line(String),
    /// Anything else: structured data whose shape the command defines.
    Data(T),
}

impl<T> StreamItem<T> {
    /// Converts the structured data, keeping every other shape as it is.
    pub fn try_map<U, E>(self, convert: impl FnOnce(T) -> Result<U, E>) -> Result<StreamItem<U>, E> {
        Ok(match self {
            StreamItem::Progress { value, total, message } => StreamItem::Progress { value, total, message },
            StreamItem::ProgressIndeterminate { message } => StreamItem::ProgressIndeterminate { message },
            StreamItem::ProgressComplete => StreamItem::ProgressComplete,
            StreamItem::Text(text) => StreamItem::Text(text),
            StreamItem::Line(line) => StreamItem::Line(line),
            StreamItem::Data(data) => StreamItem::Data(convert(data)?),
        })
    }
}

impl StreamItem {
    /// Determinate progress without a message.
    pub fn progress(value: u64, total: u64) -> StreamItem {
        StreamItem::Progress { value: value as f64, total: total as f64, message: None }
    }

    /// Reads the data of a stream message.
    pub fn from_data(data: Option<&Payload>) -> StreamItem {
        let Some(data) = data else {
            return StreamItem::Data(Payload::from_value(&Value::Null));
        };
        let value = data.to_value();
        let Value::Object(map) = &value else {
            return StreamItem::Data(data.clone());
        };
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let number = |key: &str| map.get(key).and_then(Value::as_f64);
        match map.get("type").and_then(Value::as_str) {
            Some("progress") => {
                if let (Some(value), Some(total)) = (number("value"), number("total")) {
                    return StreamItem::Progress { value, total, message: text("message") };
                }
            }
            Some("progress-indeterminate") => return StreamItem::ProgressIndeterminate { message: text("message") },
            Some("progress-complete") => return StreamItem::ProgressComplete,
            _ => {}
        }
        match (map.len(), text("text"), text("line")) {
            (1, Some(fragment), _) => StreamItem::Text(fragment),
            (1, _, Some(line)) => StreamItem::Line(line),
            _ => StreamItem::Data(data.clone()),
        }
    }
}

impl<T: Serialize> Serialize for StreamItem<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StreamItem::Progress { value, total, message } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("type", "progress")?;
                map.serialize_entry("value", &Number(*value))?;
                map.serialize_entry("total", &Number(*total))?;
                if let Some(message) = message {
                    map.serialize_entry("message", message)?;
                }
                map.end()
            }
            StreamItem::ProgressIndeterminate { message } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("type", "progress-indeterminate")?;
                if let Some(message) = message {
                    map.serialize_entry("message", message)?;
                }
                map.end()
            }
            StreamItem::ProgressComplete => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("type", "progress-complete")?;
                map.end()
            }
            StreamItem::Text(text) => single_entry(serializer, "text", text),
            StreamItem::Line(line) => single_entry(serializer, "line", line),
            StreamItem::Data(data) => data.serialize(serializer),
        }
    }
}

fn single_entry<S: Serializer>(serializer: S, key: &str, value: &str) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, value)?;
    map.end()
}

/// Whole numbers are written without a fraction (`3`, not `3.0`), as the reference does.
struct Number(f64);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        if self.0.fract() == 0.0 && self.0.abs() < EXACT {
            serializer.serialize_i64(self.0 as i64)
        } else {
            serializer.serialize_f64(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> StreamItem {
        StreamItem::from_data(Some(&Payload::from_value(&value)))
    }

    #[test]
    fn reads_every_conventional_shape() {
        assert_eq!(
            read(json!({"type":"progress","value":3,"total":10,"message":"copying"})),
            StreamItem::Progress { value: 3.0, total: 10.0, message: Some("copying".into()) }
        );
        assert_eq!(read(json!({"type":"progress-indeterminate"})), StreamItem::ProgressIndeterminate { message: None });
        assert_eq!(read(json!({"type":"progress-complete"})), StreamItem::ProgressComplete);
        assert_eq!(
            read(json!({"text":"Cancel cmd 2 to stop this stream."})),
            StreamItem::Text("Cancel cmd 2 to stop this stream.".into())
        );
        let log =
            json!({"date-time":"2017-08-31T12:14:30.0647371+02:00","logger":"Director","text":"Test log message"});
        assert!(matches!(read(log), StreamItem::Data(_)));
    }

    #[test]
    fn writes_what_it_reads() {
        for item in [
            StreamItem::progress(3, 10),
            StreamItem::Progress { value: 0.5, total: 1.0, message: Some("half".into()) },
            StreamItem::ProgressIndeterminate { message: Some("thinking".into()) },
            StreamItem::ProgressComplete,
            StreamItem::Text("a".into()),
            StreamItem::Line("b".into()),
        ] {
            let payload = Payload::from_serialize(&item).unwrap();
            assert_eq!(StreamItem::from_data(Some(&payload)), item);
        }
    }
}
