//! `XServer<T>`, the wrapper both macros serve an implementation in (the struct, `new`,
//! `from_arc`, `Clone`, `Debug`), and the parts of its dispatch they share; each macro adds
//! its own trait impl (`InstructionSet`, `Module`) with one arm per command or route.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::Ident;

use super::header::TraitHeader;
use super::tokens::{allow_dead_code, local};

/// The struct, documented with `doc`, and its inherent, `Clone` and `Debug` impls.
pub fn wrapper(header: &TraitHeader, doc: &str) -> TokenStream {
    let p = header.private();
    let (vis, server) = (&header.vis, header.server_ident());
    let allow = allow_dead_code(vis);
    let stringified = server.to_string();
    quote! {
        #[doc = #doc]
        #vis struct #server<T> {
            inner: #p::Arc<T>,
        }

        #allow
        impl<T> #server<T> {
            /// Serves `implementation`.
            #vis fn new(implementation: T) -> Self {
                Self { inner: #p::Arc::new(implementation) }
            }

            /// Serves an implementation that is shared already.
            #vis fn from_arc(implementation: #p::Arc<T>) -> Self {
                Self { inner: implementation }
            }
        }

        impl<T> ::core::clone::Clone for #server<T> {
            fn clone(&self) -> Self {
                Self { inner: #p::Arc::clone(&self.inner) }
            }
        }

        impl<T> ::core::fmt::Debug for #server<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#stringified).finish_non_exhaustive()
            }
        }
    }
}

/// The arm of number `index` in the dispatch's `match`: `prelude` decodes the arguments
/// (a failure is answered at once), then `method` runs with `args` in a `'static` future
/// that owns a clone of the `Arc`, and `answer` turns its `__result` into the reply.
pub fn call_arm<'a>(
    header: &TraitHeader,
    index: usize,
    prelude: TokenStream,
    method: &Ident,
    args: impl IntoIterator<Item = &'a Ident>,
    answer: TokenStream,
) -> TokenStream {
    let p = header.private();
    let (this, result) = (local("__this"), local("__result"));
    let index = Literal::usize_unsuffixed(index);
    let trait_ident = &header.ident;
    let args = args.into_iter();
    quote! {
        #index => {
            #prelude
            let #this = #p::Arc::clone(&self.inner);
            ::std::boxed::Box::pin(async move {
                let #result = <T as #trait_ident>::#method(&#this #(, #args)*).await;
                #answer
            })
        }
    }
}

/// `let <ident> = …;` with the decoded value of `taken` (a `Result`), or else the arm
/// answers the error at once.
pub fn let_decoded(header: &TraitHeader, ident: &Ident, taken: TokenStream) -> TokenStream {
    let p = header.private();
    let (value, error) = (local("value"), local("error"));
    quote! {
        let #ident = match #taken {
            ::core::result::Result::Ok(#value) => #value,
            ::core::result::Result::Err(#error) => return #p::ready_err(#error),
        };
    }
}
