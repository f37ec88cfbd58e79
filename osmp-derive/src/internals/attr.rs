//! Generic `key = value` attribute arguments: `#[command(name = "vcall-create", alias = "vcc")]`.
//!
//! Parsing happens in two steps. First the argument list is split into keys and raw value
//! tokens and checked against the keys the attribute accepts (unknown and duplicate keys
//! are reported at the key). Then the caller asks for each key as the type it needs (a
//! string, a `u32`, a type, …), and a value of the wrong form is reported at the value.
//! Every problem goes to [`Errors`] and parsing goes on, so all mistakes show at once.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitInt, LitStr, Meta, Token};

use super::errors::Errors;

/// What an attribute accepts.
pub struct Spec {
    /// The attribute's name, for messages (`command`).
    pub attr: &'static str,
    /// Every key it accepts.
    pub keys: &'static [&'static str],
    /// The keys that may be given more than once (`alias`).
    pub repeatable: &'static [&'static str],
}

/// One `key` or `key = value` argument.
struct Arg {
    key: Ident,
    value: Option<TokenStream>,
}

/// The arguments of one attribute, already checked against its [`Spec`].
pub struct Args {
    args: Vec<Arg>,
}

impl Args {
    /// No arguments.
    pub fn empty() -> Args {
        Args { args: Vec::new() }
    }

    /// Reads the arguments of a helper attribute: `#[name]` or `#[name(…)]`.
    pub fn from_attr(spec: &Spec, attr: &Attribute, errors: &Errors) -> Args {
        match &attr.meta {
            Meta::Path(_) => Args::empty(),
            Meta::List(list) => Args::parse(spec, list.tokens.clone(), errors),
            Meta::NameValue(_) => {
                errors.spanned(attr, format!("expected `#[{0}]` or `#[{0}(key = value, …)]`", spec.attr));
                Args::empty()
            }
        }
    }

    /// Reads an argument list (the tokens between the parentheses).
    pub fn parse(spec: &Spec, tokens: TokenStream, errors: &Errors) -> Args {
        let raw = match parse_raw.parse2(tokens) {
            Ok(raw) => raw,
            Err(error) => {
                errors.push(error);
                return Args::empty();
            }
        };
        let mut args: Vec<Arg> = Vec::new();
        for arg in raw {
            let key = arg.key.unraw().to_string();
            if !spec.keys.contains(&key.as_str()) {
                errors.spanned(&arg.key, unknown_key(spec, &key));
            } else if !spec.repeatable.contains(&key.as_str()) && args.iter().any(|seen| seen.key == key) {
                errors.spanned(&arg.key, format!("duplicate argument `{key}`: give it only once"));
            } else {
                args.push(arg);
            }
        }
        Args { args }
    }

    /// A string argument: `key = "text"`.
    pub fn string(&self, key: &str, errors: &Errors) -> Option<LitStr> {
        self.strings(key, errors).pop()
    }

    /// Every occurrence of a repeatable string argument.
    pub fn strings(&self, key: &str, errors: &Errors) -> Vec<LitStr> {
        self.values(key, errors, &format!("`{key} = \"…\"`"))
            .into_iter()
            .filter_map(|value| parse_value::<LitStr>(value, key, errors))
            .collect()
    }

    /// A list of strings: `key = ["a", "b"]`.
    pub fn string_list(&self, key: &str, errors: &Errors) -> Vec<LitStr> {
        let mut list = Vec::new();
        for value in self.values(key, errors, &format!("`{key} = [\"…\", …]`")) {
            match parse_string_list.parse2(value.clone()) {
                Ok(strings) => list.extend(strings),
                Err(_) => errors.spanned(value, format!("expected a list of string literals: `{key} = [\"…\", …]`")),
            }
        }
        list
    }

    /// A `u32` argument: `key = 2`.
    pub fn u32(&self, key: &str, errors: &Errors) -> Option<u32> {
        let value = *self.values(key, errors, &format!("`{key} = 1`")).first()?;
        let parsed = syn::parse2::<LitInt>(value.clone()).ok().and_then(|int| int.base10_parse::<u32>().ok());
        if parsed.is_none() {
            errors.spanned(value, format!("expected an integer from 0 to {}: `{key} = 1`", u32::MAX));
        }
        parsed
    }

    /// A boolean: `key = true` / `key = false`.
    pub fn bool(&self, key: &str, errors: &Errors) -> Option<bool> {
        let value = *self.values(key, errors, &format!("`{key} = false`")).first()?;
        match syn::parse2::<syn::LitBool>(value.clone()) {
            Ok(flag) => Some(flag.value),
            Err(_) => {
                errors.spanned(value, format!("expected `true` or `false`: `{key} = false`"));
                None
            }
        }
    }

    /// A Rust type: `key = LogEntry`.
    pub fn ty(&self, key: &str, errors: &Errors) -> Option<syn::Type> {
        let value = *self.values(key, errors, &format!("`{key} = Type`")).first()?;
        match syn::parse2::<syn::Type>(value.clone()) {
            Ok(ty) => Some(ty),
            Err(_) => {
                errors.spanned(value, format!("expected a type: `{key} = Type`"));
                None
            }
        }
    }

    /// A path written as a string: `crate = "osmp"`.
    pub fn path(&self, key: &str, errors: &Errors) -> Option<syn::Path> {
        let literal = self.string(key, errors)?;
        match literal.parse_with(syn::Path::parse_mod_style) {
            Ok(path) => Some(path),
            Err(_) => {
                errors.spanned(&literal, format!("expected a path in the string: `{key} = \"osmp\"`"));
                None
            }
        }
    }

    /// The values given for a key; a key given without `= value` is reported.
    fn values(&self, key: &str, errors: &Errors, form: &str) -> Vec<&TokenStream> {
        let given = self.args.iter().filter(|arg| arg.key == key);
        given
            .filter_map(|arg| {
                if arg.value.is_none() {
                    errors.spanned(&arg.key, format!("expected a value: {form}"));
                }
                arg.value.as_ref()
            })
            .collect()
    }
}

/// The first helper attribute of a kind.
pub fn helper<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|attr| attr.path().is_ident(name))
}

/// Reports every helper attribute of a kind after the first: its arguments belong there.
pub fn reject_duplicates(attrs: &[Attribute], name: &str, errors: &Errors) {
    for duplicate in attrs.iter().filter(|attr| attr.path().is_ident(name)).skip(1) {
        errors.spanned(duplicate, format!("duplicate `#[{name}]` attribute: put all arguments into one"));
    }
}

fn unknown_key(spec: &Spec, key: &str) -> String {
    if spec.keys.is_empty() {
        return format!("unknown argument `{key}`: `#[{}]` takes no arguments", spec.attr);
    }
    let expected: Vec<String> = spec.keys.iter().map(|key| format!("`{key}`")).collect();
    format!(
        "unknown argument `{key}` of `#[{}]`, expected one of {}{}",
        spec.attr,
        expected.join(", "),
        super::suggest::did_you_mean(key, spec.keys.iter().copied())
    )
}

fn parse_value<T: syn::parse::Parse>(value: &TokenStream, key: &str, errors: &Errors) -> Option<T> {
    match syn::parse2::<T>(value.clone()) {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            errors.spanned(value, format!("expected a string literal: `{key} = \"…\"`"));
            None
        }
    }
}

/// `key`, `key = value`, … with an optional trailing comma. Keys may be keywords
/// (`crate`).
fn parse_raw(input: ParseStream) -> syn::Result<Vec<Arg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        let key = input.call(Ident::parse_any)?;
        let value = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            let value = value_tokens(input)?;
            if value.is_empty() {
                return Err(syn::Error::new(eq.span, format!("expected a value after `{key} =`")));
            }
            Some(value)
        } else {
            None
        };
        args.push(Arg { key, value });
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(args)
}

/// The tokens of a value: everything up to the next comma that is not inside brackets or
/// a type's angle brackets (`stream = HashMap<String, u32>`).
fn value_tokens(input: ParseStream) -> syn::Result<TokenStream> {
    input.step(|cursor| {
        let mut tokens = TokenStream::new();
        let mut rest = *cursor;
        let mut angle_depth = 0usize;
        let mut after_dash = false;
        while let Some((tree, next)) = rest.token_tree() {
            if let TokenTree::Punct(punct) = &tree {
                match punct.as_char() {
                    ',' if angle_depth == 0 => break,
                    '<' => angle_depth += 1,
                    // `->` in a function type does not close an angle bracket.
                    '>' if !after_dash => angle_depth = angle_depth.saturating_sub(1),
                    _ => {}
                }
                after_dash = punct.as_char() == '-';
            } else {
                after_dash = false;
            }
            tokens.extend(std::iter::once(tree));
            rest = next;
        }
        Ok((tokens, rest))
    })
}

fn parse_string_list(input: ParseStream) -> syn::Result<Vec<LitStr>> {
    let content;
    syn::bracketed!(content in input);
    let list = content.parse_terminated(<LitStr as syn::parse::Parse>::parse, Token![,])?;
    Ok(list.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    const COMMAND: Spec = Spec {
        attr: "command",
        keys: &["name", "alias", "aliases", "version", "stream", "crate"],
        repeatable: &["alias"],
    };

    fn parse(tokens: TokenStream) -> (Args, Vec<String>) {
        let errors = Errors::new();
        let args = Args::parse(&COMMAND, tokens, &errors);
        (args, errors.messages())
    }

    #[test]
    fn reads_values_of_every_kind() {
        let (args, problems) = parse(quote!(
            name = "vcall-create", alias = "vcc", alias = "vc", aliases = ["a", "b",],
            version = 2, stream = HashMap<String, fn(u8) -> Vec<u8>>, crate = "crate",
        ));
        assert!(problems.is_empty(), "{problems:?}");
        let errors = Errors::new();
        assert_eq!(args.string("name", &errors).unwrap().value(), "vcall-create");
        let aliases: Vec<String> = args.strings("alias", &errors).iter().map(LitStr::value).collect();
        assert_eq!(aliases, ["vcc", "vc"]);
        let list: Vec<String> = args.string_list("aliases", &errors).iter().map(LitStr::value).collect();
        assert_eq!(list, ["a", "b"]);
        assert_eq!(args.u32("version", &errors), Some(2));
        let ty = args.ty("stream", &errors).unwrap();
        assert_eq!(ty, syn::parse_quote!(HashMap<String, fn(u8) -> Vec<u8>>));
        let path = args.path("crate", &errors).unwrap();
        assert_eq!(quote!(#path).to_string(), "crate");
        assert!(errors.messages().is_empty(), "{:?}", errors.messages());
    }

    #[test]
    fn unknown_and_duplicate_keys() {
        let (args, problems) = parse(quote!(nmae = "x", name = "a", name = "b", alias = "c", alias = "d"));
        assert_eq!(
            problems,
            [
                "unknown argument `nmae` of `#[command]`, expected one of `name`, `alias`, `aliases`, `version`, `stream`, `crate`; did you mean `name`?",
                "duplicate argument `name`: give it only once",
            ]
        );
        let errors = Errors::new();
        assert_eq!(args.string("name", &errors).unwrap().value(), "a");
        assert_eq!(args.strings("alias", &errors).len(), 2);
    }

    #[test]
    fn values_of_the_wrong_form() {
        let (args, problems) = parse(quote!(name = vcall, version = "2", aliases = "a", alias));
        assert!(problems.is_empty());
        let errors = Errors::new();
        assert!(args.string("name", &errors).is_none());
        assert!(args.u32("version", &errors).is_none());
        assert!(args.string_list("aliases", &errors).is_empty());
        assert!(args.strings("alias", &errors).is_empty());
        assert_eq!(
            errors.messages(),
            [
                "expected a string literal: `name = \"…\"`",
                "expected an integer from 0 to 4294967295: `version = 1`",
                "expected a list of string literals: `aliases = [\"…\", …]`",
                "expected a value: `alias = \"…\"`",
            ]
        );
    }

    #[test]
    fn syntax_errors() {
        let (_, problems) = parse(quote!(name = ));
        assert_eq!(problems, ["expected a value after `name =`"]);
        let (_, problems) = parse(quote!(name "x"));
        assert_eq!(problems, ["expected `,`"]);
        let errors = Errors::new();
        Args::parse(&Spec { attr: "flatten", keys: &[], repeatable: &[] }, quote!(x), &errors);
        assert_eq!(errors.messages(), ["unknown argument `x`: `#[flatten]` takes no arguments"]);
    }
}
