//! `SensorNetClient`: one typed method per route over the runtime's client, building the
//! path from its parameters and sending the body as JSON.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::client;
use crate::internals::docs::is_doc;
use crate::internals::ir::ParamDef;
use crate::internals::tokens::{borrowed_param, local, local_at};
use crate::module::ir::{ModuleDef, ReplyKind, RouteArg, RouteDef, RouteMethod, Segment};

pub fn render(module: &ModuleDef) -> TokenStream {
    if !module.header.client {
        return TokenStream::new();
    }
    let (p, vis) = (module.header.private(), &module.header.vis);
    let name = &module.header.name.value;
    let new_doc = format!("Calls the module `{name}` through a connected client.");
    let doc = format!(
        "Calls the OMCP module `{name}` ([`{}`]) with typed path parameters, bodies and results.\n\n\
         Each route is a method; an error response is `TypedCallError::Status` with its status and message.",
        module.header.ident
    );
    let untyped = client::untyped_client(&module.header);
    let routes = module.routes.iter().map(|route| client_method(module, route));
    let methods = quote! {
        #[doc = #new_doc]
        #vis fn new(client: &#p::Client) -> Self {
            Self::with_module(client, #name)
        }

        /// Calls another module that serves the same routes.
        #vis fn with_module(client: &#p::Client, module: impl ::core::convert::Into<::std::string::String>) -> Self {
            Self { client: ::core::clone::Clone::clone(client), module: module.into() }
        }

        #untyped

        /// The module it calls.
        #vis fn module(&self) -> &str {
            &self.module
        }

        #(#routes)*
    };
    client::wrapper(&module.header, &doc, quote!(module: ::std::string::String,), methods)
}

fn client_method(module: &ModuleDef, route: &RouteDef) -> TokenStream {
    let p = module.header.private();
    let vis = &module.header.vis;
    let method = &route.ident;
    let docs = route.attrs.iter().filter(|attr| is_doc(attr));
    let label = format!("`{}`", super::route_label(route));
    let args = route.args.iter().filter_map(|arg| match arg {
        RouteArg::Path(param) => {
            let (ident, ty) = (&param.ident, client_param_type(param));
            Some(quote!(#ident: #ty))
        }
        RouteArg::Body(body) => {
            let (ident, ty) = (&body.ident, &body.ty);
            Some(quote!(#ident: &#ty))
        }
        RouteArg::Request { .. } => None,
    });
    let path = local("__path");
    let build_path = route.path.segments.iter().map(|segment| match segment {
        Segment::Literal(literal) => {
            let text = format!("/{literal}");
            quote!(#p::push_literal(&mut #path, #text);)
        }
        Segment::Param(name) => {
            let param = route.path_param(name).expect("checked: every path parameter has an argument");
            let ident = &param.ident;
            let span = param.ty.span();
            let (p_at, path_at) = (module.header.private_at(span), local_at("__path", span));
            let push = quote_spanned!(span=> #p_at::push_param(&mut #path_at, &#ident););
            quote! {
                #p::push_literal(&mut #path, "/");
                #push
            }
        }
    });
    let root = route.path.segments.is_empty().then(|| quote!(#p::push_literal(&mut #path, "/");));
    let body = match route.body() {
        Some(body) => {
            let (ident, ty) = (&body.ident, &body.ty);
            let p_at = module.header.private_at(ty.span());
            quote_spanned!(ty.span()=> ::core::option::Option::Some(#p_at::json_body::<#ty>(#ident)?))
        }
        None => quote!(::core::option::Option::None),
    };
    let body_local = local("__body");
    let prelude = quote! {
        let mut #path = ::std::string::String::new();
        #root
        #(#build_path)*
        let #body_local = #body;
    };
    if route.method == RouteMethod::Notify {
        let doc = format!("Sends {label} (a notification: returns when the broker has taken it).");
        return quote! {
            #(#docs)*
            #[doc = ""]
            #[doc = #doc]
            #vis async fn #method(&self #(, #args)*) -> ::core::result::Result<(), #p::TypedCallError> {
                #prelude
                #p::notify(&self.client, &self.module, #path, #body_local).await
            }
        };
    }
    let wire = super::method_tokens(module, route.method);
    let output = route.output.as_ref().expect("answered routes return a Result");
    let response = local("__response");
    let (result, decode) = match output.kind {
        ReplyKind::Unit => (quote!(()), quote!(#p::decode_unit(#response))),
        ReplyKind::Created => (quote!(#p::Created), quote!(#p::decode_created(#response))),
        ReplyKind::Data => {
            let ok = &output.ok;
            let (p_at, response_at) = (module.header.private_at(ok.span()), local_at("__response", ok.span()));
            (quote!(#ok), quote_spanned!(ok.span()=> #p_at::decode_data::<#ok>(#response_at)))
        }
    };
    let doc = format!("Sends {label} and waits for the response.");
    quote! {
        #(#docs)*
        #[doc = ""]
        #[doc = #doc]
        #vis async fn #method(&self #(, #args)*) -> ::core::result::Result<#result, #p::TypedCallError> {
            #prelude
            let #response = #p::call(&self.client, &self.module, #wire, #path, #body_local).await?;
            #decode
        }
    }
}

/// Path parameters of primitive types are taken by value, `String` as `&str`, others by
/// reference.
fn client_param_type(param: &ParamDef) -> TokenStream {
    const BY_VALUE: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "bool",
        "char",
    ];
    match &param.ty {
        syn::Type::Path(path)
            if path.qself.is_none()
                && path.path.get_ident().is_some_and(|ident| BY_VALUE.contains(&ident.to_string().as_str())) =>
        {
            let ty = &param.ty;
            quote!(#ty)
        }
        _ => borrowed_param(param),
    }
}
