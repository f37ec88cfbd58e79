//! The message envelope of OSMP v1 and how it is written.
//!
//! Every message is one JSON object with the fields `nr`, `type`, `id`, `data` and, on
//! responses and streams, `cmd-nr`, `status` and `result`. Each [`Message`] variant knows
//! the exact field names the specification prints; field order on the wire follows the
//! specification's examples, although receivers must not depend on it.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use super::Payload;

/// What [`Message::size_estimate`] adds for the envelope: the field names, quotes and
/// numbers of the longest envelope (an `ERROR` response with two 20-digit numbers).
const ENVELOPE_SIZE: usize = 128;

/// A sender's own message counter: every message a side sends carries the next number.
///
/// A response refers to the command it answers by that command's `nr`, in `cmd-nr`.
pub type Nr = u64;

/// One OSMP message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `type: "cmd"`: a command or query, answered by exactly one response.
    Cmd(Command),
    /// `type: "response"`: the answer to a command; ends the command's life.
    Response(Response),
    /// `type: "stream"`: intermediate output of a running command.
    Stream(StreamMessage),
    /// `type: "event"`: a spontaneous notification (single or multi-event).
    Event(Event),
    /// `type: "cancel"`: asks the peer to cancel running commands.
    Cancel(Cancel),
}

impl Message {
    /// The message's `nr`.
    pub fn nr(&self) -> Nr {
        match self {
            Message::Cmd(m) => m.nr,
            Message::Response(m) => m.nr,
            Message::Stream(m) => m.nr,
            Message::Event(m) => m.nr,
            Message::Cancel(m) => m.nr,
        }
    }

    /// The value of the `type` field.
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::Cmd(_) => MessageKind::Cmd,
            Message::Response(_) => MessageKind::Response,
            Message::Stream(_) => MessageKind::Stream,
            Message::Event(_) => MessageKind::Event,
            Message::Cancel(_) => MessageKind::Cancel,
        }
    }

    /// About how many bytes the message takes on the wire, and in memory while it waits in
    /// a queue: the lengths of its texts and payloads plus a fixed part for the envelope.
    /// Queues are bounded in bytes with it, without serializing anything twice.
    ///
    /// ```
    /// # extern crate osmp_runtime as osmp;
    /// use osmp::wire::{Message, Payload, Response, Status};
    ///
    /// let data = Payload::from_json(r#"{"token":"hi"}"#).unwrap();
    /// let response = Message::Response(Response {
    ///     nr: 5, id: Some("echo".into()), cmd_nr: 17, status: Status::Ok, result: None, data: Some(data),
    /// });
    /// let exact = response.to_json().len();
    /// assert!(response.size_estimate() >= exact && response.size_estimate() < exact + 128);
    /// ```
    pub fn size_estimate(&self) -> usize {
        let text = |text: &Option<String>| text.as_ref().map_or(0, String::len);
        let data = |data: &Option<Payload>| data.as_ref().map_or(0, |payload| payload.get().len());
        ENVELOPE_SIZE
            + match self {
                Message::Cmd(m) => m.id.len() + data(&m.data),
                Message::Response(m) => text(&m.id) + text(&m.result) + data(&m.data),
                Message::Stream(m) => text(&m.id) + data(&m.data),
                Message::Event(m) => m.body.items().iter().map(EventItem::size_estimate).sum(),
                Message::Cancel(m) => match &m.target {
                    CancelTarget::All => 3,
                    CancelTarget::Commands(nrs) => nrs.len() * 21,
                },
            }
    }

    /// Serializes the message to its JSON text.
    pub fn to_json(&self) -> String {
        // Every field is a string, an integer or an already validated payload, so writing
        // cannot fail. serde_json starts with 128 bytes and doubles: a message that may not
        // fit is written into a buffer of its estimated size instead (a 1 KiB reply in one
        // allocation rather than through four), for the price of one UTF-8 check. (The
        // estimate counts `ENVELOPE_SIZE` for an envelope that takes some 60 bytes.)
        let estimate = self.size_estimate();
        if estimate <= 2 * ENVELOPE_SIZE {
            return serde_json::to_string(self).unwrap_or_default();
        }
        let mut json = Vec::with_capacity(estimate);
        match serde_json::to_writer(&mut json, self) {
            Ok(()) => String::from_utf8(json).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }
}

/// The `type` of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// `cmd`
    Cmd,
    /// `response`
    Response,
    /// `stream`
    Stream,
    /// `event`
    Event,
    /// `cancel`
    Cancel,
}

impl MessageKind {
    const ALL: [MessageKind; 5] =
        [MessageKind::Cmd, MessageKind::Response, MessageKind::Stream, MessageKind::Event, MessageKind::Cancel];

    /// The kind a wire name names, ignoring ASCII case (Json.NET peers may write `"CMD"`).
    pub(crate) fn parse(name: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|kind| kind.as_str().eq_ignore_ascii_case(name))
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Cmd => "cmd",
            MessageKind::Response => "response",
            MessageKind::Stream => "stream",
            MessageKind::Event => "event",
            MessageKind::Cancel => "cancel",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A command: `{"nr":17,"type":"cmd","id":"echo","data":{"token":"hi"}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The sender's message number; the response's `cmd-nr`.
    pub nr: Nr,
    /// The command name (or an alias).
    pub id: String,
    /// The parameters, if any.
    pub data: Option<Payload>,
}

/// The `status` of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    /// The command succeeded (or was cancelled and acknowledged).
    #[serde(rename = "OK")]
    Ok,
    /// The command failed; `result` says why.
    #[serde(rename = "ERROR")]
    Error,
    /// The peer did not answer in time (used by the reference for server-to-client commands).
    #[serde(rename = "TIMEOUT")]
    Timeout,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Error => "ERROR",
            Status::Timeout => "TIMEOUT",
        }
    }

    /// Reads a wire name, ignoring ASCII case.
    pub fn parse(text: &str) -> Option<Status> {
        [Status::Ok, Status::Error, Status::Timeout]
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A response: `{"type":"response","id":"echo","nr":5,"cmd-nr":17,"status":"OK","data":{…}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The responder's message number.
    pub nr: Nr,
    /// The name of the command answered.
    pub id: Option<String>,
    /// The `nr` of the command answered.
    pub cmd_nr: Nr,
    /// `OK` or `ERROR`.
    pub status: Status,
    /// Human-readable result or error text.
    pub result: Option<String>,
    /// Result data.
    pub data: Option<Payload>,
}

impl Response {
    /// Whether `status` is `OK`.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }
}

/// A stream message: `{"type":"stream","nr":6,"cmd-nr":17,"id":"log-stream","data":{…}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamMessage {
    /// The sender's message number.
    pub nr: Nr,
    /// The `nr` of the command this output belongs to.
    pub cmd_nr: Nr,
    /// The name of that command.
    pub id: Option<String>,
    /// The streamed data (`{"text":…}`, `{"line":…}`, progress, or anything structured).
    pub data: Option<Payload>,
}

/// An event message, single or multi.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The sender's message number.
    pub nr: Nr,
    /// The event(s) carried.
    pub body: EventBody,
}

/// What an event message carries.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// `{"type":"event","id":"vcall-status-changed","data":{…}}`
    Single(EventItem),
    /// `{"type":"event","id":null,"data":{"events":[{"event":…,"data":…},…]}}`
    Multi(Vec<EventItem>),
}

impl EventBody {
    /// The events in the message, in order.
    pub fn items(&self) -> &[EventItem] {
        match self {
            EventBody::Single(item) => std::slice::from_ref(item),
            EventBody::Multi(items) => items,
        }
    }

    /// Takes the events out of the message, in order.
    pub fn into_items(self) -> Vec<EventItem> {
        match self {
            EventBody::Single(item) => vec![item],
            EventBody::Multi(items) => items,
        }
    }
}

/// One event: its name and data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventItem {
    /// The event name.
    pub event: String,
    /// The event data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Payload>,
}

impl EventItem {
    /// About how many bytes the event takes inside a message (see
    /// [`Message::size_estimate`]).
    pub fn size_estimate(&self) -> usize {
        // `{"event":"…","data":…}` and the comma between events.
        20 + self.event.len() + self.data.as_ref().map_or(0, |data| data.get().len())
    }
}

/// A cancel message: `{"type":"cancel","nr":9,"data":{"cmds":[17,18]}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancel {
    /// The sender's message number.
    pub nr: Nr,
    /// Which commands to cancel.
    pub target: CancelTarget,
}

/// The commands a cancel message names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelTarget {
    /// `"cmds":"*"`: every active command.
    All,
    /// `"cmds":[17,18]`: the commands with these numbers.
    Commands(Vec<Nr>),
}

impl Serialize for CancelTarget {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CancelTarget::All => serializer.serialize_str("*"),
            CancelTarget::Commands(nrs) => nrs.serialize(serializer),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing. Field order follows the specification's examples: type, id, nr, cmd-nr, status,
// result, data.

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Message::Cmd(m) => m.serialize(serializer),
            Message::Response(m) => m.serialize(serializer),
            Message::Stream(m) => m.serialize(serializer),
            Message::Event(m) => m.serialize(serializer),
            Message::Cancel(m) => m.serialize(serializer),
        }
    }
}

impl Serialize for Command {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "cmd")?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("nr", &self.nr)?;
        if let Some(data) = &self.data {
            map.serialize_entry("data", data)?;
        }
        map.end()
    }
}

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "response")?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("nr", &self.nr)?;
        map.serialize_entry("cmd-nr", &self.cmd_nr)?;
        map.serialize_entry("status", &self.status)?;
        if let Some(result) = &self.result {
            map.serialize_entry("result", result)?;
        }
        if let Some(data) = &self.data {
            map.serialize_entry("data", data)?;
        }
        map.end()
    }
}

impl Serialize for StreamMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "stream")?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("nr", &self.nr)?;
        map.serialize_entry("cmd-nr", &self.cmd_nr)?;
        if let Some(data) = &self.data {
            map.serialize_entry("data", data)?;
        }
        map.end()
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "event")?;
        match &self.body {
            EventBody::Single(item) => {
                map.serialize_entry("id", &item.event)?;
                map.serialize_entry("nr", &self.nr)?;
                if let Some(data) = &item.data {
                    map.serialize_entry("data", data)?;
                }
            }
            EventBody::Multi(items) => {
                map.serialize_entry("id", &None::<&str>)?;
                map.serialize_entry("nr", &self.nr)?;
                map.serialize_entry("data", &MultiEventData { events: items })?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct MultiEventData<'a> {
    events: &'a [EventItem],
}

impl Serialize for Cancel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct CancelData<'a> {
            cmds: &'a CancelTarget,
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", "cancel")?;
        map.serialize_entry("id", &None::<&str>)?;
        map.serialize_entry("nr", &self.nr)?;
        map.serialize_entry("data", &CancelData { cmds: &self.target })?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(value: serde_json::Value) -> Option<Payload> {
        Some(Payload::from_value(&value))
    }

    #[test]
    fn writes_the_field_names_of_the_specification() {
        let response = Message::Response(Response {
            nr: 5,
            id: Some("echo".into()),
            cmd_nr: 17,
            status: Status::Ok,
            result: None,
            data: payload(json!({"token": "hi"})),
        });
        assert_eq!(
            response.to_json(),
            r#"{"type":"response","id":"echo","nr":5,"cmd-nr":17,"status":"OK","data":{"token":"hi"}}"#
        );

        let cancel = Message::Cancel(Cancel { nr: 9, target: CancelTarget::Commands(vec![17, 18]) });
        assert_eq!(cancel.to_json(), r#"{"type":"cancel","id":null,"nr":9,"data":{"cmds":[17,18]}}"#);
        let cancel_all = Message::Cancel(Cancel { nr: 2, target: CancelTarget::All });
        assert_eq!(cancel_all.to_json(), r#"{"type":"cancel","id":null,"nr":2,"data":{"cmds":"*"}}"#);
    }

    #[test]
    fn writes_single_and_multi_events() {
        let single = Message::Event(Event {
            nr: 1,
            body: EventBody::Single(EventItem {
                event: "session-status".into(),
                data: payload(json!({"active-cmds": [1]})),
            }),
        });
        assert_eq!(single.to_json(), r#"{"type":"event","id":"session-status","nr":1,"data":{"active-cmds":[1]}}"#);

        let multi = Message::Event(Event {
            nr: 3,
            body: EventBody::Multi(vec![
                EventItem { event: "a".into(), data: payload(json!({"x": 1})) },
                EventItem { event: "b".into(), data: None },
            ]),
        });
        assert_eq!(
            multi.to_json(),
            r#"{"type":"event","id":null,"nr":3,"data":{"events":[{"event":"a","data":{"x":1}},{"event":"b"}]}}"#
        );
    }

    #[test]
    fn status_parses_ignoring_case() {
        assert_eq!(Status::parse("ok"), Some(Status::Ok));
        assert_eq!(Status::parse("ERROR"), Some(Status::Error));
        assert_eq!(Status::parse("fine"), None);
    }
}
