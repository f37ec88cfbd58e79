//! The shape rules both macros enforce on the trait and its methods: a plain trait, plain
//! `fn`s without qualifiers or generics, plain argument names, owned argument types.

use syn::{Ident, ItemTrait, Pat, Receiver, Signature, Type};

use super::errors::Errors;

/// How messages name what a macro reads, so that both macros share the checks.
pub struct Nouns {
    /// `an instruction set trait`.
    pub a_trait: &'static str,
    /// `commands`: what the trait's methods are.
    pub items: &'static str,
    /// `commands and events`: every kind of method.
    pub all_items: &'static str,
}

/// The trait itself must be a plain, non-generic trait.
pub fn check_trait_shape(item: &ItemTrait, nouns: &Nouns, errors: &Errors) {
    let Nouns { a_trait, items, .. } = nouns;
    if !item.generics.params.is_empty() {
        errors.spanned(
            &item.generics,
            format!(
                "{a_trait} cannot be generic: the server needs one concrete table of {items}; \
                 remove the generic parameters"
            ),
        );
    }
    if let Some(clause) = &item.generics.where_clause {
        errors.spanned(clause, format!("remove the `where` clause: {a_trait} cannot be generic"));
    }
    if let Some(unsafety) = &item.unsafety {
        errors.spanned(unsafety, format!("{a_trait} cannot be `unsafe`"));
    }
    if let Some(auto) = &item.auto_token {
        errors.spanned(auto, format!("{a_trait} cannot be an `auto` trait"));
    }
}

pub fn reject_qualifiers(sig: &Signature, nouns: &Nouns, errors: &Errors) {
    let all = nouns.all_items;
    if let Some(constness) = &sig.constness {
        errors.spanned(constness, format!("remove `const`: {all} cannot be `const fn`"));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(unsafety, format!("remove `unsafe`: {all} cannot be `unsafe fn`"));
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(abi, format!("remove the ABI: {all} are Rust functions"));
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, format!("{all} cannot be variadic"));
    }
}

pub fn reject_generics(sig: &Signature, kind: &str, errors: &Errors) {
    if !sig.generics.params.is_empty() {
        let only_lifetimes = sig.generics.lifetimes().count() == sig.generics.params.len();
        let message = if only_lifetimes {
            format!(
                "{kind} cannot have lifetime parameters: take `&self` and owned arguments (`String`, not `&'a str`)"
            )
        } else {
            format!(
                "{kind} cannot be generic: their parameters are decoded from JSON and described in the schema, \
                 so every type must be concrete; remove the generic parameters"
            )
        };
        errors.spanned(&sig.generics, message);
    }
    if let Some(clause) = &sig.generics.where_clause {
        errors.spanned(clause, format!("remove the `where` clause: {kind} cannot be generic"));
    }
}

/// Whether the receiver is a plain `&self` (not `self`, `&mut self`, `&'a self` or
/// `self: Type`): the server calls the methods concurrently on one shared instance.
pub fn is_shared_self(receiver: &Receiver) -> bool {
    receiver.colon_token.is_none() && matches!(&receiver.reference, Some((_, None))) && receiver.mutability.is_none()
}

/// The argument's name: a plain identifier, since it names the parameter.
pub fn arg_ident(pat: &Pat, errors: &Errors) -> Option<Ident> {
    match pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.mutability.is_none() && pat.subpat.is_none() => {
            Some(pat.ident.clone())
        }
        _ => {
            errors.spanned(
                pat,
                "use a plain identifier as the argument: its name is the parameter's name (`mut`, `_` and \
                 destructuring belong in the implementation)",
            );
            None
        }
    }
}

/// Arguments are decoded into owned values (parameters and bodies from JSON, path
/// parameters from text) and event fields are taken by reference by the emitter: owned
/// types only. `because` ends the message about a reference.
pub fn owned_type(ty: &Type, because: &str, errors: &Errors) -> bool {
    match ty {
        Type::Reference(_) => {
            errors.spanned(
                ty,
                format!("use an owned type (`String` rather than `&str`, `Vec<T>` rather than `&[T]`): {because}"),
            );
            false
        }
        Type::ImplTrait(_) => {
            errors
                .spanned(ty, "use a concrete type: `impl Trait` cannot be decoded from JSON or described in a schema");
            false
        }
        _ => true,
    }
}
