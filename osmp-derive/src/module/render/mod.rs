//! [`ModuleDef`] → tokens: the trait (every route with a 501 default), `XServer<T>` (the
//! runtime's `Module`), `XClient` and `x_schema()`. Like the instruction-set renderers,
//! these read only the description, reach the runtime through `#krate::__private`, and
//! span trait-bound checks at the user's types.

pub mod client;
pub mod schema;
pub mod server;
pub mod trait_def;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ir::{ModuleDef, RouteArg, RouteDef, RouteMethod};

/// Everything generated for a valid module.
pub fn render(module: &ModuleDef) -> TokenStream {
    let trait_def = trait_def::render(module);
    let schema = schema::render(module);
    let server = server::render(module);
    let client = client::render(module);
    quote! {
        #trait_def
        #schema
        #server
        #client
    }
}

pub fn method_tokens(module: &ModuleDef, method: RouteMethod) -> TokenStream {
    let p = module.header.private();
    let variant = format_ident!("{}", method.variant());
    quote!(#p::Method::#variant)
}

/// `GET /sensors/{id}`.
pub fn route_label(route: &RouteDef) -> String {
    format!("{} {}", route.method.wire(), route.path.template)
}

/// The identifier and declared type of a route argument.
pub fn arg_ident_and_type(arg: &RouteArg) -> (&syn::Ident, &syn::Type) {
    match arg {
        RouteArg::Path(param) => (&param.ident, &param.ty),
        RouteArg::Body(body) => (&body.ident, &body.ty),
        RouteArg::Request { ident, ty } => (ident, ty),
    }
}
