//! The parts of the IR both macros share: names on the wire, parameters, whole-data
//! arguments (a `#[flatten]` struct, a route's body) and declared results.

use heck::ToKebabCase;
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Ident, LitStr, Type};

/// A name on the wire (`vcall-create`), with where it came from for error messages.
#[derive(Debug, Clone)]
pub struct Name {
    pub value: String,
    /// The literal that gave it, or the Rust identifier it was derived from.
    pub span: Span,
    /// Whether it was derived from a Rust identifier rather than written out.
    pub derived: bool,
}

/// A name written in an attribute (`name = "…"`), or else the identifier's in kebab case.
pub fn name_or_derived(written: Option<LitStr>, ident: &Ident) -> Name {
    match written {
        Some(literal) => written_name(&literal),
        None => Name { value: ident.unraw().to_string().to_kebab_case(), span: ident.span(), derived: true },
    }
}

/// The name a string literal gives.
pub fn written_name(literal: &LitStr) -> Name {
    Name { value: literal.value(), span: literal.span(), derived: false }
}

/// A parameter of a command, a field of an event declared with an argument list, or a
/// parameter of a route's path.
#[derive(Clone)]
pub struct ParamDef {
    pub ident: Ident,
    /// The name in `data` (`call-id`), or in the path template.
    pub name: Name,
    /// `#[param(doc = "…")]`.
    pub description: String,
    /// The declared type.
    pub ty: Type,
    /// For `Option<T>`, the `T`: the parameter is optional.
    pub optional: Option<Type>,
}

impl ParamDef {
    /// The type decoded from JSON: `T` for both `T` and `Option<T>`.
    pub fn value_ty(&self) -> &Type {
        self.optional.as_ref().unwrap_or(&self.ty)
    }
}

/// A `#[flatten]` argument, or a route's body: the whole data decoded at once.
#[derive(Clone)]
pub struct FlattenDef {
    pub ident: Ident,
    pub ty: Type,
}

/// What a command's (or a route's) `Result<T, E>` carries; `K` says how `T` is answered.
pub struct OutputDef<K> {
    /// The declared return type, as written.
    pub ty: Type,
    /// `T`.
    pub ok: Type,
    /// `E`, unless the type is an alias like `io::Result<T>` that names no error type.
    pub err: Option<Type>,
    pub kind: K,
}
