//! IR → tokens. One module per generated item, each reading only the [`SetDef`]; a typed
//! client can be added as one more module over the same IR.

pub mod client;
pub mod events;
pub mod schema;
pub mod server;
pub mod trait_def;

use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{Ident, Visibility};

use crate::ir::SetDef;

/// Everything generated for a valid set.
pub fn render(set: &SetDef) -> TokenStream {
    let trait_def = trait_def::render(set);
    let schema = schema::render(set);
    let server = server::render(set);
    let events = events::render(set);
    let client = client::render(set);
    quote! {
        #trait_def
        #schema
        #server
        #events
        #client
    }
}

/// `#krate::__private`: generated code reaches the runtime only through this module.
pub fn private(set: &SetDef) -> TokenStream {
    private_of(&set.krate)
}

/// `#krate::__private` with every token at `span`, for calls whose trait bounds should be
/// reported at the user's type rather than at the attribute.
pub fn private_at(set: &SetDef, span: Span) -> TokenStream {
    respan(private(set), span)
}

/// `#krate::__private` of any crate path (the runtime's, or `omcp`'s for `#[module]`).
pub fn private_of(krate: &syn::Path) -> TokenStream {
    quote!(#krate::__private)
}

/// [`private_of`] with every token at `span`.
pub fn private_of_at(krate: &syn::Path, span: Span) -> TokenStream {
    respan(private_of(krate), span)
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// `Vd1Server`.
pub fn server_ident(set: &SetDef) -> Ident {
    format_ident!("{}Server", set.ident)
}

/// `Vd1Events`.
pub fn events_ident(set: &SetDef) -> Ident {
    format_ident!("{}Events", set.ident)
}

/// `vd1_schema`.
pub fn schema_fn_ident(set: &SetDef) -> Ident {
    format_ident!("{}_schema", set.ident.to_string().to_snake_case())
}

/// A local variable of generated code that user code can neither see nor shadow.
pub fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// A local variable of generated code located at user code: an error about its value is
/// reported at `span` (the user's type), while hygiene still keeps it apart from user code.
pub fn local_at(name: &str, span: Span) -> Ident {
    Ident::new(name, Span::mixed_site().located_at(span))
}

/// Generated items are as visible as the trait; when that is less than `pub`, the parts a
/// program does not use would be reported as dead code.
pub fn allow_dead_code(vis: &Visibility) -> TokenStream {
    match vis {
        Visibility::Public(_) => TokenStream::new(),
        _ => quote!(#[allow(dead_code)]),
    }
}

/// `&'static str` literal tokens for an optional string: `None` or `Some(Cow::Borrowed("…"))`.
pub fn optional_cow(set: &SetDef, value: Option<&str>) -> TokenStream {
    let p = private(set);
    match value {
        Some(value) => quote!(::core::option::Option::Some(#p::Cow::Borrowed(#value))),
        None => quote!(::core::option::Option::None),
    }
}

/// How generated methods take a parameter or field they only serialize: `&str` for
/// `String`, `&[T]` for `Vec<T>`, `Option<&T>` (and so on) for optional ones, `&T` otherwise.
pub fn borrowed_param(param: &crate::ir::ParamDef) -> TokenStream {
    match &param.optional {
        Some(inner) => {
            let inner = borrowed(inner);
            quote!(::core::option::Option<#inner>)
        }
        None => borrowed(&param.ty),
    }
}

fn borrowed(ty: &syn::Type) -> TokenStream {
    match last_segment(ty) {
        Some((name, None)) if name == "String" => quote!(&str),
        Some((name, Some(element))) if name == "Vec" => quote!(&[#element]),
        _ => quote!(&#ty),
    }
}

/// The last path segment's name and its single type argument, if any.
fn last_segment(ty: &syn::Type) -> Option<(String, Option<&syn::Type>)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    let argument = match &segment.arguments {
        syn::PathArguments::AngleBracketed(args) if args.args.len() == 1 => match &args.args[0] {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    };
    Some((segment.ident.to_string(), argument))
}
