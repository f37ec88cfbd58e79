//! `event-unsubscribe event`: ends one subscription or all (`*`).

use crate::instruction::{CommandContext, CommandError, CommandSchema, Outcome, Params};

pub(super) const SCHEMA: CommandSchema = command!(
    "event-unsubscribe",
    [],
    "Unsubscribe a given event or all events.",
    "Ends the subscription of the given event, or of all events with '*'. To retrieve all event subscriptions use the event-list command.",
    [param!("event", "The event to unsubscribe (* for all events)", true)],
    [],
);

pub(super) async fn run(mut params: Params, cx: CommandContext) -> Result<Outcome, CommandError> {
    let event: String = params.required("event")?;
    let session = cx.session();
    let count = if event.trim() == "*" {
        session
            .subscriptions()
            .iter()
            .filter(|subscription| session.unsubscribe(&subscription.event))
            .count()
    } else {
        let registered = cx
            .registry()
            .event(&event)
            .ok_or_else(|| CommandError::not_found(format!("Error: event '{event}' not found")))?;
        usize::from(session.unsubscribe(&registered.schema().name))
    };
    Ok(Outcome::text(format!("Unsubscribed {count} events.")))
}
