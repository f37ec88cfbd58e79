//! An instruction set with some of its commands withheld or their permission changed: how a
//! server offers the standard set's file commands only when it has a root folder, and
//! requires a permission for them only when it has accounts.

use std::borrow::Cow;
use std::sync::Arc;

use super::{CommandContext, CommandError, CommandFuture, CommandSchema, InstructionSet, InstructionSetSchema, Params};
use crate::session::Session;

/// A set that offers a subset of another set's commands, with permissions of its choosing.
pub(crate) struct Tailored {
    inner: Arc<dyn InstructionSet>,
    schema: InstructionSetSchema,
    /// For each offered command, its index in the inner set.
    inner_index: Vec<usize>,
}

impl Tailored {
    /// Offers every command of `inner` as it is.
    pub(crate) fn new(inner: Arc<dyn InstructionSet>) -> Tailored {
        let schema = inner.schema().clone();
        let inner_index = (0..schema.commands.len()).collect();
        Tailored { inner, schema, inner_index }
    }

    /// Withholds the commands with these names: they are not registered at all.
    pub(crate) fn without(mut self, names: &[&str]) -> Tailored {
        let (commands, inner_index): (Vec<CommandSchema>, Vec<usize>) = self
            .schema
            .commands
            .iter()
            .cloned()
            .zip(self.inner_index)
            .filter(|(command, _)| !names.contains(&command.name.as_ref()))
            .unzip();
        self.schema.commands = Cow::Owned(commands);
        self.inner_index = inner_index;
        self
    }

    /// Lets every session run the commands with these names, whatever they declare to
    /// require.
    pub(crate) fn open_to_all(mut self, names: &[&str]) -> Tailored {
        for command in self.schema.commands.to_mut().iter_mut() {
            if names.contains(&command.name.as_ref()) {
                command.requires = None;
            }
        }
        self
    }
}

impl InstructionSet for Tailored {
    fn schema(&self) -> &InstructionSetSchema {
        &self.schema
    }

    fn call(&self, command: usize, params: Params, cx: CommandContext) -> CommandFuture {
        match self.inner_index.get(command) {
            Some(&inner) => self.inner.call(inner, params, cx),
            None => Box::pin(std::future::ready(Err(CommandError::internal(format!(
                "the instruction set '{}' has no command number {command}",
                self.schema.name
            ))))),
        }
    }

    fn on_subscribe(&self, event: &str, session: &Session) {
        self.inner.on_subscribe(event, session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventBus;
    use crate::instruction::{Outcome, Registry};
    use crate::session::{SessionSetup, SessionShared};
    use tokio_util::sync::CancellationToken;

    /// Three commands; each answers its own index.
    struct Numbered(InstructionSetSchema);

    impl InstructionSet for Numbered {
        fn schema(&self) -> &InstructionSetSchema {
            &self.0
        }
        fn call(&self, command: usize, _params: Params, _cx: CommandContext) -> CommandFuture {
            Box::pin(std::future::ready(Ok(Outcome::text(command.to_string()))))
        }
    }

    fn command(name: &'static str) -> CommandSchema {
        CommandSchema {
            name: Cow::Borrowed(name),
            aliases: Cow::Borrowed(&[]),
            version: 0,
            description: Cow::Borrowed(""),
            long_description: Cow::Borrowed(""),
            params: Cow::Borrowed(&[]),
            returns: Cow::Borrowed(&[]),
            params_schema: None,
            result_schema: None,
            stream_schema: None,
            requires: Some(Cow::Borrowed("secret")),
        }
    }

    fn numbered() -> Arc<dyn InstructionSet> {
        Arc::new(Numbered(InstructionSetSchema {
            name: Cow::Borrowed("numbered"),
            description: Cow::Borrowed(""),
            long_description: Cow::Borrowed(""),
            commands: Cow::Owned(vec![command("zero"), command("one"), command("two")]),
            events: Cow::Borrowed(&[]),
        }))
    }

    #[test]
    fn withheld_commands_are_not_registered_and_the_rest_keep_their_order() {
        let tailored = Tailored::new(numbered()).without(&["one"]).open_to_all(&["two"]);
        let names: Vec<&str> = tailored.schema().commands.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(names, ["zero", "two"]);
        assert_eq!(tailored.schema().commands[0].requires.as_deref(), Some("secret"));
        assert_eq!(tailored.schema().commands[1].requires, None);
        let registry = Registry::new([Arc::new(tailored) as Arc<dyn InstructionSet>]);
        assert!(registry.resolve("one").is_none());
        let two = registry.resolve("two").unwrap();
        assert_eq!(two.index(), 1, "the tailored set's own index");
    }

    #[tokio::test]
    async fn calls_reach_the_inner_command() {
        let tailored = Tailored::new(numbered()).without(&["zero", "one"]);
        let registry = Arc::new(Registry::new([]));
        let shared = SessionShared::new(SessionSetup::new(None, Arc::default(), Arc::default()));
        let cx = CommandContext::new(
            Session(shared),
            1,
            "two".into(),
            CancellationToken::new(),
            registry,
            EventBus::new(std::iter::empty::<&str>()),
        );
        let outcome = tailored.call(0, Params::default(), cx.clone()).await.unwrap();
        assert_eq!(outcome.result(), Some("2"));
        assert!(tailored.call(1, Params::default(), cx).await.is_err());
    }
}
