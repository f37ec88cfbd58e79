//! Rules across routes: a valid module name, no two routes serving the same requests, no
//! method named like the typed client's own methods.

use std::collections::HashMap;

use super::ir::{ModuleDef, RouteMethod};
use crate::internals::errors::Errors;
use crate::internals::ir::Name;

/// Letters, digits, `-` and `_` in dot-separated labels (`sensornet`, `average.function`):
/// a name the broker accepts in a queue name and `omcp://` addresses can carry.
pub fn is_valid_module_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

/// Methods of the generated client.
const RESERVED_METHODS: &[&str] = &["new", "with_module", "client", "module"];

/// Checks the whole module.
pub fn check(module: &ModuleDef, errors: &Errors) {
    check_name(&module.header.name, errors);
    let mut taken: HashMap<(RouteMethod, String), &syn::Ident> = HashMap::new();
    for route in &module.routes {
        let shape = route.path.shape();
        match taken.get(&(route.method, shape.clone())) {
            Some(first) => errors.at(
                route.path.span,
                format!(
                    "duplicate route: `{first}` already serves {} {}; templates that differ only in parameter \
                     names match the same paths",
                    route.method.wire(),
                    route.path.template
                ),
            ),
            None => {
                taken.insert((route.method, shape), &route.ident);
            }
        }
        let ident = route.ident.to_string();
        if module.header.client && RESERVED_METHODS.contains(&ident.as_str()) {
            errors.spanned(
                &route.ident,
                format!("`{ident}` is a method of the generated client (`new`, `with_module`, `client`, `module`): rename this one"),
            );
        }
    }
}

fn check_name(name: &Name, errors: &Errors) {
    const RULE: &str = "module names are letters, digits, `-` and `_` in dot-separated labels";
    if name.value.ends_with(".messagegroup") {
        errors.at(
            name.span,
            format!("`{}` names a message group, not a module: a module subscribes to groups when served", name.value),
        );
    } else if !is_valid_module_name(&name.value) {
        if name.derived {
            errors.at(
                name.span,
                format!(
                    "the module name `{}` derived from this identifier is not valid ({RULE}); set one with \
                     `#[module(name = \"…\")]`",
                    name.value
                ),
            );
        } else {
            errors.at(
                name.span,
                format!("invalid module name `{}`: {RULE}, like `sensornet` or `average.function`", name.value),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::parse::parse_module;
    use quote::quote;

    #[test]
    fn module_names() {
        for valid in ["sensornet", "average.function", "test-java", "a_b.c1"] {
            assert!(is_valid_module_name(valid), "{valid}");
        }
        for invalid in ["", ".a", "a.", "a..b", "a b", "a/b", "grüße"] {
            assert!(!is_valid_module_name(invalid), "{invalid}");
        }
    }

    fn problems(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Vec<String> {
        let (module, problems) = Errors::collect(|errors| parse_module(args, &syn::parse2(item).unwrap(), errors));
        let module = module.unwrap_or_else(|| panic!("{problems:?}"));
        Errors::collect(|errors| check(&module, errors)).1
    }

    #[test]
    fn duplicates_names_and_reserved_methods() {
        let found = problems(
            quote!(name = "alerts.messagegroup"),
            quote! {
                trait Set {
                    #[get("/sensors/{id}")]
                    async fn sensor(&self, id: u32) -> Result<(), E>;
                    #[get("/sensors/{name}/")]
                    async fn by_name(&self, name: String) -> Result<(), E>;
                    #[put("/sensors/{name}")]
                    async fn new(&self, name: String) -> Result<(), E>;
                }
            },
        );
        assert_eq!(
            found,
            [
                "`alerts.messagegroup` names a message group, not a module: a module subscribes to groups when served",
                "duplicate route: `sensor` already serves GET /sensors/{name}/; templates that differ only in \
                 parameter names match the same paths",
                "`new` is a method of the generated client (`new`, `with_module`, `client`, `module`): rename this one",
            ]
        );
        let derived = problems(
            quote!(),
            quote!(
                trait Über {}
            ),
        );
        assert_eq!(
            derived,
            ["the module name `über` derived from this identifier is not valid (module names are letters, digits, \
              `-` and `_` in dot-separated labels); set one with `#[module(name = \"…\")]`"]
        );
    }
}
