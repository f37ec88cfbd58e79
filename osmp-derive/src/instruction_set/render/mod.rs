//! IR → tokens. One module per generated item (the trait, the schema, the server, the
//! event emitter, the typed client), each reading only the [`SetDef`].

pub mod client;
pub mod events;
pub mod schema;
pub mod server;
pub mod trait_def;

use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use super::ir::SetDef;
use crate::internals::tokens::{private_of, private_of_at};

/// Everything generated for a valid set.
pub fn render(set: &SetDef) -> TokenStream {
    let trait_def = trait_def::render(set);
    let schema = schema::render(set);
    let server = server::render(set);
    let events = events::render(set);
    let client = client::render(set);
    quote! {
        #trait_def
        #schema
        #server
        #events
        #client
    }
}

/// `#krate::__private`: generated code reaches the runtime only through this module.
pub fn private(set: &SetDef) -> TokenStream {
    private_of(&set.krate)
}

/// `#krate::__private` with every token at `span`, for calls whose trait bounds should be
/// reported at the user's type rather than at the attribute.
pub fn private_at(set: &SetDef, span: Span) -> TokenStream {
    private_of_at(&set.krate, span)
}

/// `Vd1Server`.
pub fn server_ident(set: &SetDef) -> Ident {
    format_ident!("{}Server", set.ident)
}

/// `Vd1Events`.
pub fn events_ident(set: &SetDef) -> Ident {
    format_ident!("{}Events", set.ident)
}

/// `vd1_schema`.
pub fn schema_fn_ident(set: &SetDef) -> Ident {
    format_ident!("{}_schema", set.ident.to_string().to_snake_case())
}

/// `&'static str` literal tokens for an optional string: `None` or `Some(Cow::Borrowed("…"))`.
pub fn optional_cow(set: &SetDef, value: Option<&str>) -> TokenStream {
    let p = private(set);
    match value {
        Some(value) => quote!(::core::option::Option::Some(#p::Cow::Borrowed(#value))),
        None => quote!(::core::option::Option::None),
    }
}
