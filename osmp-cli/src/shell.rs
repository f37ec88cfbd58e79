//! `osmp shell`: one connection, many commands.
//!
//! On a terminal, lines are edited with rustyline (history in `~/.osmp_history` unless
//! `--history`/`--no-history` say otherwise, Tab completes command names and aliases from
//! `help`, then parameter names from `help COMMAND`). Ctrl-C or Ctrl-D at the prompt quits;
//! while a command runs, the terminal is back in its normal mode, so Ctrl-C is a signal and
//! cancels the command.
//!
//! Otherwise (a pipe, a file), lines are read as they are, without editing or prompt, and
//! the exit code is the worst of the lines'.
//!
//! Either way, every event the session receives (subscribed with `event-subscribe`) is
//! printed as `watch` prints it: on a terminal through rustyline's external printer, which
//! puts it above the prompt and redraws the line being typed.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use osmp::client::Client;
use osmp::standard::Help;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, ExternalPrinter, Helper};
use serde_json::{Map, Value};
use tokio::runtime::Runtime;

use crate::declared::{check_params, param_names};
use crate::exit::{Exit, Failure};
use crate::interrupt::Interrupts;
use crate::output::{event_text, Output, Render};
use crate::params::{parse_data, parse_key_value, split_words};
use crate::run;

/// Words that end the shell.
const QUIT: [&str; 2] = ["exit", "quit"];

/// How long completion waits for the server's `help`.
const COMPLETION_PATIENCE: Duration = Duration::from_secs(2);

/// What a line asks for.
#[derive(Debug, PartialEq)]
enum Line {
    Nothing,
    Quit,
    Call { command: String, params: Value },
}

/// Reads a line: `COMMAND [KEY=VALUE | {JSON object}]…`. A bare word is the `cmd` of
/// `help` or the `term` of `apropos`, and an error elsewhere.
fn parse_line(line: &str) -> Result<Line, String> {
    let words = split_words(line)?;
    let Some((command, rest)) = words.split_first() else {
        return Ok(Line::Nothing);
    };
    if QUIT.contains(&command.as_str()) && rest.is_empty() {
        return Ok(Line::Quit);
    }
    let positional = match Render::for_command(command) {
        Render::Help => Some("cmd"),
        Render::Apropos => Some("term"),
        _ => None,
    };
    let mut data = Map::new();
    let mut pairs = Vec::new();
    for word in rest {
        if word.starts_with('{') {
            data.extend(parse_data(word)?);
        } else if word.contains('=') {
            pairs.push(parse_key_value(word)?);
        } else if let Some(name) = positional.filter(|name| !pairs.iter().any(|(key, _)| key == name)) {
            pairs.push((name.to_owned(), Value::String(word.clone())));
        } else {
            return Err(format!("expected KEY=VALUE, got '{word}'"));
        }
    }
    Ok(Line::Call { command: command.clone(), params: crate::params::merge(Some(data), pairs) })
}

/// What the command line says about the shell.
pub struct ShellOptions {
    /// Send parameters a command does not declare.
    pub unchecked: bool,
    /// Where typed lines are kept; `None`: nowhere.
    pub history: Option<PathBuf>,
}

pub fn run(
    runtime: &Runtime,
    client: &Client,
    url: &str,
    options: &ShellOptions,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    if std::io::stdin().is_terminal() {
        interactive(runtime, client, url, options, output, interrupts)
    } else {
        // Events go to stdout a line at a time, as the output does.
        print_events(runtime, client, output.is_json(), |line| {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(line.as_bytes()).and_then(|()| stdout.flush());
        });
        runtime.block_on(scripted(client, options, output, interrupts))
    }
}

/// Prints every event the session receives, from a task of its own, until the client closes.
fn print_events(runtime: &Runtime, client: &Client, json: bool, mut print: impl FnMut(String) + Send + 'static) {
    let mut received = client.received_events();
    runtime.spawn(async move {
        while let Some(item) = received.next().await {
            print(format!("{}\n", event_text(&item, json)));
        }
    });
}

/// Runs one line. `Ok(None)` asks to quit; failures of the line are reported here and
/// returned as its exit code, unless they end the shell (the connection is gone, or a
/// second Ctrl-C).
async fn run_line(
    client: &Client,
    line: &str,
    options: &ShellOptions,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Option<Exit>, Failure> {
    let (command, params) = match parse_line(line) {
        Ok(Line::Nothing) => return Ok(Some(Exit::Ok)),
        Ok(Line::Quit) => return Ok(None),
        Ok(Line::Call { command, params }) => (command, params),
        Err(message) => {
            Failure::usage(message).report();
            return Ok(Some(Exit::Usage));
        }
    };
    if !options.unchecked && Render::for_command(&command) == Render::Generic {
        if let Err(failure) = check_params(client, &command, &params).await {
            failure.report();
            return Ok(Some(failure.code));
        }
    }
    match run::call(client, &command, &params, Render::for_command(&command), output, interrupts).await {
        // Cancelling with Ctrl-C is how a shell user stops a command: the shell goes on.
        Ok(Exit::Interrupted) => Ok(Some(Exit::Ok)),
        Ok(exit) => Ok(Some(exit)),
        Err(failure) if failure.code == Exit::Interrupted => Err(failure),
        Err(failure) if failure.code == Exit::Connection && !client.is_connected() => Err(failure),
        Err(failure) => {
            failure.report();
            Ok(Some(failure.code))
        }
    }
}

/// Lines from a pipe or file: no prompt, no editing. Ctrl-C between commands quits.
async fn scripted(
    client: &Client,
    options: &ShellOptions,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    let (sender, mut lines) = tokio::sync::mpsc::unbounded_channel();
    // A thread of its own: a blocked read must not keep the runtime from shutting down.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut worst = Exit::Ok;
    loop {
        let line = tokio::select! {
            line = lines.recv() => line,
            () = interrupts.next() => return Err(Failure::interrupted()),
        };
        let Some(line) = line else { break };
        let line = line.map_err(|error| Failure::usage(format!("cannot read standard input: {error}")))?;
        match run_line(client, &line, options, output, interrupts).await? {
            Some(exit) => worst = worst.max(exit),
            None => break,
        }
    }
    Ok(worst)
}

fn interactive(
    runtime: &Runtime,
    client: &Client,
    url: &str,
    options: &ShellOptions,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    let names = runtime.block_on(command_names(client));
    let helper = ShellHelper {
        names,
        params: Mutex::new(HashMap::new()),
        client: client.clone(),
        runtime: runtime.handle().clone(),
    };
    let config = Config::builder().auto_add_history(false).completion_type(CompletionType::List).build();
    let mut editor: Editor<ShellHelper, DefaultHistory> =
        Editor::with_config(config).map_err(|error| Failure::usage(format!("cannot edit lines: {error}")))?;
    editor.set_helper(Some(helper));
    let mut printer =
        editor.create_external_printer().map_err(|error| Failure::usage(format!("cannot print events: {error}")))?;
    print_events(runtime, client, output.is_json(), move |line| {
        let _ = printer.print(line);
    });
    let history = &options.history;
    if let Some(file) = history {
        let _ = editor.load_history(file);
    }
    eprintln!("connected to {url}; `help` lists the commands, Tab completes, Ctrl-D quits");
    let prompt = "osmp> ";
    let result = loop {
        match editor.readline(prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                interrupts.clear();
                match runtime.block_on(run_line(client, &line, options, output, interrupts)) {
                    Ok(Some(_)) => {}
                    Ok(None) => break Ok(Exit::Ok),
                    Err(failure) => break Err(failure),
                }
            }
            Err(ReadlineError::Interrupted | ReadlineError::Eof) => break Ok(Exit::Ok),
            Err(error) => break Err(Failure::usage(format!("cannot read a line: {error}"))),
        }
    };
    if let Some(file) = history {
        let _ = editor.save_history(file);
    }
    result
}

/// `~/.osmp_history`.
pub fn default_history_file() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".osmp_history"))
}

/// Command names and aliases from `help` (none if it fails: completion is a convenience).
async fn command_names(client: &Client) -> Vec<String> {
    let help = tokio::time::timeout(COMPLETION_PATIENCE, client.call_as::<Help, _>("help", &())).await;
    let mut names: Vec<String> = match help {
        Ok(Ok(Help::List(list))) => list
            .commands
            .into_iter()
            .flat_map(|command| std::iter::once(command.command).chain(command.aliases))
            .collect(),
        _ => Vec::new(),
    };
    names.extend(QUIT.map(str::to_owned));
    names.sort();
    names.dedup();
    names
}

/// Completes the command name in the first word, `NAME=` in the others.
struct ShellHelper {
    names: Vec<String>,
    /// Parameter names per command, asked once.
    params: Mutex<HashMap<String, Vec<String>>>,
    client: Client,
    runtime: tokio::runtime::Handle,
}

impl ShellHelper {
    fn params_of(&self, command: &str) -> Vec<String> {
        let mut cache = self.params.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .entry(command.to_owned())
            .or_insert_with(|| self.runtime.block_on(param_names(&self.client, command)).unwrap_or_default())
            .clone()
    }
}

/// Candidates among `names` that start with `prefix`, each followed by `suffix`.
fn candidates(names: &[String], prefix: &str, suffix: &str) -> Vec<Pair> {
    names
        .iter()
        .filter(|name| name.starts_with(prefix))
        .map(|name| Pair { display: name.clone(), replacement: format!("{name}{suffix}") })
        .collect()
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |space| space + 1);
        let word = &before[start..];
        let Some(command) = before[..start].split_whitespace().next() else {
            return Ok((start, candidates(&self.names, word, " ")));
        };
        if word.contains('=') || QUIT.contains(&command) {
            return Ok((start, Vec::new()));
        }
        Ok((start, candidates(&self.params_of(command), word, "=")))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(command: &str, params: Value) -> Line {
        Line::Call { command: command.to_owned(), params }
    }

    #[test]
    fn lines_are_commands_with_key_values() {
        assert_eq!(parse_line("  ").unwrap(), Line::Nothing);
        assert_eq!(parse_line("quit").unwrap(), Line::Quit);
        assert_eq!(parse_line("echo").unwrap(), call("echo", Value::Null));
        assert_eq!(parse_line("echo token=42").unwrap(), call("echo", json!({"token": 42})));
        assert_eq!(parse_line("echo token='hello world'").unwrap(), call("echo", json!({"token": "hello world"})));
        assert_eq!(
            parse_line(r#"show '{"a":1,"b":2}' b=3"#).unwrap(),
            call("show", json!({"a": 1, "b": 3})),
            "key=value wins over the JSON object"
        );
        assert_eq!(parse_line("help echo").unwrap(), call("help", json!({"cmd": "echo"})));
        assert_eq!(parse_line("? echo").unwrap(), call("?", json!({"cmd": "echo"})));
        assert_eq!(parse_line("apropos event").unwrap(), call("apropos", json!({"term": "event"})));
        assert!(parse_line("echo hi").unwrap_err().contains("KEY=VALUE"));
        assert!(parse_line("help a b").is_err());
        assert!(parse_line("echo 'open").is_err());
        assert!(parse_line("echo {1").is_err());
    }

    #[test]
    fn completion_candidates_are_prefix_matches() {
        let names = ["echo", "event-list", "event-subscribe", "help"].map(str::to_owned);
        let found: Vec<String> = candidates(&names, "ev", " ").into_iter().map(|pair| pair.replacement).collect();
        assert_eq!(found, ["event-list ", "event-subscribe "]);
    }
}
