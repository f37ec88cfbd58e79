//! Rules across items: names must be valid OSMP names and unique within the set.
//!
//! A duplicate is reported at its second occurrence and names the first, so the error
//! points where the conflict was introduced (usually the newer line).

use std::collections::HashMap;

use super::ir::{ArgDef, EventData, SetDef};
use crate::internals::errors::Errors;
use crate::internals::ir::{Name, ParamDef};

/// Lowercase letters and digits in dash-separated words, starting with a letter:
/// `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`.
pub fn is_valid_name(name: &str) -> bool {
    let mut words = name.split('-');
    let first_ok = words.next().is_some_and(|first| first.starts_with(|c: char| c.is_ascii_lowercase()));
    first_ok
        && name
            .split('-')
            .all(|word| !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// An alias may be any short word without spaces: the reference's `help` answers to `?`.
pub fn is_valid_alias(alias: &str) -> bool {
    (1..=64).contains(&alias.len()) && alias.chars().all(|c| c.is_ascii_graphic() && c != '"')
}

/// Method names the generated code uses for itself.
const RESERVED_METHODS: &[&str] = &["new", "client", "on_subscribe"];

/// The event emitter's own methods, which its event methods must not clash with.
const RESERVED_EVENT_METHODS: &[&str] = &["new", "session", "subscriber"];

/// Checks the whole set.
pub fn check(set: &SetDef, errors: &Errors) {
    check_name(&set.header.name, "instruction set", "#[instruction_set(name = \"…\")]", errors);
    check_command_names(set, errors);
    check_event_names(set, errors);
    check_generated_methods(set, errors);
    for command in &set.commands {
        let params =
            command.args.iter().filter_map(|arg| if let ArgDef::Param(param) = arg { Some(param) } else { None });
        check_params(params, "parameter", errors);
    }
    for event in &set.events {
        if let EventData::Fields(fields) = &event.data {
            check_params(fields.iter(), "field", errors);
        }
    }
}

fn check_name(name: &Name, what: &str, attribute: &str, errors: &Errors) {
    if is_valid_name(&name.value) {
        return;
    }
    const RULE: &str = "OSMP names are lowercase letters and digits in dash-separated words, starting with a letter";
    if name.derived {
        errors.at(
            name.span,
            format!(
                "the {what} name `{}` derived from this identifier is not a valid OSMP name ({RULE}); \
                 set one with `{attribute}`",
                name.value
            ),
        );
    } else {
        let example = match what {
            "instruction set" => "vd1",
            "event" => "vcall-status-changed",
            _ => "vcall-create",
        };
        errors.at(name.span, format!("invalid {what} name `{}`: {RULE}, like `{example}`", name.value));
    }
}

/// Names and aliases share one namespace: a client can call a command by either.
fn check_command_names(set: &SetDef, errors: &Errors) {
    // name → (method that answers to it, whether as an alias)
    let mut taken: HashMap<&str, (&syn::Ident, bool)> = HashMap::new();
    for command in &set.commands {
        check_name(&command.name, "command", "#[command(name = \"…\")]", errors);
        claim(&mut taken, &command.name, &command.ident, false, errors);
        for alias in &command.aliases {
            if !is_valid_alias(&alias.value) {
                errors.at(
                    alias.span,
                    format!(
                        "invalid alias `{}`: aliases are 1 to 64 visible ASCII characters without spaces or quotes",
                        alias.value
                    ),
                );
            }
            if alias.value == command.name.value {
                errors.at(alias.span, format!("the alias `{}` is the command's own name: remove it", alias.value));
                continue;
            }
            claim(&mut taken, alias, &command.ident, true, errors);
        }
    }
}

/// The generated client adds `start_<command>` and `subscribe_<event>` methods, and the
/// trait gains `on_subscribe`: none of these may clash with a command's method.
fn check_generated_methods(set: &SetDef, errors: &Errors) {
    let methods: HashMap<String, &syn::Ident> =
        set.commands.iter().map(|command| (command.ident.to_string(), &command.ident)).collect();
    for command in &set.commands {
        let ident = command.ident.to_string();
        if RESERVED_METHODS.contains(&ident.as_str()) {
            errors.spanned(
                &command.ident,
                format!("`{ident}` is a name the generated code uses: rename the method and keep the command name with `#[command(name = \"…\")]`"),
            );
        }
        if set.header.client {
            if let Some(clash) = methods.get(&format!("start_{ident}")) {
                errors.spanned(
                    clash,
                    format!("the typed client generates `start_{ident}` for the command `{ident}`: rename this method"),
                );
            }
        }
    }
    if set.header.client {
        for event in &set.events {
            if let Some(clash) = methods.get(&format!("subscribe_{}", event.ident)) {
                errors.spanned(
                    clash,
                    format!(
                        "the typed client generates `subscribe_{}` for the event `{}`: rename this method",
                        event.ident, event.ident
                    ),
                );
            }
        }
    }
}

fn claim<'a>(
    taken: &mut HashMap<&'a str, (&'a syn::Ident, bool)>,
    name: &'a Name,
    owner: &'a syn::Ident,
    is_alias: bool,
    errors: &Errors,
) {
    match taken.get(name.value.as_str()) {
        Some((first, first_is_alias)) => {
            let what = if is_alias { "alias" } else { "command name" };
            let first_role = if *first_is_alias { "an alias" } else { "its name" };
            let whose = if *first == owner { "this command".to_owned() } else { format!("the command `{first}`") };
            errors.at(name.span, format!("duplicate {what} `{}`: {whose} already has it as {first_role}", name.value));
        }
        None => {
            taken.insert(&name.value, (owner, is_alias));
        }
    }
}

fn check_event_names(set: &SetDef, errors: &Errors) {
    let mut taken: HashMap<&str, &syn::Ident> = HashMap::new();
    for event in &set.events {
        check_name(&event.name, "event", "#[event(name = \"…\")]", errors);
        let ident = event.ident.to_string();
        if RESERVED_EVENT_METHODS.contains(&ident.as_str()) {
            errors.spanned(
                &event.ident,
                format!("`{ident}` is a method of the generated event emitter: rename this one and keep the event name with `#[event(name = \"…\")]`"),
            );
        }
        match taken.get(event.name.value.as_str()) {
            Some(first) => errors.at(
                event.name.span,
                format!("duplicate event name `{}`: the event `{first}` already has it", event.name.value),
            ),
            None => {
                taken.insert(&event.name.value, &event.ident);
            }
        }
    }
}

/// Parameter names are free-form (devices use `IPAddress` as well as `call-id`), but must
/// be non-empty and unique within their command or event.
fn check_params<'a>(params: impl Iterator<Item = &'a ParamDef>, what: &str, errors: &Errors) {
    let mut taken: HashMap<&str, &syn::Ident> = HashMap::new();
    for param in params {
        if param.name.value.is_empty() {
            errors.at(param.name.span, format!("a {what} name cannot be empty"));
            continue;
        }
        match taken.get(param.name.value.as_str()) {
            Some(first) => errors.at(
                param.name.span,
                format!("duplicate {what} name `{}`: the argument `{first}` already has it", param.name.value),
            ),
            None => {
                taken.insert(&param.name.value, &param.ident);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instruction_set::parse::parse_set;
    use quote::quote;

    #[test]
    fn valid_names() {
        for name in ["vd1", "vcall-create", "a", "event-list", "io-2", "x1-y2-z3"] {
            assert!(is_valid_name(name), "{name}");
        }
        for name in ["", "Vd1", "vcall_create", "-a", "a-", "a--b", "1a", "a b", "ä", "vcall-Create"] {
            assert!(!is_valid_name(name), "{name}");
        }
    }

    fn problems(item: proc_macro2::TokenStream) -> Vec<String> {
        let (set, problems) = Errors::collect(|errors| parse_set(quote!(), &syn::parse2(item).unwrap(), errors));
        let set = set.unwrap_or_else(|| panic!("{problems:?}"));
        Errors::collect(|errors| check(&set, errors)).1
    }

    #[test]
    fn duplicates_across_names_and_aliases() {
        let problems = problems(quote! {
            trait Set {
                #[command(alias = "vcc", alias = "a")]
                async fn vcall_create(&self) -> Result<(), E>;
                #[command(name = "vcc")]
                async fn other(&self) -> Result<(), E>;
                #[command(alias = "vcall-create", alias = "vcall-list", alias = "a")]
                async fn vcall_list(&self) -> Result<(), E>;
                #[event] fn changed();
                #[event(name = "changed")] fn changed_too();
            }
        });
        assert_eq!(
            problems,
            [
                "duplicate command name `vcc`: the command `vcall_create` already has it as an alias",
                "duplicate alias `vcall-create`: the command `vcall_create` already has it as its name",
                "the alias `vcall-list` is the command's own name: remove it",
                "duplicate alias `a`: the command `vcall_create` already has it as an alias",
                "duplicate event name `changed`: the event `changed` already has it",
            ]
        );
    }

    #[test]
    fn event_methods_do_not_clash_with_the_emitter() {
        let problems = problems(quote! {
            trait Set {
                #[event] fn session();
                #[event(name = "subscriber-changed")] fn subscriber();
                #[event] fn session_started();
            }
        });
        assert_eq!(
            problems,
            [
                "`session` is a method of the generated event emitter: rename this one and keep the event name with \
                 `#[event(name = \"…\")]`",
                "`subscriber` is a method of the generated event emitter: rename this one and keep the event name \
                 with `#[event(name = \"…\")]`",
            ]
        );
    }

    #[test]
    fn invalid_and_derived_names() {
        let problems = problems(quote! {
            trait Set {
                #[command(name = "Vcall_Create", alias = "ok")]
                async fn a(&self, #[param(name = "x")] one: u8, x: u8) -> Result<(), E>;
                async fn grüße(&self, #[param(name = "")] one: u8) -> Result<(), E>;
            }
        });
        assert_eq!(
            problems,
            [
                "invalid command name `Vcall_Create`: OSMP names are lowercase letters and digits in dash-separated \
                 words, starting with a letter, like `vcall-create`",
                "the command name `grüße` derived from this identifier is not a valid OSMP name (OSMP names are \
                 lowercase letters and digits in dash-separated words, starting with a letter); set one with \
                 `#[command(name = \"…\")]`",
                "duplicate parameter name `x`: the argument `one` already has it",
                "a parameter name cannot be empty",
            ]
        );
    }
}
