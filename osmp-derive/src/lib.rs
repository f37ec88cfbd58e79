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
//! - `XEvents`, a typed emitter with one method per `#[event]`.
//!
//! The macro is documented where users find it: re-exported by the runtime and the `osmp`
//! facade. Internally it follows serde_derive's split: `attr` reads attribute arguments,
//! `parse` turns the syntax tree into the typed description of `ir` (collecting every
//! error in `errors`), `check` applies the rules across items, and `render` generates code
//! from the description alone.
//!
//! `#[module]` turns a trait of routes into an OMCP module (`XServer<T>`, `XClient`,
//! `x_schema()`); `module/` reads it with the same building blocks into the same IR.

mod attr;
mod check;
mod docs;
mod errors;
mod ir;
mod module;
mod parse;
mod render;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::Item;

/// Turns an annotated trait into an OSMP instruction set.
///
/// Arguments: `name = "…"` (the set's name, default: the trait's name in kebab case),
/// `version = N` (default version of its commands, default 0), `requires = "…"` (default
/// permission of its commands and events), `crate = "…"` (path of the runtime in generated
/// code, default `::osmp`).
///
/// Inside the trait, `#[command(name, alias, aliases, version, requires, stream)]` marks
/// commands (`async fn` taking `&self`, optional), `#[event(name, requires)]` events (a `fn`
/// without receiver), `#[param(name, doc)]` names and documents an argument, and
/// `#[flatten]` makes one argument the struct of all parameters (or the whole event data).
#[proc_macro_attribute]
pub fn instruction_set(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args.into(), item.into()).into()
}

fn expand(args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let item = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Trait(item)) => item,
        Ok(other) => {
            // Re-emit the item so that code using it gets no follow-up errors.
            let error = syn::Error::new_spanned(
                item_head(&other),
                "`#[instruction_set]` applies to a trait: declare the commands as `async fn`s of a trait \
                 and implement it for your type",
            )
            .to_compile_error();
            return quote!(#other #error);
        }
        // Not an item at all: the compiler reports the syntax error on the original tokens.
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let errors = errors::Errors::new();
    let set = parse::parse_set(args, &item, &errors);
    check::check(&set, &errors);
    if errors.is_empty() {
        render::render(&set)
    } else {
        let fallback = render::trait_def::fallback(&item);
        let errors = errors.into_compile_errors();
        quote!(#fallback #errors)
    }
}

/// The keyword and name of an item, where an error about the item as a whole points.
pub(crate) fn item_head(item: &Item) -> TokenStream2 {
    match item {
        Item::Struct(item) => {
            let (keyword, ident) = (&item.struct_token, &item.ident);
            quote!(#keyword #ident)
        }
        Item::Enum(item) => {
            let (keyword, ident) = (&item.enum_token, &item.ident);
            quote!(#keyword #ident)
        }
        Item::Union(item) => {
            let (keyword, ident) = (&item.union_token, &item.ident);
            quote!(#keyword #ident)
        }
        Item::Fn(item) => {
            let (keyword, ident) = (&item.sig.fn_token, &item.sig.ident);
            quote!(#keyword #ident)
        }
        Item::Impl(item) => {
            let (keyword, ty) = (&item.impl_token, &item.self_ty);
            quote!(#keyword #ty)
        }
        Item::Mod(item) => {
            let (keyword, ident) = (&item.mod_token, &item.ident);
            quote!(#keyword #ident)
        }
        other => quote!(#other),
    }
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
