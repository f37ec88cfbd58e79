//! `apropos term`: commands whose documentation matches a case-insensitive regex.

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};
use serde::Serialize;

use crate::instruction::{CommandContext, CommandError, CommandSchema, Outcome, Params};

pub(super) const SCHEMA: CommandSchema = command!(
    "apropos",
    ["ap"],
    "Full text search in all available commands for given keyword.",
    "Searches the names, aliases, descriptions, parameters and return values of every command for the term, a regular expression matched ignoring case.",
    [param!("term", "The search filter (regex ignoring case)", true)],
    [field!("commands", "The matching commands with cmd, aliases, description and instruction-set")],
);

/// One match; the specification names the command `cmd` here, `help` names it `command`:
/// both are sent so that either reading works.
#[derive(Serialize)]
struct Match<'a> {
    cmd: &'a str,
    command: &'a str,
    aliases: &'a [Cow<'static, str>],
    description: &'a str,
    #[serde(rename = "instruction-set")]
    instruction_set: &'a str,
}

pub(super) async fn run(mut params: Params, cx: CommandContext) -> Result<Outcome, CommandError> {
    let term: String = params.required("term")?;
    let pattern = RegexBuilder::new(&term)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|error| {
            CommandError::invalid_params(format!(
                "parameter 'term' is not a valid regular expression: {error}"
            ))
        })?;
    let commands: Vec<Match<'_>> = cx
        .registry()
        .commands()
        .filter(|command| documents(command.schema(), &pattern))
        .map(|command| {
            let schema = command.schema();
            Match {
                cmd: &schema.name,
                command: &schema.name,
                aliases: &schema.aliases,
                description: &schema.description,
                instruction_set: command.set_name(),
            }
        })
        .collect();
    Outcome::data(&serde_json::json!({ "commands": commands }))
}

/// Whether anything documented about the command matches.
fn documents(schema: &CommandSchema, pattern: &Regex) -> bool {
    let texts = [&schema.name, &schema.description, &schema.long_description]
        .into_iter()
        .chain(schema.aliases.iter())
        .chain(
            schema
                .params
                .iter()
                .flat_map(|param| [&param.name, &param.description]),
        )
        .chain(
            schema
                .returns
                .iter()
                .flat_map(|field| [&field.name, &field.description]),
        );
    texts.into_iter().any(|text| pattern.is_match(text))
}
