//! Reading messages, leniently where the reference is lenient and never with a panic.
//!
//! The reference implementation is written with Json.NET, which matches field names without
//! regard to case and turns numeric strings into numbers. Peers written against it may rely
//! on both, so the decoder accepts `"Nr"` as well as `"nr"` and `"17"` as well as `17`.
//! Responses printed in the specification sometimes carry their error text in `reason`
//! instead of `result`, or omit `status`; both are accepted when reading and never written.
//!
//! Nesting depth is bounded by serde_json's recursion limit (128), so a hostile message
//! nested 100,000 deep is an error, not a stack overflow.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::message::{
    Cancel, CancelTarget, Command, Event, EventBody, EventItem, Message, MessageKind, Nr, Response, Status,
    StreamMessage,
};
use super::Payload;

/// Why a text could not be read as an OSMP message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not JSON, not an object, or a field of the wrong JSON type.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// A field the message type requires is absent.
    #[error("missing field '{field}' in a '{kind}' message")]
    MissingField {
        /// The field.
        field: &'static str,
        /// The message type.
        kind: &'static str,
    },
    /// The `type` field names no OSMP message type.
    #[error("unknown message type '{0}' (expected cmd, response, stream, event or cancel)")]
    UnknownType(String),
    /// A field is present but its value is not acceptable.
    #[error("invalid field '{field}': {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Message {
    /// Reads one message from JSON text.
    ///
    /// ```
    /// # extern crate osmp_runtime as osmp;
    /// use osmp::wire::{Message, Command};
    ///
    /// let message = Message::decode(r#"{"nr":17,"type":"cmd","id":"echo","data":{"token":"hi"}}"#).unwrap();
    /// let Message::Cmd(Command { nr, id, data }) = message else { panic!("not a command") };
    /// assert_eq!((nr, id.as_str()), (17, "echo"));
    /// assert_eq!(data.unwrap().get(), r#"{"token":"hi"}"#);
    ///
    /// assert!(Message::decode("hello?").is_err());
    /// ```
    pub fn decode(text: &str) -> Result<Message, DecodeError> {
        let envelope: Envelope = serde_json::from_str(text)?;
        if let Some(data) = &envelope.data {
            check_depth(data.get())?;
        }
        envelope.into_message()
    }
}

/// The deepest nesting accepted in a payload; the same limit serde_json applies when it
/// parses into typed values, so anything the decoder accepts can later be decoded.
pub const MAX_NESTING_DEPTH: usize = 128;

/// Payloads are kept as raw text, which serde_json skips without a depth limit; check it
/// here so that no handler or subscriber ever receives a payload it cannot parse.
fn check_depth(json: &str) -> Result<(), DecodeError> {
    // Nesting needs an opening bracket per level. Counting them all is a simple loop the
    // compiler vectorizes, while the exact scan below goes byte by byte through strings;
    // with no more brackets than the limit allows (nearly every payload), it is not needed.
    let openings = json.bytes().filter(|&byte| byte == b'[' || byte == b'{').count();
    if openings <= MAX_NESTING_DEPTH {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for byte in json.bytes() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING_DEPTH {
                    return Err(DecodeError::InvalidField {
                        field: "data",
                        reason: format!("nested deeper than {MAX_NESTING_DEPTH} levels"),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The fields of a message as read, before the type decides which are required.
#[derive(Default)]
struct Envelope {
    nr: Option<Nr>,
    kind: Option<TypeField>,
    id: Option<String>,
    data: Option<Payload>,
    cmd_nr: Option<Nr>,
    status: Option<String>,
    result: Option<String>,
    reason: Option<String>,
}

impl Envelope {
    fn into_message(self) -> Result<Message, DecodeError> {
        let TypeField(kind) = self.kind.ok_or(DecodeError::MissingField { field: "type", kind: "any" })?;
        let kind = kind.map_err(DecodeError::UnknownType)?;
        let nr = self.nr.unwrap_or(0);
        match kind {
            MessageKind::Cmd => Ok(Message::Cmd(Command {
                nr: self.nr.ok_or(DecodeError::MissingField { field: "nr", kind: "cmd" })?,
                id: match self.id {
                    Some(id) if !id.is_empty() => id,
                    _ => return Err(DecodeError::MissingField { field: "id", kind: "cmd" }),
                },
                data: self.data.filter(|data| !data.is_null()),
            })),
            MessageKind::Response => Ok(Message::Response(Response {
                nr,
                id: self.id,
                cmd_nr: self.cmd_nr.ok_or(DecodeError::MissingField { field: "cmd-nr", kind: "response" })?,
                status: match self.status {
                    Some(text) => Status::parse(&text).ok_or_else(|| DecodeError::InvalidField {
                        field: "status",
                        reason: format!("'{text}' is not OK, ERROR or TIMEOUT"),
                    })?,
                    None => Status::Ok,
                },
                result: self.result.or(self.reason),
                data: self.data.filter(|data| !data.is_null()),
            })),
            MessageKind::Stream => Ok(Message::Stream(StreamMessage {
                nr,
                cmd_nr: self.cmd_nr.ok_or(DecodeError::MissingField { field: "cmd-nr", kind: "stream" })?,
                id: self.id,
                data: self.data.filter(|data| !data.is_null()),
            })),
            MessageKind::Event => Ok(Message::Event(Event { nr, body: event_body(self.id, self.data)? })),
            MessageKind::Cancel => {
                let data = self.data.ok_or(DecodeError::MissingField { field: "data", kind: "cancel" })?;
                let CancelData { cmds } = data.decode()?;
                Ok(Message::Cancel(Cancel { nr, target: cmds }))
            }
        }
    }
}

/// A named event is single; an event without a name carries `data.events`.
fn event_body(id: Option<String>, data: Option<Payload>) -> Result<EventBody, DecodeError> {
    match id {
        Some(event) => Ok(EventBody::Single(EventItem { event, data: data.filter(|d| !d.is_null()) })),
        None => {
            let data = data.ok_or(DecodeError::MissingField { field: "data", kind: "multi-event" })?;
            #[derive(Deserialize)]
            struct MultiEvent {
                events: Vec<EventItem>,
            }
            let MultiEvent { events } = data.decode()?;
            Ok(EventBody::Multi(events))
        }
    }
}

#[derive(Deserialize)]
struct CancelData {
    #[serde(deserialize_with = "deserialize_cancel_target")]
    cmds: CancelTarget,
}

fn deserialize_cancel_target<'de, D: Deserializer<'de>>(deserializer: D) -> Result<CancelTarget, D::Error> {
    struct TargetVisitor;
    impl<'de> Visitor<'de> for TargetVisitor {
        type Value = CancelTarget;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("\"*\" or an array of command numbers")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<CancelTarget, E> {
            if text.trim() == "*" {
                Ok(CancelTarget::All)
            } else {
                Err(E::invalid_value(de::Unexpected::Str(text), &self))
            }
        }
        fn visit_u64<E: de::Error>(self, nr: u64) -> Result<CancelTarget, E> {
            Ok(CancelTarget::Commands(vec![nr]))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CancelTarget, A::Error> {
            let mut nrs = Vec::new();
            while let Some(NrValue(nr)) = seq.next_element()? {
                nrs.push(nr);
            }
            Ok(CancelTarget::Commands(nrs))
        }
    }
    deserializer.deserialize_any(TargetVisitor)
}

/// A message number: a non-negative integer, or a string holding one (Json.NET writes
/// `int` fields declared as `string` that way).
struct NrValue(Nr);

impl<'de> Deserialize<'de> for NrValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NrValue, D::Error> {
        struct NrVisitor;
        impl Visitor<'_> for NrVisitor {
            type Value = NrValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer")
            }
            fn visit_u64<E: de::Error>(self, nr: u64) -> Result<NrValue, E> {
                Ok(NrValue(nr))
            }
            fn visit_i64<E: de::Error>(self, nr: i64) -> Result<NrValue, E> {
                u64::try_from(nr).map(NrValue).map_err(|_| E::invalid_value(de::Unexpected::Signed(nr), &self))
            }
            fn visit_f64<E: de::Error>(self, nr: f64) -> Result<NrValue, E> {
                // 17.0 is a whole number; Json.NET writes such values for doubles.
                if nr >= 0.0 && nr.fract() == 0.0 && nr <= (1u64 << 53) as f64 {
                    Ok(NrValue(nr as u64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(nr), &self))
                }
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<NrValue, E> {
                text.trim().parse().map(NrValue).map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
            }
        }
        deserializer.deserialize_any(NrVisitor)
    }
}

/// A text field that a lenient peer may send as another JSON type; it is kept as JSON text.
struct LenientText(Option<String>);

impl<'de> Deserialize<'de> for LenientText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LenientText, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(LenientText(match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(text) => Some(text),
            other => Some(other.to_string()),
        }))
    }
}

/// The `type` field as read, without copying it (it is read for every message): a known
/// kind, or what the peer wrote, for the error.
struct TypeField(Result<MessageKind, String>);

impl<'de> Deserialize<'de> for TypeField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TypeField, D::Error> {
        let CowStr(text) = CowStr::deserialize(deserializer)?;
        Ok(TypeField(MessageKind::parse(&text).ok_or_else(|| text.into_owned())))
    }
}

/// The envelope fields, matched without regard to ASCII case.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Nr,
    Type,
    Id,
    Data,
    CmdNr,
    Status,
    Result,
    Reason,
    Other,
}

impl Field {
    fn of(key: &str) -> Field {
        const FIELDS: [(&str, Field); 9] = [
            ("nr", Field::Nr),
            ("type", Field::Type),
            ("id", Field::Id),
            ("data", Field::Data),
            ("cmd-nr", Field::CmdNr),
            ("cmd_nr", Field::CmdNr),
            ("status", Field::Status),
            ("result", Field::Result),
            ("reason", Field::Reason),
        ];
        FIELDS.iter().find(|(name, _)| name.eq_ignore_ascii_case(key)).map_or(Field::Other, |&(_, field)| field)
    }

    fn name(self) -> &'static str {
        match self {
            Field::Nr => "nr",
            Field::Type => "type",
            Field::Id => "id",
            Field::Data => "data",
            Field::CmdNr => "cmd-nr",
            Field::Status => "status",
            Field::Result => "result",
            Field::Reason => "reason",
            Field::Other => "?",
        }
    }
}

struct FieldSeed;

impl<'de> DeserializeSeed<'de> for FieldSeed {
    type Value = Field;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Field, D::Error> {
        let key: Cow<'de, str> = Deserialize::deserialize(deserializer).map(|CowStr(text)| text)?;
        Ok(Field::of(&key))
    }
}

/// A string that borrows from the input when it contains no escapes.
struct CowStr<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CowStr<'de>, D::Error> {
        struct CowVisitor;
        impl<'de> Visitor<'de> for CowVisitor {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<CowStr<'de>, E> {
                Ok(CowStr(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CowStr<'de>, E> {
                Ok(CowStr(Cow::Owned(text.to_owned())))
            }
        }
        deserializer.deserialize_str(CowVisitor)
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Envelope, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OSMP message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut envelope = Envelope::default();
        let mut seen = [false; 8];
        while let Some(field) = map.next_key_seed(FieldSeed)? {
            if field == Field::Other {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let slot = &mut seen[field as usize];
            if std::mem::replace(slot, true) {
                return Err(de::Error::custom(format_args!("duplicate field '{}'", field.name())));
            }
            match field {
                Field::Nr => envelope.nr = map.next_value::<Option<NrValue>>()?.map(|NrValue(nr)| nr),
                Field::CmdNr => envelope.cmd_nr = map.next_value::<Option<NrValue>>()?.map(|NrValue(nr)| nr),
                Field::Type => envelope.kind = map.next_value()?,
                Field::Id => envelope.id = map.next_value()?,
                Field::Data => envelope.data = map.next_value()?,
                Field::Status => envelope.status = map.next_value()?,
                Field::Result => envelope.result = map.next_value::<LenientText>()?.0,
                Field::Reason => envelope.reason = map.next_value::<LenientText>()?.0,
                Field::Other => {}
            }
        }
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Message {
        Message::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn reads_commands_with_and_without_data() {
        assert_eq!(
            decode(r#"{"nr":17,"type":"cmd","id":"help"}"#),
            Message::Cmd(Command { nr: 17, id: "help".into(), data: None })
        );
        // `"data":null` is the same as no data (the specification's login example sends it).
        assert_eq!(
            decode(r#"{"type":"cmd","nr":1,"id":"echo","data":null}"#),
            Message::Cmd(Command { nr: 1, id: "echo".into(), data: None })
        );
    }

    #[test]
    fn accepts_what_json_net_peers_send() {
        let Message::Cmd(cmd) = decode(r#"{"Nr":"17","Type":"CMD","Id":"echo"}"#) else { panic!() };
        assert_eq!((cmd.nr, cmd.id.as_str()), (17, "echo"));
        let Message::Response(response) = decode(
            r#"{"nr":1, "cmd-nr":2, "type":"response", "id":"order-pizza", "data":null, "status":"ERROR", "reason":"Error: command 'order-pizza' not found"}"#,
        ) else {
            panic!()
        };
        assert_eq!(response.status, Status::Error);
        assert_eq!(response.result.as_deref(), Some("Error: command 'order-pizza' not found"));
        assert_eq!(response.data, None);
        // The specification's echo response has neither nr nor status.
        let Message::Response(response) =
            decode(r#"{ "type": "response", "cmd-nr": 10, "id": "echo", "data": {"token":"Hello World!" }}"#)
        else {
            panic!()
        };
        assert_eq!((response.nr, response.cmd_nr, response.status), (0, 10, Status::Ok));
    }

    #[test]
    fn reads_cancel_targets() {
        let all = decode(r#"{ "type": "cancel", "nr": 2, "data": {"cmds":"*"}}"#);
        assert_eq!(all, Message::Cancel(Cancel { nr: 2, target: CancelTarget::All }));
        let some = decode(r#"{"type":"cancel","nr":2,"id":null,"data":{"cmds":[1,"2"]}}"#);
        assert_eq!(some, Message::Cancel(Cancel { nr: 2, target: CancelTarget::Commands(vec![1, 2]) }));
        assert!(Message::decode(r#"{"type":"cancel","nr":2,"data":{"cmds":"all"}}"#).is_err());
        assert!(Message::decode(r#"{"type":"cancel","nr":2}"#).is_err());
    }

    #[test]
    fn reads_single_and_multi_events() {
        let Message::Event(single) =
            decode(r#"{"type":"event","id":"session-status","nr":23,"data":{"active-cmds":[1]}}"#)
        else {
            panic!()
        };
        assert_eq!(single.body.items()[0].event, "session-status");
        let Message::Event(multi) = decode(
            r#"{"type":"event", "nr":10, "data": {"events": [{"event":"vcall-status-changed", "data": {"call-id":"testcall1"}}]}}"#,
        ) else {
            panic!()
        };
        let items = multi.body.into_items();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].event, "vcall-status-changed");
    }

    #[test]
    fn rejects_what_cannot_be_a_message() {
        for text in [
            "hello?",
            "[]",
            "42",
            "{}",
            r#"{"type":"cmd","id":"echo"}"#,
            r#"{"type":"cmd","nr":1}"#,
            r#"{"type":"cmd","nr":-1,"id":"echo"}"#,
            r#"{"type":"cmd","nr":1.5,"id":"echo"}"#,
            r#"{"type":"cmd","nr":1,"id":7}"#,
            r#"{"type":"cmd","nr":1,"nr":2,"id":"echo"}"#,
            r#"{"type":"shout","nr":1}"#,
            r#"{"type":"response","nr":1}"#,
            r#"{"type":"response","nr":1,"cmd-nr":1,"status":"MAYBE"}"#,
        ] {
            assert!(Message::decode(text).is_err(), "{text} should not decode");
        }
    }

    #[test]
    fn survives_deep_nesting() {
        let deep =
            format!(r#"{{"type":"cmd","nr":1,"id":"echo","data":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert!(Message::decode(&deep).is_err());
        let string_with_brackets =
            format!(r#"{{"type":"cmd","nr":1,"id":"echo","data":{{"token":"{}\\\""}}}}"#, "[".repeat(1000));
        assert!(Message::decode(&string_with_brackets).is_ok(), "brackets inside strings do not nest");
        let at_limit = format!(r#"{{"type":"cmd","nr":1,"id":"echo","data":{}{}}}"#, "[".repeat(128), "]".repeat(128));
        assert!(Message::decode(&at_limit).is_ok());
    }

    #[test]
    fn round_trips_what_it_writes() {
        let messages = [
            r#"{"type":"cmd","id":"echo","nr":17,"data":{"token":"hi"}}"#,
            r#"{"type":"response","id":"echo","nr":5,"cmd-nr":17,"status":"OK","data":{"token":"hi"}}"#,
            r#"{"type":"stream","id":"log-stream","nr":6,"cmd-nr":17,"data":{"text":"x"}}"#,
            r#"{"type":"event","id":null,"nr":3,"data":{"events":[{"event":"a","data":{"x":1}}]}}"#,
            r#"{"type":"cancel","id":null,"nr":9,"data":{"cmds":[17,18]}}"#,
        ];
        for text in messages {
            assert_eq!(decode(text).to_json(), text);
        }
    }
}
