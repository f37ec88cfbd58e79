//! The trait as the user's implementations see it: every `async fn` becomes a `fn`
//! returning `impl Future + Send` (so an `impl` block writes plain `async fn` and the
//! server can run the futures on any thread), helper attributes are gone, events are
//! removed (they live on the emitter) and `Send + Sync + 'static` are required.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemTrait, TraitItem};

use crate::instruction_set::ir::{ArgDef, CommandDef, SetDef};
use crate::instruction_set::parse::is_helper;
use crate::internals::docs::with_note;
use crate::internals::trait_def;

pub fn render(set: &SetDef) -> TokenStream {
    let methods = set.commands.iter().map(method);
    let on_subscribe = on_subscribe(set);
    trait_def::render(&set.header, quote!(#(#methods)* #on_subscribe))
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
    let note = wire_note(command);
    let docs = with_note(attrs, &note);
    quote! {
        #docs
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

/// The trait emitted beside the errors when the input is invalid: events removed, helper
/// attributes and argument patterns as [`trait_def::fallback`] does.
pub fn fallback(item: &ItemTrait) -> TokenStream {
    let mut item = item.clone();
    item.items.retain(
        |item| !matches!(item, TraitItem::Fn(method) if method.attrs.iter().any(|a| a.path().is_ident("event"))),
    );
    trait_def::fallback(item, is_helper)
}
