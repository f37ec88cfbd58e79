//! The trait as the user's implementations see it: every `async fn` becomes a `fn`
//! returning `impl Future + Send` (so an `impl` block writes plain `async fn` and the
//! server can run the futures on any thread), helper attributes are gone, events are
//! removed (they live on the emitter) and `Send + Sync + 'static` are required.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, ItemTrait, Pat, TraitItem};

use crate::instruction_set::ir::{ArgDef, CommandDef, SetDef};
use crate::instruction_set::parse::is_helper;
use crate::internals::docs::is_doc;
use crate::internals::header::TraitHeader;

pub fn render(set: &SetDef) -> TokenStream {
    let TraitHeader { vis, ident, attrs, supertraits, .. } = &set.header;
    let plus = (!supertraits.is_empty()).then(|| quote!(+));
    let methods = set.commands.iter().map(method);
    let on_subscribe = on_subscribe(set);
    quote! {
        #(#attrs)*
        #vis trait #ident: #supertraits #plus ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
            #on_subscribe
        }
    }
}

/// For sets with events: a provided method the server calls after a session subscribed one
/// of them, so the implementation can send the current state (the specification's
/// snapshot on subscribe).
fn on_subscribe(set: &SetDef) -> Option<TokenStream> {
    if set.events.is_empty() {
        return None;
    }
    let emitter = super::events_ident(set);
    Some(quote! {
        /// Called after a session subscribed one of this set's events (`event` is its name).
        /// Send the current state through `events`, which emits to that session only.
        /// Does nothing unless implemented.
        fn on_subscribe(&self, event: &str, events: #emitter) {
            let _ = (event, events);
        }
    })
}

fn method(command: &CommandDef) -> TokenStream {
    let CommandDef { ident, attrs, output, .. } = command;
    let output = &output.ty;
    let args = command.args.iter().map(|arg| match arg {
        ArgDef::Context { ident, ty } => quote!(#ident: #ty),
        ArgDef::Param(param) => {
            let (ident, ty) = (&param.ident, &param.ty);
            quote!(#ident: #ty)
        }
        ArgDef::Flatten(flatten) => {
            let (ident, ty) = (&flatten.ident, &flatten.ty);
            quote!(#ident: #ty)
        }
    });
    let separator = attrs.iter().any(is_doc).then(|| quote!(#[doc = ""]));
    let note = wire_note(command);
    quote! {
        #(#attrs)*
        #separator
        #[doc = #note]
        fn #ident(&self #(, #args)*) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send;
    }
}

/// The line added to the method's documentation: how clients reach the command.
fn wire_note(command: &CommandDef) -> String {
    let mut note = format!("OSMP command `{}`", command.name.value);
    if !command.aliases.is_empty() {
        let aliases: Vec<String> = command.aliases.iter().map(|alias| format!("`{}`", alias.value)).collect();
        note.push_str(&format!(", aliases {}", aliases.join(", ")));
    }
    if command.version != 0 {
        note.push_str(&format!(", version {}", command.version));
    }
    if let Some(stream) = &command.stream {
        note.push_str(&format!(", streams `{}`", quote!(#stream).to_string().replace(' ', "")));
    }
    note.push('.');
    note
}

/// The trait emitted beside the errors when the input is invalid: helper attributes and
/// events removed, argument patterns replaced by `_` (the compiler rejects patterns in
/// methods without a body), everything else as written, so that code using the trait does
/// not add "cannot find trait" errors to the real ones.
pub fn fallback(item: &ItemTrait) -> TokenStream {
    let mut item = item.clone();
    item.items.retain(
        |item| !matches!(item, TraitItem::Fn(method) if method.attrs.iter().any(|a| a.path().is_ident("event"))),
    );
    for trait_item in &mut item.items {
        if let TraitItem::Fn(method) = trait_item {
            method.attrs.retain(|attr| !is_helper(attr));
            for arg in &mut method.sig.inputs {
                if let FnArg::Typed(arg) = arg {
                    arg.attrs.retain(|attr| !is_helper(attr));
                    match &mut *arg.pat {
                        Pat::Ident(pat) => {
                            (pat.by_ref, pat.mutability, pat.subpat) = (None, None, None);
                        }
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
