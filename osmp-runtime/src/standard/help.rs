//! `help [cmd]`: lists every command, or describes one in detail.

use super::types::{CommandHelp, CommandList, CommandSummary, Help, NameAndDescription, SetHelp};
use crate::instruction::{CommandContext, CommandError, RegisteredCommand};

pub(super) fn run(cx: &CommandContext, cmd: Option<String>) -> Result<Help, CommandError> {
    let registry = cx.registry();
    // Only what the caller may run is shown: a command it may not run is one it does not
    // need to know of.
    let permitted = |command: &RegisteredCommand<'_>| cx.session().is_permitted(command.schema().requires.as_deref());
    match cmd {
        None => Ok(Help::List(CommandList { commands: registry.commands().filter(permitted).map(summary).collect() })),
        Some(name) => match registry.resolve(&name).filter(permitted) {
            Some(command) => Ok(Help::Detail(detail(&command))),
            // Not a command: the name of an instruction set describes the set.
            None => {
                let set = registry.sets().iter().map(|set| set.schema()).find(|set| set.name == name);
                let set = set.ok_or_else(|| CommandError::command_not_found(&name))?;
                let commands = registry.commands().filter(|c| c.set_name() == set.name).filter(permitted);
                Ok(Help::Set(SetHelp {
                    instruction_set: set.name.to_string(),
                    description: set.description.to_string(),
                    long_description: set.long_description.to_string(),
                    commands: commands.map(summary).collect(),
                }))
            }
        },
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
