//! `event-list`: every event that can be subscribed, with the session's subscription status.

use std::borrow::Cow;

use serde::Serialize;

use crate::instruction::{CommandContext, CommandError, CommandSchema, Outcome};
use crate::wire::Timestamp;

pub(super) const SCHEMA: CommandSchema = command!(
    "event-list",
    [],
    "List all events including subscription status.",
    "Returns a list of all events which can be subscribed by the client in order to receive them, as well as their subscription status.",
    [],
    [
        field!("now", "The current server time"),
        field!("events", "The events with event-name, instruction-set, description and subscribed-until (null if not subscribed)"),
    ],
);

#[derive(Serialize)]
struct EventEntry<'a> {
    #[serde(rename = "event-name")]
    event_name: &'a str,
    #[serde(rename = "instruction-set")]
    instruction_set: &'a str,
    description: &'a Cow<'static, str>,
    #[serde(rename = "subscribed-until")]
    subscribed_until: Option<Timestamp>,
}

pub(super) async fn run(cx: CommandContext) -> Result<Outcome, CommandError> {
    let events: Vec<EventEntry<'_>> = cx
        .registry()
        .events()
        .map(|event| {
            let schema = event.schema();
            EventEntry {
                event_name: &schema.name,
                instruction_set: event.set_name(),
                description: &schema.description,
                subscribed_until: cx.session().subscribed_until(&schema.name),
            }
        })
        .collect();
    Outcome::data(&serde_json::json!({ "now": Timestamp::now(), "events": events }))
}
