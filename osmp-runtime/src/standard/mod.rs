//! The standard instruction set every OSMP server offers: help, apropos, echo, time, wait,
//! event-list, event-subscribe, event-unsubscribe and active-cmds.
//!
//! Each command lives in its own module with its description and its handler, the way a
//! domain set is organised. Response shapes follow the specification's examples.

use std::borrow::Cow;

use crate::instruction::{
    CommandContext, CommandError, CommandFuture, InstructionSet, InstructionSetSchema, Params,
};

/// The standard instruction set. Servers register it first, so domain sets can override
/// its commands by version.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardSet;

impl StandardSet {
    /// The set.
    pub fn new() -> StandardSet {
        StandardSet
    }
}

static SCHEMA: InstructionSetSchema = InstructionSetSchema {
    name: Cow::Borrowed("standard"),
    description: Cow::Borrowed(
        "Help, diagnostics, events and active commands: what every OSMP server offers.",
    ),
    commands: Cow::Borrowed(&[
        help::SCHEMA,
        apropos::SCHEMA,
        echo::SCHEMA,
        time::SCHEMA,
        wait::SCHEMA,
        event_list::SCHEMA,
        event_subscribe::SCHEMA,
        event_unsubscribe::SCHEMA,
        active_cmds::SCHEMA,
    ]),
    events: Cow::Borrowed(&[]),
};

impl InstructionSet for StandardSet {
    fn schema(&self) -> &InstructionSetSchema {
        &SCHEMA
    }

    fn call(&self, command: usize, params: Params, cx: CommandContext) -> CommandFuture {
        match command {
            0 => Box::pin(help::run(params, cx)),
            1 => Box::pin(apropos::run(params, cx)),
            2 => Box::pin(echo::run(params)),
            3 => Box::pin(time::run()),
            4 => Box::pin(wait::run(params, cx)),
            5 => Box::pin(event_list::run(cx)),
            6 => Box::pin(event_subscribe::run(params, cx)),
            7 => Box::pin(event_unsubscribe::run(params, cx)),
            8 => Box::pin(active_cmds::run(cx)),
            other => Box::pin(std::future::ready(Err(CommandError::internal(format!(
                "standard set has no command #{other}"
            ))))),
        }
    }
}

// The descriptions below are `static` data. These macros expand to struct literals (not
// `const fn` calls) because only literals get their borrowed arrays extended to `'static`.

/// A documented field.
macro_rules! field {
    ($name:literal, $description:literal) => {
        $crate::instruction::FieldSchema {
            name: ::std::borrow::Cow::Borrowed($name),
            description: ::std::borrow::Cow::Borrowed($description),
        }
    };
}

/// A parameter: `param!("name", "description", required)`.
macro_rules! param {
    ($name:literal, $description:literal, $required:literal) => {
        $crate::instruction::ParamSchema {
            name: ::std::borrow::Cow::Borrowed($name),
            description: ::std::borrow::Cow::Borrowed($description),
            required: $required,
            schema: None,
        }
    };
}

/// A standard command (version 0, no permission required).
macro_rules! command {
    ($name:literal, [$($alias:literal),*], $description:literal, $long:literal, [$($param:expr),* $(,)?], [$($field:expr),* $(,)?] $(,)?) => {
        $crate::instruction::CommandSchema {
            name: ::std::borrow::Cow::Borrowed($name),
            aliases: ::std::borrow::Cow::Borrowed(&[$(::std::borrow::Cow::Borrowed($alias)),*]),
            version: 0,
            description: ::std::borrow::Cow::Borrowed($description),
            long_description: ::std::borrow::Cow::Borrowed($long),
            params: ::std::borrow::Cow::Borrowed(&[$($param),*]),
            returns: ::std::borrow::Cow::Borrowed(&[$($field),*]),
            params_schema: None,
            result_schema: None,
            stream_schema: None,
            requires: None,
        }
    };
}

mod active_cmds;
mod apropos;
mod echo;
mod event_list;
mod event_subscribe;
mod event_unsubscribe;
mod help;
mod time;
mod wait;
