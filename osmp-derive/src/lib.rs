//! Procedural macros of OSMP and OMCP.
//!
//! `#[instruction_set]` turns an annotated trait into everything a server needs to offer it
//! as an OSMP instruction set:
//!
//! - the trait itself, with `async fn` commands turned into methods returning
//!   `impl Future + Send`, so implementations write plain `async fn`;
//! - `XServer<T>`, the `InstructionSet` that decodes parameters and dispatches to `T: X`;
//! - `x_schema()`, the set's schema (names, aliases, versions, descriptions from doc
//!   comments, parameters, return values, events);
//! - `XEvents`, a typed emitter with one method per `#[event]`;
//! - `XClient`, a typed client with one method per command and event (unless
//!   `client = false`).
//!
//! `#[module]` turns a trait of routes into an OMCP module (the trait, `XServer<T>`,
//! `XClient`, `x_schema()`).
//!
//! The macros are documented where users find them: re-exported by the runtime, `omcp` and
//! the `osmp` facade. Internally the crate follows serde_derive's split. `internals/` is the
//! layer both macros share: attribute arguments (`attr`, `param`), the error collector
//! (`errors`), doc comments (`docs`), the trait header (`header`), the IR pieces and
//! parsing rules both read (`ir`, `shape`, `types`), and what both render (`item`,
//! `trait_def`, `server`, `client`, `tokens`). On top of it, `instruction_set/` and
//! `module/` are siblings, each going the same way: `parse` turns the syntax tree into the
//! typed description of its `ir` (collecting every error), `check` applies the rules across
//! items, and `render` generates code from the description alone.

mod instruction_set;
mod internals;
mod module;

use proc_macro::TokenStream;

// The page users read (re-exported by the runtime and the `osmp` facade, whose doctests
// compile its examples: this crate cannot use its own macro).
#[doc = include_str!("../doc/instruction_set.md")]
#[proc_macro_attribute]
pub fn instruction_set(args: TokenStream, item: TokenStream) -> TokenStream {
    instruction_set::expand(args.into(), item.into()).into()
}

/// Turns a trait of routes into an OMCP module.
///
/// Arguments: `name = "…"` (the module's name, default: the trait's name in kebab case),
/// `crate = "…"` (path of the `omcp` crate in generated code, default `::osmp::omcp`),
/// `client = false` (no typed client).
///
/// Inside the trait, each `async fn` taking `&self` is a route marked `#[get("/path")]`,
/// `#[post(…)]`, `#[put(…)]`, `#[delete(…)]` or `#[notify(…)]`; an argument named after a
/// `{param}` of the path is that parameter (`#[param(name, doc)]` renames and documents
/// it), another one the body, one of type `Request` the request. The trait, a server
/// `XServer<T>`, a typed client `XClient` and `x_schema()` are generated; every route has a
/// default implementation answering `501 NOT IMPLEMENTED`.
#[proc_macro_attribute]
pub fn module(args: TokenStream, item: TokenStream) -> TokenStream {
    module::expand(args.into(), item.into()).into()
}
