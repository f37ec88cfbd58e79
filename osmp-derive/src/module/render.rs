//! [`ModuleDef`] → tokens: the trait (every route with a 501 default), `XServer<T>` (the
//! runtime's `Module`), `XClient` and `x_schema()`. Like the instruction-set renderers,
//! these read only the description, reach the runtime through `#krate::__private`, and
//! span trait-bound checks at the user's types.

use heck::ToSnakeCase;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemTrait, Pat, TraitItem};

use super::parse::is_helper;
use crate::ir::{ModuleDef, ParamDef, ReplyKind, RouteArg, RouteDef, RouteMethod, Segment};
use crate::render::{allow_dead_code, borrowed_param, local, local_at, private_of, private_of_at};

/// Everything generated for a valid module.
pub fn render(module: &ModuleDef) -> TokenStream {
    let trait_def = trait_def(module);
    let schema = schema(module);
    let server = server(module);
    let client = client(module);
    quote! {
        #trait_def
        #schema
        #server
        #client
    }
}

fn server_ident(module: &ModuleDef) -> syn::Ident {
    format_ident!("{}Server", module.ident)
}

fn client_ident(module: &ModuleDef) -> syn::Ident {
    format_ident!("{}Client", module.ident)
}

fn schema_fn_ident(module: &ModuleDef) -> syn::Ident {
    format_ident!("{}_schema", module.ident.to_string().to_snake_case())
}

fn method_tokens(module: &ModuleDef, method: RouteMethod) -> TokenStream {
    let p = private_of(&module.krate);
    let variant = format_ident!("{}", method.variant());
    quote!(#p::Method::#variant)
}

/// `GET /sensors/{id}`.
fn route_label(route: &RouteDef) -> String {
    format!("{} {}", route.method.wire(), route.path.template)
}

// ---------------------------------------------------------------------------------------
// The trait

/// Every `async fn` becomes a `fn` returning `impl Future + Send` with a default body that
/// answers 501 (NOTIFY: ignores the notification), so an `impl` implements what it serves.
fn trait_def(module: &ModuleDef) -> TokenStream {
    let ModuleDef { vis, ident, attrs, supertraits, .. } = module;
    let plus = (!supertraits.is_empty()).then(|| quote!(+));
    let methods = module.routes.iter().map(|route| trait_method(module, route));
    quote! {
        #(#attrs)*
        #vis trait #ident: #supertraits #plus ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
        }
    }
}

fn trait_method(module: &ModuleDef, route: &RouteDef) -> TokenStream {
    let p = private_of(&module.krate);
    let RouteDef { ident, attrs, .. } = route;
    let args: Vec<(&syn::Ident, &syn::Type)> = route.args.iter().map(arg_ident_and_type).collect();
    let declared = args.iter().map(|(ident, ty)| quote!(#ident: #ty));
    let used = args.iter().map(|(ident, _)| ident);
    let (wire, path) = (route.method.wire(), &route.path.template);
    let (output, default) = match &route.output {
        Some(output) => {
            let ty = &output.ty;
            let span = output.err.as_ref().map_or_else(|| ty.span(), Spanned::span);
            let p_at = private_of_at(&module.krate, span);
            let error = quote_spanned!(span=> #p_at::not_implemented(#wire, #path));
            (quote!(#ty), quote!(async move { ::core::result::Result::Err(#error) }))
        }
        None => (quote!(()), quote!(async move { #p::notify_not_implemented(#path) })),
    };
    let separator = attrs.iter().any(crate::docs::is_doc).then(|| quote!(#[doc = ""]));
    let note = format!(
        "OMCP route `{}`{}. Answers `501 NOT IMPLEMENTED` unless implemented.",
        route_label(route),
        match route.output.as_ref().map(|output| output.kind) {
            None => " (never answered)",
            Some(ReplyKind::Created) => " (201 and the location)",
            Some(ReplyKind::Unit) => " (an empty 200)",
            Some(ReplyKind::Data) => " (200 with the result as JSON)",
        }
    );
    quote! {
        #(#attrs)*
        #separator
        #[doc = #note]
        fn #ident(&self #(, #declared)*) -> impl ::core::future::Future<Output = #output> + ::core::marker::Send {
            let _ = (#(&#used,)*);
            #default
        }
    }
}

fn arg_ident_and_type(arg: &RouteArg) -> (&syn::Ident, &syn::Type) {
    match arg {
        RouteArg::Path(param) => (&param.ident, &param.ty),
        RouteArg::Body(body) => (&body.ident, &body.ty),
        RouteArg::Request { ident, ty } => (ident, ty),
    }
}

/// The trait emitted beside the errors when the input is invalid: helper attributes and
/// `const` removed, argument patterns replaced by `_`, everything else as written, so that code
/// using the trait does not add "cannot find trait" errors to the real ones.
pub fn fallback(item: &ItemTrait) -> TokenStream {
    let mut item = item.clone();
    for trait_item in &mut item.items {
        if let TraitItem::Fn(method) = trait_item {
            method.attrs.retain(|attr| !is_helper(attr));
            method.sig.constness = None;
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

// ---------------------------------------------------------------------------------------
// The server

fn server(module: &ModuleDef) -> TokenStream {
    let p = private_of(&module.krate);
    let (vis, trait_ident, server) = (&module.vis, &module.ident, server_ident(module));
    let schema_fn = schema_fn_ident(module);
    let allow = allow_dead_code(vis);
    let (route, params, request) = (local("__route"), local("__params"), local("__request"));
    let arms = module.routes.iter().enumerate().map(|(index, route)| server_arm(module, index, route));
    let name = &module.name.value;
    let doc = format!(
        "Serves [`{trait_ident}`] as the OMCP module `{name}`: decodes path parameters and bodies, calls the \
         implementation, answers with its result.\n\nServe it with `Server::builder(url).module({server}::new(implementation))`."
    );
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

        impl<T: #trait_ident> #p::Module for #server<T> {
            fn schema(&self) -> &#p::ModuleSchema {
                #schema_fn()
            }

            fn call(
                &self,
                #route: usize,
                #params: ::std::vec::Vec<::std::string::String>,
                #request: #p::Request,
            ) -> #p::HandlerFuture {
                match #route {
                    #(#arms)*
                    _ => #p::ready(#p::Response::error(
                        #p::Status::InternalServerError,
                        ::std::format!("the module '{}' has no route number {}", #name, #route),
                    )),
                }
            }
        }
    }
}

/// Decodes the path parameters and the body (a failure is answered at once), then runs the
/// method in a `'static` future that owns a clone of the `Arc`.
fn server_arm(module: &ModuleDef, index: usize, route: &RouteDef) -> TokenStream {
    let p = private_of(&module.krate);
    let (params, request, this, result) = (local("__params"), local("__request"), local("__this"), local("__result"));
    let index = Literal::usize_unsuffixed(index);
    let template_params: Vec<&str> = route.path.params().collect();
    let decode = route.args.iter().map(|arg| {
        let (value, error) = (local("value"), local("error"));
        let taken = match arg {
            RouteArg::Request { .. } => return TokenStream::new(),
            RouteArg::Path(param) => {
                let position = template_params.iter().position(|name| *name == param.name.value).unwrap_or_default();
                let position = Literal::usize_unsuffixed(position);
                let (ty, name) = (&param.ty, &param.name.value);
                let p_at = private_of_at(&module.krate, ty.span());
                quote_spanned!(ty.span()=> #p_at::path_param::<#ty>(&#params, #position, #name))
            }
            RouteArg::Body(body) => {
                let ty = &body.ty;
                let p_at = private_of_at(&module.krate, ty.span());
                quote_spanned!(ty.span()=> #p_at::body::<#ty>(&#request))
            }
        };
        let ident = arg_ident_and_type(arg).0;
        quote! {
            let #ident = match #taken {
                ::core::result::Result::Ok(#value) => #value,
                ::core::result::Result::Err(#error) => return #p::ready_err(#error),
            };
        }
    });
    // The request goes to its argument after the body was read from it.
    let pass_request = route.args.iter().find_map(|arg| match arg {
        RouteArg::Request { ident, .. } => Some(quote!(let #ident = #request;)),
        _ => None,
    });
    let call_args = route.args.iter().map(|arg| arg_ident_and_type(arg).0);
    let (trait_ident, method) = (&module.ident, &route.ident);
    // The conversions are spanned at the declared types, so that an error type without
    // `From` or a result without `Serialize` is reported there rather than at the attribute.
    let reply = match &route.output {
        None => quote!({ let () = #result; #p::reply_notified() }),
        Some(output) => {
            let (ok, value) = (&output.ok, local("__value"));
            let convert = match &output.err {
                Some(err) => {
                    let (p_err, result_at) =
                        (private_of_at(&module.krate, err.span()), local_at("__result", err.span()));
                    quote_spanned!(err.span()=> let #value = #p_err::route_result::<#ok, #err>(#result_at);)
                }
                None => {
                    let span = output.ty.span();
                    let (p_at, result_at) = (private_of_at(&module.krate, span), local_at("__result", span));
                    quote_spanned!(span=> let #value = #p_at::route_result(#result_at);)
                }
            };
            let (p_ok, value_at) = (private_of_at(&module.krate, ok.span()), local_at("__value", ok.span()));
            let finish = match output.kind {
                ReplyKind::Unit => quote!(#p::reply_unit(#value)),
                ReplyKind::Created => quote!(#p::reply_created(#value)),
                ReplyKind::Data => quote_spanned!(ok.span()=> #p_ok::reply_data::<#ok>(#value_at)),
            };
            quote!({ #convert #finish })
        }
    };
    quote! {
        #index => {
            #(#decode)*
            #pass_request
            let #this = #p::Arc::clone(&self.inner);
            ::std::boxed::Box::pin(async move {
                let #result = <T as #trait_ident>::#method(&#this #(, #call_args)*).await;
                #reply
            })
        }
    }
}

// ---------------------------------------------------------------------------------------
// The client

fn client(module: &ModuleDef) -> TokenStream {
    if !module.client {
        return TokenStream::new();
    }
    let p = private_of(&module.krate);
    let (vis, client) = (&module.vis, client_ident(module));
    let allow = allow_dead_code(vis);
    let name = &module.name.value;
    let methods = module.routes.iter().map(|route| client_method(module, route));
    let new_doc = format!("Calls the module `{name}` through a connected client.");
    let doc = format!(
        "Calls the OMCP module `{name}` ([`{}`]) with typed path parameters, bodies and results.\n\n\
         Each route is a method; an error response is `CallError::Status` with its status and message.",
        module.ident
    );
    quote! {
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        #vis struct #client {
            client: #p::Client,
            module: ::std::string::String,
        }

        #allow
        impl #client {
            #[doc = #new_doc]
            #vis fn new(client: &#p::Client) -> Self {
                Self::with_module(client, #name)
            }

            /// Calls another module that serves the same routes.
            #vis fn with_module(client: &#p::Client, module: impl ::core::convert::Into<::std::string::String>) -> Self {
                Self { client: ::core::clone::Clone::clone(client), module: module.into() }
            }

            /// The untyped client underneath.
            #vis fn client(&self) -> &#p::Client {
                &self.client
            }

            /// The module it calls.
            #vis fn module(&self) -> &str {
                &self.module
            }

            #(#methods)*
        }
    }
}

fn client_method(module: &ModuleDef, route: &RouteDef) -> TokenStream {
    let p = private_of(&module.krate);
    let vis = &module.vis;
    let method = &route.ident;
    let docs = route.attrs.iter().filter(|attr| crate::docs::is_doc(attr));
    let label = format!("`{}`", route_label(route));
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
            let (p_at, path_at) = (private_of_at(&module.krate, span), local_at("__path", span));
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
            let p_at = private_of_at(&module.krate, ty.span());
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
            #vis async fn #method(&self #(, #args)*) -> ::core::result::Result<(), #p::CallError> {
                #prelude
                #p::notify(&self.client, &self.module, #path, #body_local).await
            }
        };
    }
    let wire = method_tokens(module, route.method);
    let output = route.output.as_ref().expect("answered routes return a Result");
    let response = local("__response");
    let (result, decode) = match output.kind {
        ReplyKind::Unit => (quote!(()), quote!(#p::decode_unit(#response))),
        ReplyKind::Created => (quote!(#p::Created), quote!(#p::decode_created(#response))),
        ReplyKind::Data => {
            let ok = &output.ok;
            let (p_at, response_at) = (private_of_at(&module.krate, ok.span()), local_at("__response", ok.span()));
            (quote!(#ok), quote_spanned!(ok.span()=> #p_at::decode_data::<#ok>(#response_at)))
        }
    };
    let doc = format!("Sends {label} and waits for the response.");
    quote! {
        #(#docs)*
        #[doc = ""]
        #[doc = #doc]
        #vis async fn #method(&self #(, #args)*) -> ::core::result::Result<#result, #p::CallError> {
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

// ---------------------------------------------------------------------------------------
// The schema

fn schema(module: &ModuleDef) -> TokenStream {
    let p = private_of(&module.krate);
    let vis = &module.vis;
    let schema_fn = schema_fn_ident(module);
    let allow = allow_dead_code(vis);
    let name = &module.name.value;
    let (description, long_description) = (&module.docs.description, &module.docs.long_description);
    let routes = module.routes.iter().map(|route| route_schema(module, route));
    let doc =
        format!("The schema of the OMCP module `{name}` ([`{}`]): its routes, documentation and types.", module.ident);
    quote! {
        #[doc = #doc]
        #allow
        #vis fn #schema_fn() -> &'static #p::ModuleSchema {
            static SCHEMA: #p::ModuleSchema = #p::ModuleSchema {
                name: #p::Cow::Borrowed(#name),
                description: #p::Cow::Borrowed(#description),
                long_description: #p::Cow::Borrowed(#long_description),
                routes: #p::Cow::Borrowed(&[#(#routes),*]),
            };
            &SCHEMA
        }
    }
}

fn route_schema(module: &ModuleDef, route: &RouteDef) -> TokenStream {
    let p = private_of(&module.krate);
    let method = method_tokens(module, route.method);
    let path = &route.path.template;
    let name = route.ident.to_string();
    let (description, long_description) = (&route.docs.description, &route.docs.long_description);
    let params = route.path.params().map(|param_name| {
        let param = route.path_param(param_name).expect("checked: every path parameter has an argument");
        let description = &param.description;
        let schema = json_schema_fn(module, &param.ty);
        quote! {
            #p::ParamSchema {
                name: #p::Cow::Borrowed(#param_name),
                description: #p::Cow::Borrowed(#description),
                schema: ::core::option::Option::Some(#schema),
            }
        }
    });
    let body = match route.body() {
        Some(body) => {
            let schema = json_schema_fn(module, &body.ty);
            quote!(::core::option::Option::Some(#schema))
        }
        None => quote!(::core::option::Option::None),
    };
    let (response, success) = match route.output.as_ref().map(|output| (output.kind, &output.ok)) {
        Some((ReplyKind::Data, ok)) => {
            let schema = json_schema_fn(module, ok);
            (quote!(::core::option::Option::Some(#schema)), quote!(::core::option::Option::Some(#p::Status::Ok)))
        }
        Some((ReplyKind::Unit, _)) if route.method != RouteMethod::Notify => {
            (quote!(::core::option::Option::None), quote!(::core::option::Option::Some(#p::Status::Ok)))
        }
        Some((ReplyKind::Created, _)) => {
            (quote!(::core::option::Option::None), quote!(::core::option::Option::Some(#p::Status::Created)))
        }
        _ => (quote!(::core::option::Option::None), quote!(::core::option::Option::None)),
    };
    quote! {
        #p::RouteSchema {
            method: #method,
            path: #p::Cow::Borrowed(#path),
            name: #p::Cow::Borrowed(#name),
            description: #p::Cow::Borrowed(#description),
            long_description: #p::Cow::Borrowed(#long_description),
            params: #p::Cow::Borrowed(&[#(#params),*]),
            body: #body,
            response: #response,
            success: #success,
        }
    }
}

/// `<T as JsonSchema>::json_schema`, reported at `T` when it does not implement it.
fn json_schema_fn(module: &ModuleDef, ty: &syn::Type) -> TokenStream {
    let p = private_of_at(&module.krate, ty.span());
    quote_spanned!(ty.span()=> <#ty as #p::schemars::JsonSchema>::json_schema)
}
