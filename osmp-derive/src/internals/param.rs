//! `#[param(name = "…", doc = "…")]`, the helper attribute both macros read on an argument
//! to name and document a parameter.

use syn::Attribute;

use super::attr::{helper, reject_duplicates, Args, Spec};
use super::docs::Docs;
use super::errors::Errors;

const PARAM: Spec = Spec { attr: "param", keys: &["name", "doc"], repeatable: &[] };

/// The argument's `#[param]`, if any; a second one is reported.
pub fn find<'a>(attrs: &'a [Attribute], errors: &Errors) -> Option<&'a Attribute> {
    reject_duplicates(attrs, "param", errors);
    helper(attrs, "param")
}

/// The arguments of the `#[param]` found, none without one.
pub fn args(attr: Option<&Attribute>, errors: &Errors) -> Args {
    attr.map_or_else(Args::empty, |attr| Args::from_attr(&PARAM, attr, errors))
}

/// The parameter's description: the first paragraph of `doc = "…"`, empty without it.
pub fn description(args: &Args, errors: &Errors) -> String {
    args.string("doc", errors).map(|doc| Docs::from_text(&doc.value()).description).unwrap_or_default()
}
