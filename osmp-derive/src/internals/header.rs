//! The trait header both macros read: the crate generated code reaches, the trait's
//! visibility, identifier, attributes and supertraits, its name on the wire, its docs and
//! whether a typed client is generated.

use heck::ToSnakeCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, ItemTrait, Path, Token, TypeParamBound, Visibility};

use super::attr::{Args, Spec};
use super::docs::Docs;
use super::errors::Errors;
use super::ir::{name_or_derived, Name};
use super::tokens::respan;

/// The annotated trait as a whole, and the macro arguments that concern it.
pub struct TraitHeader {
    /// Path of the crate in generated code: the runtime (`::osmp`) for an instruction set,
    /// `omcp` (`::osmp::omcp`) for a module, or the `crate = "…"` option.
    pub krate: Path,
    pub vis: Visibility,
    /// The trait's identifier (`Vd1`, `SensorNet`).
    pub ident: Ident,
    /// The trait's attributes other than the macro's own, doc comments included.
    pub attrs: Vec<Attribute>,
    /// The name on the wire: the instruction set's (`vd1`), or the module's (`sensornet`,
    /// whose queue is `osiris.sensornet`).
    pub name: Name,
    pub docs: Docs,
    /// The supertraits the user wrote; `Send + Sync + 'static` are added when rendering.
    pub supertraits: Punctuated<TypeParamBound, Token![+]>,
    /// Whether to generate the typed client (`client = false` turns it off, for traits
    /// whose types cannot be deserialized).
    pub client: bool,
}

impl TraitHeader {
    /// Reads the macro's arguments against `spec` (which accepts `name`, `crate` and
    /// `client` besides the macro's own keys) and the header of `item`, `crate` defaulting
    /// to `default_krate`. `body` reads the rest (the macro's own arguments, the trait's
    /// items) after `crate` and before `name` and `client`, which keeps the errors in the
    /// order the macros have always reported them.
    pub fn parse<B>(
        spec: &Spec,
        default_krate: Path,
        args: TokenStream,
        item: &ItemTrait,
        errors: &Errors,
        body: impl FnOnce(&Args) -> B,
    ) -> (TraitHeader, B) {
        let args = Args::parse(spec, args, errors);
        let krate = args.path("crate", errors).unwrap_or(default_krate);
        let body = body(&args);
        let header = TraitHeader {
            krate,
            vis: item.vis.clone(),
            ident: item.ident.clone(),
            attrs: item.attrs.clone(),
            name: name_or_derived(args.string("name", errors), &item.ident),
            docs: Docs::from_attrs(&item.attrs),
            supertraits: item.supertraits.clone(),
            client: args.bool("client", errors).unwrap_or(true),
        };
        (header, body)
    }

    /// `#krate::__private` (of the runtime, or of `omcp` for `#[module]`): generated code
    /// reaches the runtime only through this module.
    pub fn private(&self) -> TokenStream {
        let krate = &self.krate;
        quote!(#krate::__private)
    }

    /// `#krate::__private` with every token at `span`, for calls whose trait bounds should
    /// be reported at the user's type rather than at the attribute.
    pub fn private_at(&self, span: Span) -> TokenStream {
        respan(self.private(), span)
    }

    /// `Vd1Server`.
    pub fn server_ident(&self) -> Ident {
        format_ident!("{}Server", self.ident)
    }

    /// `Vd1Client`.
    pub fn client_ident(&self) -> Ident {
        format_ident!("{}Client", self.ident)
    }

    /// `vd1_schema`.
    pub fn schema_fn_ident(&self) -> Ident {
        format_ident!("{}_schema", self.ident.to_string().to_snake_case())
    }
}
