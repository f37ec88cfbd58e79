//! `active-cmds`: the session's running commands, other than this one.

use serde::Serialize;

use crate::instruction::{CommandContext, CommandError, CommandSchema, Outcome};
use crate::wire::{Nr, Timestamp};

pub(super) const SCHEMA: CommandSchema = command!(
    "active-cmds",
    [],
    "Returns list of active commands (excluding own).",
    "Returns the long-running commands of this session which are currently active, with their cmd-nr for cancellation.",
    [],
    [field!("now", "The current server time"), field!("cmds", "The active commands with name, cmd-nr and start-time")],
);

#[derive(Serialize)]
struct Entry {
    name: String,
    #[serde(rename = "cmd-nr")]
    cmd_nr: Nr,
    #[serde(rename = "start-time")]
    start_time: Timestamp,
}

pub(super) async fn run(cx: CommandContext) -> Result<Outcome, CommandError> {
    let cmds: Vec<Entry> = cx
        .session()
        .active_commands()
        .into_iter()
        .filter(|command| command.nr != cx.nr())
        .map(|command| Entry {
            name: command.name,
            cmd_nr: command.nr,
            start_time: command.started,
        })
        .collect();
    Outcome::data(&serde_json::json!({ "now": Timestamp::now(), "cmds": cmds }))
}
