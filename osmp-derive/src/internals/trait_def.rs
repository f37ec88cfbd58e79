//! The trait as both macros emit it: the user's header with `Send + Sync + 'static`
//! required, and the fallback emitted beside the errors when the input is invalid.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, FnArg, ItemTrait, Pat, TraitItem};

use super::header::TraitHeader;

/// The trait with the user's attributes, visibility, name and supertraits, plus
/// `Send + Sync + 'static`, around the generated `items`.
pub fn render(header: &TraitHeader, items: TokenStream) -> TokenStream {
    let TraitHeader { vis, ident, attrs, supertraits, .. } = header;
    let plus = (!supertraits.is_empty()).then(|| quote!(+));
    quote! {
        #(#attrs)*
        #vis trait #ident: #supertraits #plus ::core::marker::Send + ::core::marker::Sync + 'static {
            #items
        }
    }
}

/// The trait emitted beside the errors: `item` as the macro prepared it, with the helper
/// attributes removed from methods and arguments and argument patterns replaced by `_`
/// (the compiler rejects patterns in methods without a body), everything else as written,
/// so that code using the trait does not add "cannot find trait" errors to the real ones.
pub fn fallback(mut item: ItemTrait, is_helper: fn(&Attribute) -> bool) -> TokenStream {
    for trait_item in &mut item.items {
        if let TraitItem::Fn(method) = trait_item {
            method.attrs.retain(|attr| !is_helper(attr));
            for arg in &mut method.sig.inputs {
                if let FnArg::Typed(arg) = arg {
                    arg.attrs.retain(|attr| !is_helper(attr));
                    match &mut *arg.pat {
                        Pat::Ident(pat) => (pat.by_ref, pat.mutability, pat.subpat) = (None, None, None),
                        pat => {
                            *pat = Pat::Wild(syn::PatWild { attrs: Vec::new(), underscore_token: Default::default() })
                        }
                    }
                }
            }
        }
    }
    quote!(#item)
}
