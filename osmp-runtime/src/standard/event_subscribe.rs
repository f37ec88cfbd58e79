//! `event-subscribe event [timeout]`: subscribes one event or all (`*`).

use std::time::Duration;

use serde_json::Value;

use crate::instruction::{CommandContext, CommandError, CommandSchema, Outcome, Params};
use crate::wire::{parse_timeout, Timeout, Timestamp};

pub(super) const SCHEMA: CommandSchema = command!(
    "event-subscribe",
    [],
    "Subscribe a given event or all events.",
    "Subscribes the client to server-to-client events, a necessary precondition for receiving them. A subscription lasts until its timeout (ten years by default) or the end of the session. Some events send the current state right after subscribing.",
    [
        param!("event", "The event to subscribe (* for all events)", true),
        param!("timeout", "The optional subscription time span: seconds, [d.]hh:mm:ss, ISO 8601 duration, or an end date-time", false),
    ],
    [],
);

/// The reference's default subscription length.
const TEN_YEARS: Duration = Duration::from_secs(10 * 365 * 24 * 3600 + 2 * 24 * 3600);

pub(super) async fn run(mut params: Params, cx: CommandContext) -> Result<Outcome, CommandError> {
    let event: String = params.required("event")?;
    let timeout = match params.optional::<Value>("timeout")? {
        Some(value) => parse_timeout(&value).map_err(|error| {
            CommandError::invalid_params(format!("parameter 'timeout': {error}"))
        })?,
        None => Timeout::After(TEN_YEARS),
    };
    let until = timeout.deadline(Timestamp::now());
    let registry = cx.registry();
    let events: Vec<_> = if event.trim() == "*" {
        registry.events().collect()
    } else {
        vec![registry
            .event(&event)
            .ok_or_else(|| CommandError::not_found(format!("Error: event '{event}' not found")))?]
    };

    let session = cx.session();
    for event in &events {
        if !session.subscribe(&event.schema().name, until) {
            return Err(CommandError::limit_exceeded(format!(
                "Too many subscriptions: event '{}' was not subscribed",
                event.schema().name
            )));
        }
    }
    for event in &events {
        event.set().on_subscribe(&event.schema().name, session);
    }
    Ok(Outcome::text(format!(
        "Subscribed {} events.",
        events.len()
    )))
}
