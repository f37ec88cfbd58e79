//! Doc comments become OSMP descriptions: the first paragraph is the `description` that
//! `help` lists, the rest the `long-description` of `help {"cmd": …}`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// A documented item's descriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    /// The first paragraph, on one line.
    pub description: String,
    /// The further paragraphs, each on one line, separated by a blank line.
    pub long_description: String,
}

impl Docs {
    /// The descriptions written in an item's `///` comments (its `#[doc = "…"]` attributes).
    /// Doc attributes that are not string literals (`#[doc = include_str!(…)]`) cannot be
    /// read by a macro and are skipped.
    pub fn from_attrs(attrs: &[Attribute]) -> Docs {
        let text: Vec<String> = attrs.iter().filter_map(doc_text).collect();
        Docs::from_text(&text.join("\n"))
    }

    /// Splits text into paragraphs at blank lines; the lines of a paragraph are trimmed
    /// and joined with a space, except after a Markdown hard line break (a line ending in
    /// `\\`), which becomes the reference's line break `\r\n`.
    pub fn from_text(text: &str) -> Docs {
        let mut paragraphs: Vec<String> = Vec::new();
        let mut current = String::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() {
                if !current.is_empty() {
                    paragraphs.push(std::mem::take(&mut current));
                }
                continue;
            }
            if !current.is_empty() && !current.ends_with('\n') {
                current.push(' ');
            }
            match line.strip_suffix('\\') {
                Some(broken) => {
                    current.push_str(broken.trim_end());
                    current.push_str("\r\n");
                }
                None => current.push_str(line),
            }
        }
        if !current.is_empty() {
            paragraphs.push(current);
        }
        let mut paragraphs = paragraphs.into_iter();
        Docs {
            description: paragraphs.next().unwrap_or_default(),
            long_description: paragraphs.collect::<Vec<_>>().join("\n\n"),
        }
    }
}

/// Whether an attribute is a doc comment.
pub fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

/// The user's attributes (doc comments included), then `note` as a paragraph of its own:
/// the documentation of a generated method.
pub fn with_note(attrs: &[Attribute], note: &str) -> TokenStream {
    let separator = attrs.iter().any(is_doc).then(|| quote!(#[doc = ""]));
    quote! {
        #(#attrs)*
        #separator
        #[doc = #note]
    }
}

fn doc_text(attr: &Attribute) -> Option<String> {
    if !is_doc(attr) {
        return None;
    }
    match &attr.meta {
        Meta::NameValue(meta) => match &meta.value {
            Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) => Some(text.value()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_line_breaks_become_reference_line_breaks() {
        let docs = Docs::from_text("Lists.\n\nWithout parameters, all.\\\nWith 'cmd', one\nin detail.");
        assert_eq!(docs.long_description, "Without parameters, all.\r\nWith 'cmd', one in detail.");
    }

    fn docs(attrs: proc_macro2::TokenStream) -> Docs {
        let item: syn::ItemFn = syn::parse2(quote::quote!(#attrs fn f() {})).unwrap();
        Docs::from_attrs(&item.attrs)
    }

    #[test]
    fn first_paragraph_is_the_description() {
        let docs = docs(quote::quote! {
            /// Create a new or change an existing announcement.
            ///
            /// The id is chosen by
            ///   the client.
            ///
            ///
            /// Delete calls you no longer need.
        });
        assert_eq!(docs.description, "Create a new or change an existing announcement.");
        assert_eq!(docs.long_description, "The id is chosen by the client.\n\nDelete calls you no longer need.");
    }

    #[test]
    fn lines_of_a_paragraph_are_joined() {
        let docs = Docs::from_text(" Start an existing\n announcement.  ");
        assert_eq!(
            docs,
            Docs { description: "Start an existing announcement.".into(), long_description: String::new() }
        );
    }

    #[test]
    fn multi_line_attributes_and_other_attributes() {
        let docs = docs(quote::quote! {
            #[doc = "\n  Lists announcements.\n"]
            #[inline]
            #[doc = "\n\nSecond."]
            #[doc = include_str!("unreadable.md")]
        });
        assert_eq!(docs.description, "Lists announcements.");
        assert_eq!(docs.long_description, "Second.");
    }

    #[test]
    fn no_docs() {
        assert_eq!(docs(quote::quote!()), Docs::default());
    }
}
