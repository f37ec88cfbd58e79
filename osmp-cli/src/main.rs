//! `osmp`: the command-line client for OSMP servers.
//!
//! One subcommand per job (`call`, `help`, `apropos`, `watch`, `schema`, `shell`, `download`,
//! `upload`, `find`), each taking
//! the server's URL first. Human output by default, JSON lines with `--json`; the exit code
//! says what happened (see [`exit::Exit`]).

mod connect;
mod declared;
mod exit;
mod files;
mod interrupt;
mod output;
mod params;
mod run;
mod shell;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use osmp::transport::tls::Fingerprint;
use serde_json::{Map, Value};

const AFTER_HELP: &str = "\
URL is wss://HOST:PORT[/osmp/v1] (ws:// for an unencrypted server); HOST:PORT alone means wss://.
A wss:// server is verified against the system's roots unless --ca, --fingerprint or --insecure says otherwise.

Exit codes: 0 OK, 1 the command answered ERROR, 2 usage error,
            3 connection, TLS or authentication failure (or no answer in time),
            130 interrupted (Ctrl-C cancelled the command, or quit); `watch` ends with 0 on Ctrl-C, its normal end.

Examples:
  osmp call wss://127.0.0.1:9000 echo token=hi --fingerprint AB:CD:…
  osmp --insecure call 127.0.0.1:9000 wait seconds=2.5
  osmp --insecure help 127.0.0.1:9000 event-subscribe
  osmp --insecure --json watch 127.0.0.1:9000 '*'
  OSMP_PASSWORD=secret osmp --insecure --user jon shell 127.0.0.1:9000
  osmp --insecure download 127.0.0.1:9000 logs/app.log
  osmp --insecure upload 127.0.0.1:9000 firmware.bin updates/firmware.bin";

/// The command-line client for OSMP servers: call commands, follow their progress, watch events.
#[derive(Debug, Parser)]
#[command(name = "osmp", version, after_help = AFTER_HELP, disable_help_subcommand = true)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionOptions,

    /// Print the raw messages as JSON lines (stream messages, then the response; events) for scripts.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// How to reach and trust the server, and who to log in as.
#[derive(Debug, Clone, Args)]
pub struct ConnectionOptions {
    /// Accept any server certificate (development only: anyone on the path can impersonate the server).
    #[arg(long, global = true, conflicts_with_all = ["ca", "fingerprint"])]
    pub insecure: bool,

    /// Trust servers whose certificate is signed by the CA certificate(s) in this PEM file.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "fingerprint")]
    pub ca: Option<PathBuf>,

    /// Trust exactly the server whose certificate has this SHA-256 fingerprint (hex, ':' optional).
    #[arg(long, global = true, value_name = "SHA256", value_parser = parse_fingerprint)]
    pub fingerprint: Option<Fingerprint>,

    /// Log in as this user; the password comes from OSMP_PASSWORD, or is asked on the terminal.
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,

    /// Seconds to wait for the connection, and for each answer (a response, stream message or keep-alive).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Call a command: print its stream as it comes, then its response.
    #[command(after_help = "\
A VALUE is read as JSON when it is valid JSON (42, true, null, [1,2], {\"a\":1}), as a string otherwise;
quote JSON strings for the shell to keep them strings: token='\"42\"'.
--data gives the whole parameter object; KEY=VALUE pairs are merged into it and win.
Parameters the command does not declare (in its `help`) are refused with the closest declared name,
since servers ignore unknown parameters; --unchecked sends them anyway.
Ctrl-C cancels the command, waits for its response and exits 130; a second Ctrl-C quits at once.

Examples:
  osmp call wss://host:9000 echo token=hi
  osmp call wss://host:9000 wait seconds=2.5
  osmp call wss://host:9000 vcall-create --data '{\"name\":\"test\",\"priority\":3}' priority=5")]
    Call {
        /// The server: wss://HOST:PORT[/osmp/v1], ws://… or HOST:PORT.
        url: String,
        /// The command (or an alias).
        command: String,
        /// Parameters as KEY=VALUE.
        #[arg(value_name = "KEY=VALUE", value_parser = params::parse_key_value)]
        params: Vec<(String, Value)>,
        /// The parameters as one JSON object.
        #[arg(long, value_name = "JSON", value_parser = params::parse_data)]
        data: Option<Map<String, Value>>,
        /// Send parameters the command does not declare instead of refusing them.
        #[arg(long)]
        unchecked: bool,
    },
    /// List the server's commands, or describe one.
    Help {
        /// The server.
        url: String,
        /// The command to describe.
        command: Option<String>,
    },
    /// Search the documentation of every command (a regular expression, ignoring case).
    Apropos {
        /// The server.
        url: String,
        /// What to search for.
        term: String,
    },
    /// Subscribe to events and print them as they come, until Ctrl-C.
    Watch {
        /// The server.
        url: String,
        /// The events to watch ('*' for all).
        #[arg(required = true)]
        events: Vec<String>,
    },
    /// Print every instruction set of the server as one JSON document (commands, events, JSON Schemas).
    Schema {
        /// The server.
        url: String,
    },
    /// Interactive session: `COMMAND KEY=VALUE …` lines, with history and completion.
    #[command(after_help = "\
A line is a command and its parameters, as for `osmp call`: `echo token=hi`, `wait seconds=3`.
Quote values with spaces: token='hello world'. `help [COMMAND]` and `apropos TERM` print tables;
`exit`, `quit`, Ctrl-D or Ctrl-C at the prompt leave. Ctrl-C while a command runs cancels it.
Tab completes command names and aliases, and parameter names after the command.
Events the session receives (after `event-subscribe event=NAME`) are printed as `watch` prints them,
above the prompt. Parameters are checked as for `osmp call` (--unchecked to send them anyway).
Lines typed on a terminal are kept in ~/.osmp_history (--history FILE elsewhere, --no-history not at all).
When standard input is not a terminal, lines are read from it without editing or history (for scripts);
the exit code is then the worst of the lines' (1 if a command answered ERROR; a command cancelled
with Ctrl-C does not count).")]
    Shell {
        /// The server.
        url: String,
        /// Send parameters a command does not declare instead of refusing them.
        #[arg(long)]
        unchecked: bool,
        /// Keep the history of typed lines in this file instead of ~/.osmp_history.
        #[arg(long, value_name = "FILE", conflicts_with = "no_history")]
        history: Option<PathBuf>,
        /// Keep no history of typed lines (nothing is read or written).
        #[arg(long)]
        no_history: bool,
    },
    /// Download a file from the server's file folder (download-part), with a progress bar.
    #[command(after_help = "\
REMOTE is relative to the folder the server serves files from (its --files DIR).
LOCAL defaults to REMOTE's file name in the current folder; a folder keeps that name inside it.
The file is written to a temporary file and renamed when complete; an existing LOCAL is replaced.
Ctrl-C stops the download and leaves LOCAL as it was.")]
    Download {
        /// The server.
        url: String,
        /// The file on the server.
        remote: String,
        /// Where to save it.
        local: Option<PathBuf>,
    },
    /// Upload a file into the server's file folder (upload-part), with a progress bar.
    #[command(after_help = "\
REMOTE is relative to the folder the server serves files from; its folder must exist there.
REMOTE defaults to LOCAL's file name. The server replaces REMOTE only when the last part has arrived.
Ctrl-C stops the upload; the server discards what it received.")]
    Upload {
        /// The server.
        url: String,
        /// The file to send.
        local: PathBuf,
        /// Where to put it on the server.
        remote: Option<String>,
    },
    /// List the files and folders of the server's file folder whose name matches FILTER (find-files).
    #[command(
        after_help = "FILTER matches file names with * (any run of characters) and ? (one character); all when omitted."
    )]
    Find {
        /// The server.
        url: String,
        /// A wildcard pattern, such as '*.log'.
        filter: Option<String>,
    },
}

fn parse_fingerprint(text: &str) -> Result<Fingerprint, String> {
    text.parse().map_err(|error: osmp::transport::tls::TlsError| error.to_string())
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text.parse().map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if seconds.is_nan() || seconds <= 0.0 {
        return Err("the timeout must be more than 0 seconds".to_owned());
    }
    Duration::try_from_secs_f64(seconds).map_err(|error| error.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match run::main(cli) {
        Ok(exit) => exit,
        Err(failure) => {
            failure.report();
            failure.code
        }
    };
    ExitCode::from(code as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        let cli = Cli::try_parse_from(["osmp", "call", "ws://h:1", "echo", "token=1", "--insecure", "--json"]).unwrap();
        assert!(cli.connection.insecure && cli.json);
        let cli = Cli::try_parse_from(["osmp", "--timeout", "2.5", "help", "ws://h:1"]).unwrap();
        assert_eq!(cli.connection.timeout, Some(Duration::from_millis(2500)));
        assert!(Cli::try_parse_from(["osmp", "--insecure", "--ca", "x.pem", "schema", "ws://h:1"]).is_err());
        assert!(Cli::try_parse_from(["osmp", "--timeout", "0", "schema", "ws://h:1"]).is_err());
        assert!(Cli::try_parse_from(["osmp", "--fingerprint", "zz", "schema", "ws://h:1"]).is_err());
    }
}
