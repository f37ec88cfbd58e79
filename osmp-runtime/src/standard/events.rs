//! `event-list`, `event-subscribe` and `event-unsubscribe`: the session's subscriptions.

use std::time::Duration;

use serde_json::Value;

use super::types::{EventInfo, EventList};
use crate::instruction::{CommandContext, CommandError, Outcome, RegisteredEvent};
use crate::wire::{parse_timeout, Timeout, Timestamp};

/// The reference's default subscription length.
const TEN_YEARS: Duration = Duration::from_secs(10 * 365 * 24 * 3600 + 2 * 24 * 3600);

pub(super) fn list(cx: &CommandContext) -> EventList {
    let events = cx
        .registry()
        .events()
        .filter(|event| cx.session().is_permitted(event.schema().requires.as_deref()))
        .map(|event| {
            let schema = event.schema();
            EventInfo {
                event_name: schema.name.to_string(),
                instruction_set: event.set_name().to_owned(),
                description: schema.description.to_string(),
                subscribed_until: cx.session().subscribed_until(&schema.name),
            }
        })
        .collect();
    EventList { now: Timestamp::now(), events }
}

pub(super) fn subscribe(cx: &CommandContext, event: &str, timeout: Option<Value>) -> Result<Outcome, CommandError> {
    let timeout = match timeout {
        Some(value) => parse_timeout(&value)
            .map_err(|error| CommandError::invalid_params(format!("parameter 'timeout': {error}")))?,
        None => Timeout::After(TEN_YEARS),
    };
    let until = timeout.deadline(Timestamp::now());
    let events = named(cx, event)?;
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
    Ok(Outcome::text(format!("Subscribed {} events.", events.len())))
}

pub(super) fn unsubscribe(cx: &CommandContext, event: &str) -> Result<Outcome, CommandError> {
    let session = cx.session();
    let count = if event.trim() == "*" {
        let subscribed = session.subscriptions();
        subscribed.iter().filter(|subscription| session.unsubscribe(&subscription.event)).count()
    } else {
        named(cx, event)?.iter().filter(|event| session.unsubscribe(&event.schema().name)).count()
    };
    Ok(Outcome::text(format!("Unsubscribed {count} events.")))
}

/// The events a name stands for: all the session may receive for `*`, else the one of
/// that name (which it must be permitted to receive).
fn named<'a>(cx: &'a CommandContext, event: &str) -> Result<Vec<RegisteredEvent<'a>>, CommandError> {
    let registry = cx.registry();
    let permitted = |event: &RegisteredEvent<'_>| cx.session().is_permitted(event.schema().requires.as_deref());
    if event.trim() == "*" {
        return Ok(registry.events().filter(permitted).collect());
    }
    let found =
        registry.event(event).ok_or_else(|| CommandError::not_found(format!("Error: event '{event}' not found")))?;
    if !permitted(&found) {
        return Err(CommandError::permission_denied());
    }
    Ok(vec![found])
}
