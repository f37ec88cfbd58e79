//! Instruction sets: how commands are described, resolved, given their parameters and run.
//!
//! The `#[instruction_set]` macro generates implementations of [`InstructionSet`] with a
//! static [`InstructionSetSchema`]; the [`Registry`] resolves names across sets; each
//! running command gets a [`CommandContext`] and answers with an [`Outcome`] or a
//! [`CommandError`].

mod context;
mod error;
mod export;
mod outcome;
mod params;
mod registry;
mod result_shape;
mod schema;
mod set;
mod tailored;
pub(crate) mod type_schema;

#[cfg(test)]
mod macro_tests;

pub(crate) use context::CommandServices;
pub use context::{CommandContext, StreamError};
pub use error::{CommandError, ErrorKind};
pub(crate) use export::export_sets;
pub use export::{export_schema, ExportedSet};
pub use outcome::{IntoOutcome, Outcome};
pub use params::Params;
pub use registry::{RegisteredCommand, RegisteredEvent, Registry};
pub use result_shape::{check_result_shapes, ResultShapeError};
pub use schema::{CommandSchema, EventSchema, FieldSchema, InstructionSetSchema, JsonSchemaFn, ParamSchema};
pub use set::{CommandFuture, InstructionSet};
pub(crate) use tailored::Tailored;
