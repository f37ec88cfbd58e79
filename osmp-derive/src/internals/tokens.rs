//! Token helpers of generated code: respanned tokens, hygienic locals, the dead-code
//! allowance, borrowed parameter types and schema functions.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Visibility};

use super::header::TraitHeader;
use super::ir::ParamDef;

/// The tokens with every token (and group) at `span`.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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

/// How generated methods take a parameter or field they only serialize: `&str` for
/// `String`, `&[T]` for `Vec<T>`, `Option<&T>` (and so on) for optional ones, `&T` otherwise.
pub fn borrowed_param(param: &ParamDef) -> TokenStream {
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

/// How a generated method of an instruction set (a typed client's command, an event
/// emitter's event) takes a parameter or field it only serializes: owned values and
/// references alike.
pub struct PassedParam {
    /// The argument's type: `impl AsRef<str>` for `String`, `impl AsRef<[T]>` for `Vec<T>`,
    /// `impl Borrow<T>` otherwise; for an optional one `Option<&str>`, `Option<&[T]>` or
    /// `Option<&T>` (an `impl Trait` inside the `Option` would leave `None` without a type).
    pub ty: TokenStream,
    /// The type serialized: `str`, `[T]` or `T`.
    pub encoded: TokenStream,
    /// An expression of type `&encoded` (for a required one) or `Option<&encoded>`.
    pub value: TokenStream,
}

/// How `param`, named `ident` in the generated method, is passed (see [`PassedParam`]).
pub fn passed_param(param: &ParamDef) -> PassedParam {
    let ident = &param.ident;
    let (ty, optional) = match &param.optional {
        Some(inner) => (inner, true),
        None => (&param.ty, false),
    };
    // `String` and `Vec<T>` are passed as what they dereference to, so that `"lab"`,
    // `&name`, `name` and `["a".to_owned()]` all fit.
    let (encoded, as_ref) = match last_segment(ty) {
        Some((name, None)) if name == "String" => (quote!(str), true),
        Some((name, Some(element))) if name == "Vec" => (quote!([#element]), true),
        _ => (quote!(#ty), false),
    };
    if optional {
        return PassedParam { ty: quote!(::core::option::Option<&#encoded>), value: quote!(#ident), encoded };
    }
    let (ty, value) = if as_ref {
        (quote!(impl ::core::convert::AsRef<#encoded>), quote!(::core::convert::AsRef::<#encoded>::as_ref(&#ident)))
    } else {
        (quote!(impl ::core::borrow::Borrow<#encoded>), quote!(::core::borrow::Borrow::<#encoded>::borrow(&#ident)))
    };
    PassedParam { ty, encoded, value }
}

/// How a whole value (a parameter struct, an event's `#[flatten]` data) named `ident` is
/// passed: `impl Borrow<T>`.
pub fn passed_whole(ident: &Ident, ty: &syn::Type) -> PassedParam {
    PassedParam {
        ty: quote!(impl ::core::borrow::Borrow<#ty>),
        encoded: quote!(#ty),
        value: quote!(::core::borrow::Borrow::<#ty>::borrow(&#ident)),
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

/// `<T as JsonSchema>::json_schema`, reported at `T` when it does not implement it.
pub fn json_schema_fn(header: &TraitHeader, ty: &syn::Type) -> TokenStream {
    let p = header.private_at(ty.span());
    quote_spanned!(ty.span()=> <#ty as #p::schemars::JsonSchema>::json_schema)
}
