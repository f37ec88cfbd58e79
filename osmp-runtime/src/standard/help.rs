//! `help [cmd]`: lists every command, or describes one in detail.

use std::borrow::Cow;

use serde::Serialize;

use crate::instruction::{
    CommandContext, CommandError, CommandSchema, FieldSchema, Outcome, ParamSchema, Params,
    RegisteredCommand,
};

pub(super) const SCHEMA: CommandSchema = command!(
    "help",
    ["?"],
    "List available commands or display extended command help.",
    "Without parameters, help will list all available commands.\r\nWith parameter 'cmd' set it will return detailed help on the given command, including parameter description and return values.",
    [param!("cmd", "The command to print extended help about.", false)],
    [
        field!("commands", "List of available commands (returned only if parameter cmd is omitted)"),
        field!("command", "Name of the optionally specified command"),
        field!("aliases", "List of aliases for the command"),
        field!("version", "Command version number"),
        field!("instruction-set", "Instruction set is the name of the domain specific command group"),
        field!("description", "Short description of the command"),
        field!("long-description", "Longer more detailed description of the command"),
        field!("mandatory-params", "List of mandatory parameters (must be specified)"),
        field!("optional-params", "List of optional parameters (can be omitted)"),
        field!("return-values", "List of return values"),
    ],
);

/// One line of the command list.
#[derive(Serialize)]
pub(super) struct Summary<'a> {
    command: &'a str,
    aliases: &'a [Cow<'static, str>],
    #[serde(rename = "instruction-set")]
    instruction_set: &'a str,
    description: &'a str,
}

impl<'a> Summary<'a> {
    pub(super) fn of(command: &RegisteredCommand<'a>) -> Summary<'a> {
        let schema = command.schema();
        Summary {
            command: &schema.name,
            aliases: &schema.aliases,
            instruction_set: command.set_name(),
            description: &schema.description,
        }
    }
}

#[derive(Serialize)]
struct Detail<'a> {
    command: &'a str,
    aliases: &'a [Cow<'static, str>],
    version: u32,
    #[serde(rename = "instruction-set")]
    instruction_set: &'a str,
    description: &'a str,
    #[serde(rename = "long-description")]
    long_description: &'a str,
    #[serde(rename = "mandatory-params")]
    mandatory_params: Vec<NameAndDescription<'a>>,
    #[serde(rename = "optional-params")]
    optional_params: Vec<NameAndDescription<'a>>,
    #[serde(rename = "return-values")]
    return_values: Vec<NameAndDescription<'a>>,
}

#[derive(Serialize)]
struct NameAndDescription<'a> {
    name: &'a str,
    description: &'a str,
}

impl<'a> From<&'a ParamSchema> for NameAndDescription<'a> {
    fn from(param: &'a ParamSchema) -> Self {
        NameAndDescription {
            name: &param.name,
            description: &param.description,
        }
    }
}

impl<'a> From<&'a FieldSchema> for NameAndDescription<'a> {
    fn from(field: &'a FieldSchema) -> Self {
        NameAndDescription {
            name: &field.name,
            description: &field.description,
        }
    }
}

pub(super) async fn run(mut params: Params, cx: CommandContext) -> Result<Outcome, CommandError> {
    let registry = cx.registry();
    match params.optional::<String>("cmd")? {
        None => {
            let commands: Vec<Summary<'_>> = registry
                .commands()
                .map(|command| Summary::of(&command))
                .collect();
            Outcome::data(&serde_json::json!({ "commands": commands }))
        }
        Some(name) => {
            let command = registry
                .resolve(&name)
                .ok_or_else(|| CommandError::command_not_found(&name))?;
            let schema = command.schema();
            Outcome::data(&Detail {
                command: &schema.name,
                aliases: &schema.aliases,
                version: schema.version,
                instruction_set: command.set_name(),
                description: &schema.description,
                long_description: &schema.long_description,
                mandatory_params: schema
                    .mandatory_params()
                    .map(NameAndDescription::from)
                    .collect(),
                optional_params: schema
                    .optional_params()
                    .map(NameAndDescription::from)
                    .collect(),
                return_values: schema
                    .returns
                    .iter()
                    .map(NameAndDescription::from)
                    .collect(),
            })
        }
    }
}
