//! An instruction set another node serves, offered here: its description read from the
//! node's announcement, its commands forwarded (see `calls`).

use std::borrow::Cow;
use std::sync::{Arc, Weak};

use osmp_runtime::instruction::{
    CommandContext, CommandError, CommandFuture, CommandSchema, EventSchema, ExportedSet, FieldSchema, InstructionSet,
    InstructionSetSchema, ParamSchema, Params,
};
use serde_json::Value;

use crate::node::Node;

/// A set served elsewhere.
pub(crate) struct RemoteSet {
    schema: InstructionSetSchema,
    exported: ExportedSet,
    node: Weak<Node>,
}

impl RemoteSet {
    pub(crate) fn new(exported: ExportedSet, node: &Arc<Node>) -> RemoteSet {
        RemoteSet { schema: schema_of(&exported.set), exported, node: Arc::downgrade(node) }
    }
}

impl InstructionSet for RemoteSet {
    fn schema(&self) -> &InstructionSetSchema {
        &self.schema
    }

    fn call(&self, command: usize, params: Params, cx: CommandContext) -> CommandFuture {
        let Some(node) = self.node.upgrade() else {
            return Box::pin(std::future::ready(Err(CommandError::internal("the cluster has been left"))));
        };
        let set = self.schema.name.to_string();
        let name = self.schema.commands.get(command).map(|command| command.name.to_string()).unwrap_or_default();
        let data = params.payload().cloned();
        Box::pin(async move { node.forward(&set, name, data, cx).await })
    }

    fn exported_schema(&self) -> Option<&ExportedSet> {
        Some(&self.exported)
    }
}

/// The description of a set as the schema document exports it, read back.
fn schema_of(set: &Value) -> InstructionSetSchema {
    InstructionSetSchema {
        name: text(set, "name"),
        description: text(set, "description"),
        long_description: text(set, "long-description"),
        commands: items(set, "commands").map(command_of).collect(),
        events: items(set, "events").map(event_of).collect(),
    }
}

fn command_of(command: &Value) -> CommandSchema {
    let params = |key: &str, required: bool| {
        items(command, key).map(move |param| ParamSchema {
            name: text(param, "name"),
            description: text(param, "description"),
            required,
            schema: None,
        })
    };
    CommandSchema {
        name: text(command, "command"),
        aliases: items(command, "aliases")
            .filter_map(Value::as_str)
            .map(|alias| Cow::Owned(alias.to_owned()))
            .collect(),
        version: command["version"].as_u64().and_then(|version| u32::try_from(version).ok()).unwrap_or(0),
        description: text(command, "description"),
        long_description: text(command, "long-description"),
        params: params("mandatory-params", true).chain(params("optional-params", false)).collect(),
        returns: items(command, "return-values").map(field_of).collect(),
        params_schema: None,
        result_schema: None,
        stream_schema: None,
        requires: command["requires"].as_str().map(|requires| Cow::Owned(requires.to_owned())),
    }
}

fn event_of(event: &Value) -> EventSchema {
    EventSchema {
        name: text(event, "event"),
        description: text(event, "description"),
        long_description: text(event, "long-description"),
        fields: items(event, "fields").map(field_of).collect(),
        schema: None,
        requires: event["requires"].as_str().map(|requires| Cow::Owned(requires.to_owned())),
    }
}

fn field_of(field: &Value) -> FieldSchema {
    FieldSchema { name: text(field, "name"), description: text(field, "description") }
}

fn text(value: &Value, key: &str) -> Cow<'static, str> {
    Cow::Owned(value[key].as_str().unwrap_or_default().to_owned())
}

fn items<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value[key].as_array().into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use osmp_runtime::instruction::export_schema;
    use osmp_runtime::standard::standard_schema;

    #[test]
    fn a_description_reads_back_as_it_was_exported() {
        let original = standard_schema();
        let exported = ExportedSet::from_document(&export_schema([original]));
        let schema = schema_of(&exported[0].set);
        assert_eq!(schema.name, original.name);
        assert_eq!(schema.commands.len(), original.commands.len());
        let (help, read) = (&original.commands[0], &schema.commands[0]);
        assert_eq!((read.name.as_ref(), read.aliases.len()), (help.name.as_ref(), help.aliases.len()));
        assert_eq!(read.long_description, help.long_description);
        let names =
            |params: &[ParamSchema]| params.iter().map(|p| (p.name.to_string(), p.required)).collect::<Vec<_>>();
        for (read, original) in schema.commands.iter().zip(original.commands.iter()) {
            assert_eq!(names(&read.params), names(&original.params), "{}", original.name);
            assert_eq!(read.requires, original.requires);
        }
    }
}
