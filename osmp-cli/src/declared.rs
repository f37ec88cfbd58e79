//! What a command declares, asked of the server (`help COMMAND`): its parameter names, for
//! completion and for refusing a misspelled parameter before it is sent.
//!
//! Servers ignore parameters they do not know, as the specification asks of every peer, so
//! `brigthness=30` would succeed with the default brightness; the check turns that into an
//! error naming the closest declared parameter. `--unchecked` sends such parameters anyway.

use std::time::Duration;

use osmp::client::Client;
use osmp::standard::Help;
use serde_json::{json, Value};

use crate::exit::Failure;

/// How long the check waits for the server's `help`; without an answer, nothing is checked.
const PATIENCE: Duration = Duration::from_secs(2);

/// The parameter names of `command` (mandatory, then optional), or `None` when the server
/// does not say (no such command, no answer in time).
pub async fn param_names(client: &Client, command: &str) -> Option<Vec<String>> {
    let params = json!({ "cmd": command });
    match tokio::time::timeout(PATIENCE, client.call_as::<Help, _>("help", &params)).await {
        Ok(Ok(Help::Detail(detail))) => {
            Some(detail.mandatory_params.into_iter().chain(detail.optional_params).map(|param| param.name).collect())
        }
        _ => None,
    }
}

/// Refuses parameters that `command` does not declare, naming the closest declared one.
pub async fn check_params(client: &Client, command: &str, params: &Value) -> Result<(), Failure> {
    let Value::Object(given) = params else { return Ok(()) };
    if given.is_empty() {
        return Ok(());
    }
    let Some(declared) = param_names(client, command).await else { return Ok(()) };
    match unknown_param(given.keys().map(String::as_str), &declared) {
        Some(message) => Err(Failure::usage(format!("{message} (--unchecked sends it anyway)"))),
        None => Ok(()),
    }
}

/// The first given name that is not declared, said with the closest declared one.
fn unknown_param<'a>(given: impl IntoIterator<Item = &'a str>, declared: &[String]) -> Option<String> {
    let unknown = given.into_iter().find(|name| !declared.iter().any(|known| known == name))?;
    if declared.is_empty() {
        return Some(format!("unknown parameter `{unknown}`: the command takes no parameters"));
    }
    let message = match closest(unknown, declared) {
        Some(meant) => format!("unknown parameter `{unknown}`; did you mean `{meant}`?"),
        None => {
            let known: Vec<String> = declared.iter().map(|name| format!("`{name}`")).collect();
            format!("unknown parameter `{unknown}`; the command takes {}", known.join(", "))
        }
    };
    Some(message)
}

/// The declared name closest to `name`, when it is close enough to be what was meant.
fn closest<'a>(name: &str, declared: &'a [String]) -> Option<&'a str> {
    declared
        .iter()
        .map(|known| (strsim::damerau_levenshtein(&name.to_lowercase(), &known.to_lowercase()), known))
        .filter(|(distance, known)| *distance <= (known.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_misspelled_parameter_is_named_with_the_closest_one() {
        let lamp = declared(&["lamp-id", "on", "brightness"]);
        assert_eq!(unknown_param(["lamp-id", "on"], &lamp), None);
        assert_eq!(
            unknown_param(["lamp-id", "brigthness"], &lamp).as_deref(),
            Some("unknown parameter `brigthness`; did you mean `brightness`?")
        );
        assert_eq!(
            unknown_param(["Lamp-ID"], &lamp).as_deref(),
            Some("unknown parameter `Lamp-ID`; did you mean `lamp-id`?")
        );
        assert_eq!(
            unknown_param(["colour"], &lamp).as_deref(),
            Some("unknown parameter `colour`; the command takes `lamp-id`, `on`, `brightness`")
        );
        assert_eq!(
            unknown_param(["x"], &[]).as_deref(),
            Some("unknown parameter `x`: the command takes no parameters")
        );
    }
}
