//! `apropos term`: commands whose documentation matches a case-insensitive regex.

use regex::{Regex, RegexBuilder};

use super::types::{Apropos, AproposMatch};
use crate::instruction::{CommandContext, CommandError, CommandSchema};

/// Large enough for any reasonable search term, small enough that a hostile one cannot
/// make the server build a huge automaton.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

pub(super) fn run(cx: &CommandContext, term: &str) -> Result<Apropos, CommandError> {
    let pattern =
        RegexBuilder::new(term).case_insensitive(true).size_limit(REGEX_SIZE_LIMIT).build().map_err(|error| {
            CommandError::invalid_params(format!("parameter 'term' is not a valid regular expression: {error}"))
        })?;
    let commands = cx
        .registry()
        .commands()
        .filter(|command| cx.session().is_permitted(command.schema().requires.as_deref()))
        .filter(|command| documents(command.schema(), &pattern))
        .map(|command| {
            let schema = command.schema();
            AproposMatch {
                cmd: schema.name.to_string(),
                command: schema.name.to_string(),
                aliases: schema.aliases.iter().map(ToString::to_string).collect(),
                description: schema.description.to_string(),
                instruction_set: command.set_name().to_owned(),
            }
        })
        .collect();
    Ok(Apropos { commands })
}

/// Whether anything documented about the command matches.
fn documents(schema: &CommandSchema, pattern: &Regex) -> bool {
    let texts = [&schema.name, &schema.description, &schema.long_description]
        .into_iter()
        .chain(schema.aliases.iter())
        .chain(schema.params.iter().flat_map(|param| [&param.name, &param.description]))
        .chain(schema.returns.iter().flat_map(|field| [&field.name, &field.description]));
    texts.into_iter().any(|text| pattern.is_match(text))
}
