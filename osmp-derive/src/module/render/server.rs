//! `SensorNetServer<T>`: the runtime's `Module` that decodes each route's path parameters
//! and body and calls the user's implementation (the struct itself is rendered by
//! `internals::server`).

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::arg_ident_and_type;
use crate::internals::server::{call_arm, let_decoded, wrapper};
use crate::internals::tokens::{local, local_at};
use crate::module::ir::{ModuleDef, ReplyKind, RouteArg, RouteDef};

pub fn render(module: &ModuleDef) -> TokenStream {
    let p = module.header.private();
    let (trait_ident, server) = (&module.header.ident, module.header.server_ident());
    let schema_fn = module.header.schema_fn_ident();
    let (route, params, request) = (local("__route"), local("__params"), local("__request"));
    let arms = module.routes.iter().enumerate().map(|(index, route)| server_arm(module, index, route));
    let name = &module.header.name.value;
    let doc = format!(
        "Serves [`{trait_ident}`] as the OMCP module `{name}`: decodes path parameters and bodies, calls the \
         implementation, answers with its result.\n\nServe it with `Server::builder(url).module({server}::new(implementation))`."
    );
    let wrapper = wrapper(&module.header, &doc);
    quote! {
        #wrapper

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
                        #p::StatusCode::InternalServerError,
                        ::std::format!("the module '{}' has no route number {}", #name, #route),
                    )),
                }
            }
        }
    }
}

/// Decodes the path parameters and the body (a failure is answered at once), then runs the
/// method as [`call_arm`] does.
fn server_arm(module: &ModuleDef, index: usize, route: &RouteDef) -> TokenStream {
    let p = module.header.private();
    let (params, request, result) = (local("__params"), local("__request"), local("__result"));
    let template_params: Vec<&str> = route.path.params().collect();
    let decode = route.args.iter().map(|arg| {
        let taken = match arg {
            RouteArg::Request { .. } => return TokenStream::new(),
            RouteArg::Path(param) => {
                let position = template_params.iter().position(|name| *name == param.name.value).unwrap_or_default();
                let position = Literal::usize_unsuffixed(position);
                let (ty, name) = (&param.ty, &param.name.value);
                let p_at = module.header.private_at(ty.span());
                quote_spanned!(ty.span()=> #p_at::path_param::<#ty>(&#params, #position, #name))
            }
            RouteArg::Body(body) => {
                let ty = &body.ty;
                let p_at = module.header.private_at(ty.span());
                quote_spanned!(ty.span()=> #p_at::body::<#ty>(&#request))
            }
        };
        let_decoded(&module.header, arg_ident_and_type(arg).0, taken)
    });
    // The request goes to its argument after the body was read from it.
    let pass_request = route.args.iter().find_map(|arg| match arg {
        RouteArg::Request { ident, .. } => Some(quote!(let #ident = #request;)),
        _ => None,
    });
    let call_args = route.args.iter().map(|arg| arg_ident_and_type(arg).0);
    // The conversions are spanned at the declared types, so that an error type without
    // `From` or a result without `Serialize` is reported there rather than at the attribute.
    let reply = match &route.output {
        None => quote!({ let () = #result; #p::reply_notified() }),
        Some(output) => {
            let (ok, value) = (&output.ok, local("__value"));
            let convert = match &output.err {
                Some(err) => {
                    let (p_err, result_at) = (module.header.private_at(err.span()), local_at("__result", err.span()));
                    quote_spanned!(err.span()=> let #value = #p_err::route_result::<#ok, #err>(#result_at);)
                }
                None => {
                    let span = output.ty.span();
                    let (p_at, result_at) = (module.header.private_at(span), local_at("__result", span));
                    quote_spanned!(span=> let #value = #p_at::route_result(#result_at);)
                }
            };
            let (p_ok, value_at) = (module.header.private_at(ok.span()), local_at("__value", ok.span()));
            let finish = match output.kind {
                ReplyKind::Unit => quote!(#p::reply_unit(#value)),
                ReplyKind::Created => quote!(#p::reply_created(#value)),
                ReplyKind::Data => quote_spanned!(ok.span()=> #p_ok::reply_data::<#ok>(#value_at)),
            };
            quote!({ #convert #finish })
        }
    };
    call_arm(&module.header, index, quote!(#(#decode)* #pass_request), &route.ident, call_args, reply)
}
