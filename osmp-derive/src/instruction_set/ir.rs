//! The typed description of an instruction set, built by `parse` and read by every
//! renderer. Renderers never look at the syntax tree again: whatever they need is here,
//! already validated (the typed client is one renderer among the others over the same data).

// A few values per macro call: boxing variants would only add noise.
#![allow(clippy::large_enum_variant)]

use syn::{Attribute, Ident, Type};

use crate::internals::docs::Docs;
use crate::internals::header::TraitHeader;
use crate::internals::ir::{FlattenDef, Name, OutputDef, ParamDef};

/// The annotated trait.
pub struct SetDef {
    /// The trait as a whole: crate path, identifier, the set's name (`vd1`), docs, client flag.
    pub header: TraitHeader,
    pub commands: Vec<CommandDef>,
    pub events: Vec<EventDef>,
}

/// One `async fn` of the trait.
pub struct CommandDef {
    /// The method's identifier (`vcall_create`).
    pub ident: Ident,
    /// The method's attributes other than `#[command]`, doc comments included.
    pub attrs: Vec<Attribute>,
    pub name: Name,
    pub aliases: Vec<Name>,
    pub version: u32,
    pub requires: Option<String>,
    /// The type of the stream messages the command sends, if declared.
    pub stream: Option<Type>,
    pub docs: Docs,
    /// The arguments after `&self`, in declaration order.
    pub args: Vec<ArgDef>,
    pub output: OutputDef<OutputKind>,
}

/// An argument of a command.
pub enum ArgDef {
    /// The `CommandContext`, passed through.
    Context { ident: Ident, ty: Type },
    /// One parameter, taken out of the command's `data` by name.
    Param(ParamDef),
    /// A parameter struct: the whole `data` decoded at once.
    Flatten(FlattenDef),
}

/// How the success value becomes an `Outcome`, and what a typed client gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `()`: an empty `OK`; the client gets `()`.
    Unit,
    /// `Outcome`: text and data of the command's choosing; the client gets the response.
    Outcome,
    /// Any other type: serialized as the response data, decoded by the client.
    Data,
}

/// One `#[event] fn` of the trait.
pub struct EventDef {
    pub ident: Ident,
    /// Doc comments and other attributes, copied onto the emitter method.
    pub attrs: Vec<Attribute>,
    pub name: Name,
    pub requires: Option<String>,
    pub docs: Docs,
    pub data: EventData,
}

/// The data of an event.
pub enum EventData {
    /// The arguments are the fields of the data object.
    Fields(Vec<ParamDef>),
    /// One `#[flatten]` argument whose type is the whole data.
    Flatten(FlattenDef),
}
