//! `Vd1Events`: one typed method per event, emitting to a server's bus or to one session.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::events_ident;
use crate::instruction_set::ir::{EventData, EventDef, SetDef};
use crate::internals::docs::with_note;
use crate::internals::tokens::{allow_dead_code, local, passed_param, passed_whole, PassedParam};

pub fn render(set: &SetDef) -> TokenStream {
    // A set without events gets no emitter rather than an empty one.
    if set.events.is_empty() {
        return TokenStream::new();
    }
    let p = set.header.private();
    let (vis, emitter) = (&set.header.vis, events_ident(set));
    let allow = allow_dead_code(vis);
    let methods = set.events.iter().map(|event| method(set, event));
    let doc = format!(
        "Emits the events of the OSMP instruction set `{}` ([`{}`]) with typed data.\n\n\
         [`{emitter}::new`] emits to every session of a server that subscribed an event; \
         [`{emitter}::session`] to one session, for the current state a set sends when a session subscribes \
         ([`{emitter}::subscriber`] tells which).",
        set.header.name.value, set.header.ident
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #emitter {
            target: #p::EventTarget,
        }

        #allow
        impl #emitter {
            /// Emits to every session of the server that subscribed the event (the bus of
            /// the server, or `cx.events()` in a command).
            #vis fn new(bus: &#p::EventBus) -> Self {
                Self { target: #p::EventTarget::Bus(::core::clone::Clone::clone(bus)) }
            }

            /// Emits to this session only, and only if it subscribed the event: each method
            /// then returns 0 or 1.
            #vis fn session(session: &#p::Session) -> Self {
                Self { target: #p::EventTarget::Session(::core::clone::Clone::clone(session)) }
            }

            /// The session this emitter sends to, when it was made for one: in
            /// `on_subscribe`, the session that subscribed (to keep per-session state, such as
            /// a filter its events pass through). `None` for an emitter to a server's bus.
            #vis fn subscriber(&self) -> ::core::option::Option<&#p::Session> {
                match &self.target {
                    #p::EventTarget::Session(session) => ::core::option::Option::Some(session),
                    #p::EventTarget::Bus(_) => ::core::option::Option::None,
                }
            }

            #(#methods)*
        }
    }
}

fn method(set: &SetDef, event: &EventDef) -> TokenStream {
    let p = set.header.private();
    let (vis, ident, attrs) = (&set.header.vis, &event.ident, &event.attrs);
    let name = &event.name.value;
    let data = local("__data");
    let (args, build) = match &event.data {
        EventData::Flatten(flatten) => {
            let (arg, ty) = (&flatten.ident, &flatten.ty);
            let PassedParam { ty: passed, value, .. } = passed_whole(arg, ty);
            (vec![quote!(#arg: #passed)], quote!(let #data = #value;))
        }
        EventData::Fields(fields) => {
            let args = fields.iter().map(|field| {
                let (arg, ty) = (&field.ident, passed_param(field).ty);
                quote!(#arg: #ty)
            });
            // Each field is serialized where its type was declared (`T` of `Option<T>`), so a
            // type that is not `Serialize` is reported there.
            let adds = fields.iter().map(|field| {
                let field_name = &field.name.value;
                let PassedParam { encoded, value, .. } = passed_param(field);
                let ty = field.value_ty();
                let p_at = set.header.private_at(ty.span());
                let add = if field.optional.is_some() { quote!(event_optional_field) } else { quote!(event_field) };
                quote_spanned!(ty.span()=> let #data = #p_at::#add::<#encoded>(#data, #field_name, #value)?;)
            });
            (args.collect(), quote!(let #data = #p::EventFields::new(); #(#adds)*))
        }
    };
    let note = format!("Emits the event `{name}`; returns to how many sessions it was queued.");
    let docs = with_note(attrs, &note);
    let emit = match &event.data {
        EventData::Flatten(flatten) => {
            let ty = &flatten.ty;
            let p_at = set.header.private_at(ty.span());
            quote_spanned!(ty.span()=> #p_at::emit_event::<#ty>(&self.target, #name, #data))
        }
        EventData::Fields(_) => quote!(#p::EventTarget::emit(&self.target, #name, &#data)),
    };
    quote! {
        #docs
        #vis fn #ident(&self #(, #args)*) -> ::core::result::Result<usize, #p::EmitError> {
            #build
            #emit
        }
    }
}
