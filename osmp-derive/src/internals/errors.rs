//! Collects every error found in the annotated trait, so that one compilation reports all
//! of them (as serde_derive's `Ctxt` does) instead of one per edit-compile cycle.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// The errors found so far.
#[derive(Default)]
pub struct Errors {
    list: RefCell<Vec<syn::Error>>,
}

impl Errors {
    pub fn new() -> Errors {
        Errors::default()
    }

    /// An error spanning the given tokens.
    pub fn spanned(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// An error at a span.
    pub fn at(&self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    pub fn push(&self, error: syn::Error) {
        self.list.borrow_mut().push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.list.borrow().is_empty()
    }

    /// The messages, for tests.
    #[cfg(test)]
    pub fn messages(&self) -> Vec<String> {
        self.list.borrow().iter().map(ToString::to_string).collect()
    }

    /// Runs `read` with a new collector: what it returned when it reported nothing, and the
    /// messages, for tests.
    #[cfg(test)]
    pub fn collect<T>(read: impl FnOnce(&Errors) -> T) -> (Option<T>, Vec<String>) {
        let errors = Errors::new();
        let value = read(&errors);
        let messages = errors.messages();
        (messages.is_empty().then_some(value), messages)
    }

    /// Every error as a `compile_error!` invocation, in the order found.
    pub fn into_compile_errors(self) -> TokenStream {
        self.list.into_inner().iter().map(syn::Error::to_compile_error).collect()
    }
}
