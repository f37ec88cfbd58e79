//! `#[module]`: an OMCP module from a trait of routes. It reads the trait with the
//! instruction-set macro's building blocks (attribute arguments, error collection,
//! documentation, names, parameters and results from the shared IR), checks the rules of
//! routes, and renders the trait, the server, the typed client and the schema.

mod check;
mod ir;
mod parse;
mod render;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::internals::errors::Errors;
use crate::internals::item::item_head;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Trait(item)) => item,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                item_head(&other),
                "`#[module]` applies to a trait: declare the routes as `async fn`s of a trait marked \
                 `#[get(\"/path\")]`, `#[post(…)]`, `#[put(…)]`, `#[delete(…)]` or `#[notify(…)]`, and implement \
                 it for your type",
            )
            .to_compile_error();
            return quote!(#other #error);
        }
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let errors = Errors::new();
    let module = parse::parse_module(args, &item, &errors);
    check::check(&module, &errors);
    if errors.is_empty() {
        render::render(&module)
    } else {
        let fallback = render::trait_def::fallback(&item);
        let errors = errors.into_compile_errors();
        quote!(#fallback #errors)
    }
}
