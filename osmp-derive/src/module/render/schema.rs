//! `sensor_net_schema()`: the module's description (its routes, documentation and types),
//! a `static` built from what the trait declares.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::tokens::{allow_dead_code, json_schema_fn};
use crate::module::ir::{ModuleDef, ReplyKind, RouteDef, RouteMethod};

pub fn render(module: &ModuleDef) -> TokenStream {
    let p = module.header.private();
    let vis = &module.header.vis;
    let schema_fn = module.header.schema_fn_ident();
    let allow = allow_dead_code(vis);
    let name = &module.header.name.value;
    let (description, long_description) = (&module.header.docs.description, &module.header.docs.long_description);
    let routes = module.routes.iter().map(|route| route_schema(module, route));
    let doc = format!(
        "The schema of the OMCP module `{name}` ([`{}`]): its routes, documentation and types.",
        module.header.ident
    );
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
    let p = module.header.private();
    let method = super::method_tokens(module, route.method);
    let path = &route.path.template;
    let name = route.ident.to_string();
    let (description, long_description) = (&route.docs.description, &route.docs.long_description);
    let params = route.path.params().map(|param_name| {
        let param = route.path_param(param_name).expect("checked: every path parameter has an argument");
        let description = &param.description;
        let schema = json_schema_fn(&module.header, &param.ty);
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
            let schema = json_schema_fn(&module.header, &body.ty);
            quote!(::core::option::Option::Some(#schema))
        }
        None => quote!(::core::option::Option::None),
    };
    let (response, success) = match route.output.as_ref().map(|output| (output.kind, &output.ok)) {
        Some((ReplyKind::Data, ok)) => {
            let schema = json_schema_fn(&module.header, ok);
            (quote!(::core::option::Option::Some(#schema)), quote!(::core::option::Option::Some(#p::StatusCode::Ok)))
        }
        Some((ReplyKind::Unit, _)) if route.method != RouteMethod::Notify => {
            (quote!(::core::option::Option::None), quote!(::core::option::Option::Some(#p::StatusCode::Ok)))
        }
        Some((ReplyKind::Created, _)) => {
            (quote!(::core::option::Option::None), quote!(::core::option::Option::Some(#p::StatusCode::Created)))
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
