//! `time`: the server's current time.

use crate::instruction::{CommandError, CommandSchema, Outcome};
use crate::wire::Timestamp;

pub(super) const SCHEMA: CommandSchema = command!(
    "time",
    [],
    "Returns the current server time.",
    "The server time might be very different from the client time. The command has no parameters.",
    [],
    [field!("date-time", "The server time, ISO 8601 with offset")],
);

pub(super) async fn run() -> Result<Outcome, CommandError> {
    Outcome::data(&serde_json::json!({ "date-time": Timestamp::now() }))
}
