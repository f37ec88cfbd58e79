//! `XClient`, the typed client both macros generate over the runtime's untyped client: the
//! struct and its impl around the methods each macro renders.

use proc_macro2::TokenStream;
use quote::quote;

use super::header::TraitHeader;
use super::tokens::allow_dead_code;

/// The struct, documented with `doc`, holding the untyped `client` and `fields`, and its
/// impl with `methods`.
pub fn wrapper(header: &TraitHeader, doc: &str, fields: TokenStream, methods: TokenStream) -> TokenStream {
    let p = header.private();
    let (vis, client) = (&header.vis, header.client_ident());
    let allow = allow_dead_code(vis);
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #client {
            client: #p::Client,
            #fields
        }

        #allow
        impl #client {
            #methods
        }
    }
}

/// `client()`, the untyped client underneath: a method of every typed client.
pub fn untyped_client(header: &TraitHeader) -> TokenStream {
    let (p, vis) = (header.private(), &header.vis);
    quote! {
        /// The untyped client underneath.
        #vis fn client(&self) -> &#p::Client {
            &self.client
        }
    }
}
