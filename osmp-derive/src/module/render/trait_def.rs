//! The trait as the user's implementations see it: every `async fn` becomes a `fn`
//! returning `impl Future + Send` with a default body answering 501, helper attributes
//! are gone and `Send + Sync + 'static` are required.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemTrait, TraitItem};

use super::arg_ident_and_type;
use crate::internals::docs::with_note;
use crate::internals::trait_def;
use crate::module::ir::{ModuleDef, ReplyKind, RouteDef};
use crate::module::parse::is_helper;

/// Every `async fn` becomes a `fn` returning `impl Future + Send` with a default body that
/// answers 501 (NOTIFY: ignores the notification), so an `impl` implements what it serves.
pub fn render(module: &ModuleDef) -> TokenStream {
    let methods = module.routes.iter().map(|route| trait_method(module, route));
    trait_def::render(&module.header, quote!(#(#methods)*))
}

fn trait_method(module: &ModuleDef, route: &RouteDef) -> TokenStream {
    let p = module.header.private();
    let RouteDef { ident, attrs, .. } = route;
    let args: Vec<(&syn::Ident, &syn::Type)> = route.args.iter().map(arg_ident_and_type).collect();
    let declared = args.iter().map(|(ident, ty)| quote!(#ident: #ty));
    let used = args.iter().map(|(ident, _)| ident);
    let (wire, path) = (route.method.wire(), &route.path.template);
    let (output, default) = match &route.output {
        Some(output) => {
            let ty = &output.ty;
            let span = output.err.as_ref().map_or_else(|| ty.span(), Spanned::span);
            let p_at = module.header.private_at(span);
            let error = quote_spanned!(span=> #p_at::not_implemented(#wire, #path));
            (quote!(#ty), quote!(async move { ::core::result::Result::Err(#error) }))
        }
        None => (quote!(()), quote!(async move { #p::notify_not_implemented(#path) })),
    };
    let note = format!(
        "OMCP route `{}`{}. Answers `501 NOT IMPLEMENTED` unless implemented.",
        super::route_label(route),
        match route.output.as_ref().map(|output| output.kind) {
            None => " (never answered)",
            Some(ReplyKind::Created) => " (201 and the location)",
            Some(ReplyKind::Unit) => " (an empty 200)",
            Some(ReplyKind::Data) => " (200 with the result as JSON)",
        }
    );
    let docs = with_note(attrs, &note);
    quote! {
        #docs
        fn #ident(&self #(, #declared)*) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send {
            let _ = (#(&#used,)*);
            #default
        }
    }
}

/// The trait emitted beside the errors when the input is invalid: `const` removed (so that
/// rustc does not report it once more), helper attributes and argument patterns as
/// [`trait_def::fallback`] does.
pub fn fallback(item: &ItemTrait) -> TokenStream {
    let mut item = item.clone();
    for trait_item in &mut item.items {
        if let TraitItem::Fn(method) = trait_item {
            method.sig.constness = None;
        }
    }
    trait_def::fallback(item, is_helper)
}
