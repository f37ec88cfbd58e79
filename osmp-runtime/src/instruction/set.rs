//! The trait every instruction set implements: the seam between the session engine and
//! the handlers, written for generated code first.

use std::future::Future;
use std::pin::Pin;

use super::{CommandContext, CommandError, ExportedSet, InstructionSetSchema, Outcome, Params};
use crate::session::Session;

/// The future of one running command.
pub type CommandFuture = Pin<Box<dyn Future<Output = Result<Outcome, CommandError>> + Send + 'static>>;

/// A named group of commands and events that a server offers.
///
/// The `#[instruction_set]` macro implements this for you; implement it by hand only for
/// sets whose commands are not known at compile time. `call` receives the index of the
/// command in `schema().commands`, already resolved from its name or alias, and returns a
/// `'static` future: implementations hold their state in an `Arc` and clone it into the
/// future.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use std::borrow::Cow;
/// use osmp::instruction::*;
///
/// struct Ping;
///
/// static SCHEMA: InstructionSetSchema = InstructionSetSchema {
///     name: Cow::Borrowed("ping"),
///     description: Cow::Borrowed("Liveness checks."),
///     long_description: Cow::Borrowed(""),
///     commands: Cow::Borrowed(&[CommandSchema {
///         name: Cow::Borrowed("ping"),
///         aliases: Cow::Borrowed(&[]),
///         version: 0,
///         description: Cow::Borrowed("Answers pong."),
///         long_description: Cow::Borrowed(""),
///         params: Cow::Borrowed(&[]),
///         returns: Cow::Borrowed(&[]),
///         params_schema: None,
///         result_schema: None,
///         stream_schema: None,
///         requires: None,
///     }]),
///     events: Cow::Borrowed(&[]),
/// };
///
/// impl InstructionSet for Ping {
///     fn schema(&self) -> &InstructionSetSchema {
///         &SCHEMA
///     }
///     fn call(&self, _command: usize, _params: Params, _cx: CommandContext) -> CommandFuture {
///         Box::pin(async { Ok(Outcome::text("pong")) })
///     }
/// }
///
/// let registry = Registry::new([std::sync::Arc::new(Ping) as _]);
/// assert!(registry.resolve("ping").is_some());
/// ```
pub trait InstructionSet: Send + Sync + 'static {
    /// The set's commands and events.
    fn schema(&self) -> &InstructionSetSchema;

    /// Starts the command at `command` (an index into `schema().commands`).
    fn call(&self, command: usize, params: Params, cx: CommandContext) -> CommandFuture;

    /// The set's description as a document exported elsewhere, for a set not described at
    /// compile time (one that another node of a cluster serves): one element of the
    /// `instruction-sets` of the `schema` document, with the `$defs` its references point
    /// to. The document of the registry then shows it as it is. `None` (the default): the
    /// document is built from [`schema`](Self::schema).
    fn exported_schema(&self) -> Option<&ExportedSet> {
        None
    }

    /// Called after a session subscribed to one of this set's events, so the set can send
    /// the current state (the specification's "full snapshot on subscribe") with
    /// [`Session::emit`].
    fn on_subscribe(&self, event: &str, session: &Session) {
        let _ = (event, session);
    }
}
