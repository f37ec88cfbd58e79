//! `Vd1Client`: one typed method per command over the runtime's client, a `start_…` twin
//! that returns a handle (stream, cancel), and a `subscribe_…` method per event.
//!
//! Arguments are taken by value or by reference alike (the client only serializes them):
//! `impl AsRef<str>` for `String`, `impl AsRef<[T]>` for `Vec<T>`, `impl Borrow<T>` for
//! any other `T` and a parameter struct; optional parameters as `Option<&str>`,
//! `Option<&[T]>`, `Option<&T>`, so that `None` needs no type.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::instruction_set::ir::{ArgDef, CommandDef, EventData, EventDef, OutputKind, SetDef};
use crate::internals::client;
use crate::internals::docs::is_doc;
use crate::internals::ir::ParamDef;
use crate::internals::tokens::{local, passed_param, passed_whole, PassedParam};

pub fn render(set: &SetDef) -> TokenStream {
    if !set.header.client {
        return TokenStream::new();
    }
    let (p, vis) = (set.header.private(), &set.header.vis);
    let commands = set.commands.iter().map(|command| command_methods(set, command));
    let events = set.events.iter().map(|event| subscribe_method(set, event));
    let event_types = set.events.iter().filter_map(|event| event_type(set, event));
    let doc = format!(
        "Calls the OSMP instruction set `{}` ([`{}`]) with typed parameters and results.\n\n\
         Each command has a method that waits for its result and a `start_…` method that returns a \
         handle to read its stream and cancel it; each event has a `subscribe_…` method.",
        set.header.name.value, set.header.ident
    );
    let untyped = client::untyped_client(&set.header);
    let methods = quote! {
        /// Calls the set through a connected client.
        #vis fn new(client: &#p::Client) -> Self {
            Self { client: ::core::clone::Clone::clone(client) }
        }

        #untyped

        #(#commands)*
        #(#events)*
    };
    let client = client::wrapper(&set.header, &doc, TokenStream::new(), methods);
    quote! {
        #client

        #(#event_types)*
    }
}

/// `fn vcall_create(…) -> Result<T, CallError>` and `fn start_vcall_create(…) -> TypedCall`.
///
/// Both build their parameters with one hidden helper and decode the result with another,
/// so that a type lacking `Serialize` or `Deserialize` is reported once, not per method.
fn command_methods(set: &SetDef, command: &CommandDef) -> TokenStream {
    let p = set.header.private();
    let vis = &set.header.vis;
    let (method, start) = (&command.ident, format_ident!("start_{}", command.ident));
    let (params_fn, decode_fn) =
        (format_ident!("__{}_params", command.ident), format_ident!("__{}_decode", command.ident));
    let name = &command.name.value;
    let docs = command.attrs.iter().filter(|attr| is_doc(attr));
    let passed = passed_args(command);
    let args: Vec<TokenStream> = passed
        .iter()
        .map(|(ident, passed)| {
            let ty = &passed.ty;
            quote!(#ident: #ty)
        })
        .collect();
    let idents: Vec<&syn::Ident> = passed.iter().map(|(ident, _)| *ident).collect();
    let data = local("__data");
    let (result, decode) = result_and_decode(set, command);
    let stream = match &command.stream {
        Some(ty) => quote!(#ty),
        None => quote!(#p::Payload),
    };
    // Bounded at the stream type, so a type that cannot be decoded is reported there.
    let wrap = match &command.stream {
        Some(ty) => {
            let p_at = set.header.private_at(ty.span());
            quote_spanned!(ty.span()=> #p_at::typed_call::<#result, #ty>)
        }
        None => quote!(#p::TypedCall::new),
    };
    let (params_helper, params) = if passed.is_empty() {
        (TokenStream::new(), quote!(&()))
    } else {
        let build = build_data(set, command, &data);
        let helper = quote! {
            #[doc(hidden)]
            fn #params_fn(#(#args),*) -> ::core::result::Result<#p::CallParams, #p::CallError> {
                #build
                ::core::result::Result::Ok(#data)
            }
        };
        (helper, quote!(&Self::#params_fn(#(#idents),*)?))
    };
    let start_doc = format!(
        "Starts `{name}` and returns a handle: read its stream with `next`, its result with `response`, \
         cancel it with `cancel` or by dropping the handle."
    );
    quote! {
        #params_helper

        #[doc(hidden)]
        fn #decode_fn(command: &str, response: #p::Response) -> ::core::result::Result<#result, #p::CallError> {
            (#decode)(command, response)
        }

        #(#docs)*
        #vis async fn #method(&self #(, #args)*) -> ::core::result::Result<#result, #p::CallError> {
            let response = self.client.call(#name, #params).await?;
            Self::#decode_fn(#name, response)
        }

        #[doc = #start_doc]
        #vis async fn #start(&self #(, #args)*) -> ::core::result::Result<#p::TypedCall<#result, #stream>, #p::CallError> {
            let call = self.client.start(#name, #params).await?;
            ::core::result::Result::Ok(#wrap(call, Self::#decode_fn))
        }
    }
}

/// The client's arguments, each with how it is passed: a parameter struct or a parameter by
/// value or by reference, an optional one as an `Option` of a reference.
fn passed_args(command: &CommandDef) -> Vec<(&syn::Ident, PassedParam)> {
    command
        .args
        .iter()
        .filter_map(|arg| match arg {
            ArgDef::Context { .. } => None,
            ArgDef::Param(param) => Some((&param.ident, passed_param(param))),
            ArgDef::Flatten(flatten) => Some((&flatten.ident, passed_whole(&flatten.ident, &flatten.ty))),
        })
        .collect()
}

/// `let __data = …;`: the parameters of the parameter struct, or an object of the given
/// parameters (optional ones left out when `None`).
fn build_data(set: &SetDef, command: &CommandDef, data: &syn::Ident) -> TokenStream {
    let p = set.header.private();
    let name = &command.name.value;
    if let Some(flatten) = command.args.iter().find_map(|arg| match arg {
        ArgDef::Flatten(flatten) => Some(flatten),
        _ => None,
    }) {
        let ty = &flatten.ty;
        let value = passed_whole(&flatten.ident, ty).value;
        // Bounded at the type, so a missing `Serialize` is reported there.
        let p_at = set.header.private_at(ty.span());
        return quote_spanned!(ty.span()=> let #data = #p_at::CallParams::from_struct::<#ty>(#name, #value)?;);
    }
    let params: Vec<&ParamDef> = command
        .args
        .iter()
        .filter_map(|arg| match arg {
            ArgDef::Param(param) => Some(param),
            _ => None,
        })
        .collect();
    // Spanned at each parameter's type, so a type that is not `Serialize` is reported there.
    let adds = params.iter().map(|param| {
        let field = &param.name.value;
        let PassedParam { encoded, value, .. } = passed_param(param);
        let ty = param.value_ty();
        let p_at = set.header.private_at(ty.span());
        if param.optional.is_some() {
            quote_spanned!(ty.span()=> let #data = #p_at::CallParams::optional::<#encoded>(#data, #field, #value)?;)
        } else {
            quote_spanned!(ty.span()=> let #data = #p_at::CallParams::param::<#encoded>(#data, #field, #value)?;)
        }
    });
    quote! {
        let #data = #p::CallParams::new(#name);
        #(#adds)*
    }
}

/// The client's result type and the function that decodes a response into it.
fn result_and_decode(set: &SetDef, command: &CommandDef) -> (TokenStream, TokenStream) {
    let p = set.header.private();
    match command.output.kind {
        OutputKind::Unit => (quote!(()), quote!(#p::decode_response::<()>)),
        OutputKind::Outcome => (quote!(#p::Response), quote!(#p::keep_response)),
        OutputKind::Data => {
            let ok = &command.output.ok;
            let p_at = set.header.private_at(ok.span());
            (quote!(#ok), quote_spanned!(ok.span()=> #p_at::decode_response::<#ok>))
        }
    }
}

/// The type a subscription of the event yields: the declared data type, or a struct of
/// the declared fields.
fn event_data_type(set: &SetDef, event: &EventDef) -> TokenStream {
    match &event.data {
        EventData::Flatten(flatten) => {
            let ty = &flatten.ty;
            quote!(#ty)
        }
        EventData::Fields(_) => {
            let ident = event_struct_ident(set, event);
            quote!(#ident)
        }
    }
}

/// `Vd1IoChanged` for the event `io_changed` of `Vd1`.
fn event_struct_ident(set: &SetDef, event: &EventDef) -> syn::Ident {
    format_ident!("{}{}", set.header.ident, event.ident.to_string().to_upper_camel_case())
}

fn subscribe_method(set: &SetDef, event: &EventDef) -> TokenStream {
    let p = set.header.private();
    let vis = &set.header.vis;
    let method = format_ident!("subscribe_{}", event.ident);
    let name = &event.name.value;
    let data = event_data_type(set, event);
    let span = match &event.data {
        EventData::Flatten(flatten) => flatten.ty.span(),
        EventData::Fields(_) => event.ident.span(),
    };
    let p_at = set.header.private_at(span);
    let wrap = quote_spanned!(span=> #p_at::typed_subscription::<#data>);
    let doc = format!("Subscribes the event `{name}` until the session ends; dropping the subscription unsubscribes.");
    quote! {
        #[doc = #doc]
        #vis async fn #method(&self) -> ::core::result::Result<#p::TypedSubscription<#data>, #p::CallError> {
            ::core::result::Result::Ok(#wrap(self.client.subscribe(#name).await?))
        }
    }
}

/// The struct a subscription decodes an event declared with a field list into.
fn event_type(set: &SetDef, event: &EventDef) -> Option<TokenStream> {
    let EventData::Fields(fields) = &event.data else {
        return None;
    };
    let p = set.header.private();
    let vis = &set.header.vis;
    let ident = event_struct_ident(set, event);
    let doc = format!("The data of the event `{}`, as a typed client receives it.", event.name.value);
    let (fields_in, error) = (local("__fields"), local("__D"));
    let declared = fields.iter().map(|field| {
        let (field_ident, ty, name) = (&field.ident, &field.ty, &field.name.value);
        let field_doc =
            if field.description.is_empty() { format!("The field `{name}`.") } else { field.description.clone() };
        quote! {
            #[doc = #field_doc]
            #vis #field_ident: #ty,
        }
    });
    // Read field by field, each bounded at its type (`T` of `Option<T>`) rather than by
    // serde's derive, so that a type lacking `Deserialize` is one error there.
    let reads = fields.iter().map(|field| {
        let (field_ident, name) = (&field.ident, &field.name.value);
        let ty = field.value_ty();
        let p_at = set.header.private_at(ty.span());
        let read = if field.optional.is_some() { quote!(optional_field) } else { quote!(field) };
        quote_spanned!(ty.span()=> #field_ident: #p_at::EventDataIn::#read::<#ty, #error::Error>(&mut #fields_in, #name)?,)
    });
    Some(quote! {
        #[doc = #doc]
        #vis struct #ident {
            #(#declared)*
        }

        impl<'de> #p::serde::Deserialize<'de> for #ident {
            fn deserialize<#error: #p::serde::Deserializer<'de>>(
                deserializer: #error,
            ) -> ::core::result::Result<Self, #error::Error> {
                let mut #fields_in = #p::EventDataIn::read(deserializer)?;
                ::core::result::Result::Ok(Self { #(#reads)* })
            }
        }
    })
}
