//! `#[module]`: an OMCP module from a trait of routes. It reads the trait with the shared
//! building blocks of `internals` (attribute arguments, error collection, documentation,
//! the trait header, names, parameters and results), checks the rules of routes, and
//! renders the trait, the server, the typed client and the schema.

mod check;
mod ir;
mod parse;
mod render;

use proc_macro2::TokenStream;

use crate::internals::item::expand_trait;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_trait(
        item,
        "`#[module]` applies to a trait: declare the routes as `async fn`s of a trait marked \
         `#[get(\"/path\")]`, `#[post(…)]`, `#[put(…)]`, `#[delete(…)]` or `#[notify(…)]`, and implement \
         it for your type",
        |item, errors| {
            let module = parse::parse_module(args, item, errors);
            check::check(&module, errors);
            module
        },
        render::render,
        render::trait_def::fallback,
    )
}
