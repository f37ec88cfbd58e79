//! IR → tokens. One module per generated item (the trait, the schema, the server, the
//! event emitter, the typed client), each reading only the [`SetDef`].

pub mod client;
pub mod events;
pub mod schema;
pub mod server;
pub mod trait_def;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use super::ir::SetDef;

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

/// `Vd1Events`.
pub fn events_ident(set: &SetDef) -> Ident {
    format_ident!("{}Events", set.header.ident)
}

/// `&'static str` literal tokens for an optional string: `None` or `Some(Cow::Borrowed("…"))`.
pub fn optional_cow(set: &SetDef, value: Option<&str>) -> TokenStream {
    let p = set.header.private();
    match value {
        Some(value) => quote!(::core::option::Option::Some(#p::Cow::Borrowed(#value))),
        None => quote!(::core::option::Option::None),
    }
}
