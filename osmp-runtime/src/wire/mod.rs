//! The wire format: messages, payloads, date-times and time spans exactly as OSMP v1 writes them.

mod decode;
mod message;
mod payload;
mod stream_item;
mod time;

pub use decode::DecodeError;
pub use message::{
    Cancel, CancelTarget, Command, Event, EventBody, EventItem, Message, MessageKind, Nr, Response, Status,
    StreamMessage,
};
pub use payload::Payload;
pub use stream_item::StreamItem;
pub use time::{format_timespan, parse_timeout, InvalidTimeout, InvalidTimestamp, Timeout, Timestamp};
