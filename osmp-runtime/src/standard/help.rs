//! `help [cmd]`: lists every command, or describes one in detail.

use super::types::{CommandHelp, CommandList, CommandSummary, Help, NameAndDescription};
use crate::instruction::{CommandContext, CommandError, RegisteredCommand};

pub(super) fn run(cx: &CommandContext, cmd: Option<String>) -> Result<Help, CommandError> {
    let registry = cx.registry();
    // Only what the caller may run is shown: a command it may not run is one it does not
    // need to know of.
    let permitted = |command: &RegisteredCommand<'_>| cx.session().is_permitted(command.schema().requires.as_deref());
    match cmd {
        None => Ok(Help::List(CommandList { commands: registry.commands().filter(permitted).map(summary).collect() })),
        Some(name) => {
            let command =
                registry.resolve(&name).filter(permitted).ok_or_else(|| CommandError::command_not_found(&name))?;
            Ok(Help::Detail(detail(&command)))
        }
    }
}

pub(super) fn summary(command: RegisteredCommand<'_>) -> CommandSummary {
    let schema = command.schema();
    CommandSummary {
        command: schema.name.to_string(),
        aliases: schema.aliases.iter().map(ToString::to_string).collect(),
        instruction_set: command.set_name().to_owned(),
        description: schema.description.to_string(),
    }
}

fn detail(command: &RegisteredCommand<'_>) -> CommandHelp {
    let schema = command.schema();
    let listed = |name: &str, description: &str| NameAndDescription {
        name: name.to_owned(),
        description: description.to_owned(),
    };
    CommandHelp {
        command: schema.name.to_string(),
        aliases: schema.aliases.iter().map(ToString::to_string).collect(),
        version: schema.version,
        instruction_set: command.set_name().to_owned(),
        description: schema.description.to_string(),
        long_description: schema.long_description.to_string(),
        mandatory_params: schema.mandatory_params().map(|p| listed(&p.name, &p.description)).collect(),
        optional_params: schema.optional_params().map(|p| listed(&p.name, &p.description)).collect(),
        return_values: schema.returns.iter().map(|f| listed(&f.name, &f.description)).collect(),
    }
}
