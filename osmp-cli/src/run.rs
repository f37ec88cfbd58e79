//! Running the subcommands: connect, call, follow the stream, cancel on Ctrl-C, print.

use std::io::IsTerminal;
use std::time::Duration;

use osmp::client::Client;
use serde_json::{json, Value};

use crate::connect::{self, Credentials};
use crate::declared::check_params;
use crate::exit::{Exit, Failure};
use crate::interrupt::Interrupts;
use crate::output::{Output, Render};
use crate::{files, params, shell, Cli, Command, ConnectionOptions};

/// How long a closing client waits for the server's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

pub fn main(cli: Cli) -> Result<Exit, Failure> {
    if let Command::Help { url, command: None } = &cli.command {
        if let Some(exit) = subcommand_help(url) {
            return Ok(exit);
        }
    }
    // Asked before Ctrl-C is taken over, so that Ctrl-C still aborts the password prompt.
    let credentials = connect::credentials(&cli.connection)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|error| Failure::connection(format!("cannot start the runtime: {error}")))?;
    let _context = runtime.enter();
    let mut interrupts =
        Interrupts::install().map_err(|error| Failure::connection(format!("cannot handle Ctrl-C: {error}")))?;
    let mut output = Output::new(cli.json);
    let options = &cli.connection;

    if let Command::Shell { url, unchecked, history, no_history } = &cli.command {
        let history = if *no_history { None } else { history.clone().or_else(shell::default_history_file) };
        let shell_options = shell::ShellOptions { unchecked: *unchecked, history };
        let client = runtime.block_on(connect(url, options, credentials, &mut interrupts))?;
        return shell::run(&runtime, &client, url, &shell_options, &mut output, &mut interrupts);
    }
    runtime.block_on(async {
        let url = match &cli.command {
            Command::Call { url, .. }
            | Command::Help { url, .. }
            | Command::Apropos { url, .. }
            | Command::Watch { url, .. }
            | Command::Schema { url }
            | Command::Download { url, .. }
            | Command::Upload { url, .. }
            | Command::Find { url, .. } => url,
            Command::Shell { .. } => unreachable!("handled above"),
        };
        let client = connect(url, options, credentials, &mut interrupts).await?;
        let result = match cli.command {
            Command::Call { command, params, data, unchecked, .. } => {
                let params = params::merge(data, params);
                if !unchecked {
                    check_params(&client, &command, &params).await?;
                }
                call(&client, &command, &params, Render::for_command(&command), &mut output, &mut interrupts).await
            }
            Command::Help { command, .. } => {
                let params = command.map_or(Value::Null, |command| json!({ "cmd": command }));
                call(&client, "help", &params, Render::Help, &mut output, &mut interrupts).await
            }
            Command::Apropos { term, .. } => {
                call(&client, "apropos", &json!({ "term": term }), Render::Apropos, &mut output, &mut interrupts).await
            }
            Command::Schema { .. } => {
                call(&client, "schema", &Value::Null, Render::DataOnly, &mut output, &mut interrupts).await
            }
            Command::Watch { events, .. } => watch(&client, &events, &mut output, &mut interrupts).await,
            Command::Download { remote, local, .. } => {
                files::download(&client, &remote, local, &mut output, &mut interrupts).await
            }
            Command::Upload { local, remote, .. } => {
                files::upload(&client, &local, remote, &mut output, &mut interrupts).await
            }
            Command::Find { filter, .. } => files::find(&client, filter.as_deref(), &mut output, &mut interrupts).await,
            Command::Shell { .. } => unreachable!("handled above"),
        };
        // A close frame rather than a dropped connection; not worth waiting long for.
        let _ = tokio::time::timeout(CLOSE_GRACE, client.close()).await;
        result
    })
}

/// `osmp help call`, as git and cargo understand it: a subcommand's name where a server's
/// URL goes prints that subcommand's help instead of connecting to a host named `call`.
fn subcommand_help(url: &str) -> Option<Exit> {
    let mut cli = <Cli as clap::CommandFactory>::command();
    // Gives each subcommand its full name (`osmp call`) for its usage line.
    cli.build();
    let name = cli.get_subcommands().map(|sub| sub.get_name().to_owned()).find(|name| name == url)?;
    eprintln!("note: `osmp help URL [COMMAND]` describes a server's commands; this is `osmp {name} --help`:\n");
    let subcommand = cli.find_subcommand_mut(&name)?;
    let _ = subcommand.print_long_help();
    Some(Exit::Ok)
}

/// Connects (and logs in); Ctrl-C meanwhile quits.
pub async fn connect(
    url: &str,
    options: &ConnectionOptions,
    credentials: Option<Credentials>,
    interrupts: &mut Interrupts,
) -> Result<Client, Failure> {
    tokio::select! {
        result = connect::connect(url, options, credentials) => result,
        () = interrupts.next() => Err(Failure::interrupted()),
    }
}

/// Calls a command: prints its stream as it comes, then its response. The first Ctrl-C
/// cancels the command (its response, usually `OK "Cancelled"`, still comes and is
/// printed), the second gives up waiting.
pub async fn call(
    client: &Client,
    command: &str,
    params: &Value,
    render: Render,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    let mut call = client.start(command, params).await.map_err(|error| Failure::from_call(&error))?;
    let nr = call.nr();
    let mut cancelling = false;
    loop {
        tokio::select! {
            item = call.next() => match item {
                Some(Ok(item)) => output.stream(nr, command, &item),
                Some(Err(error)) => {
                    output.end_stream();
                    return Err(Failure::from_call(&error));
                }
                None => break,
            },
            () = interrupts.next() => {
                if cancelling {
                    output.end_stream();
                    return Err(Failure::interrupted());
                }
                cancelling = true;
                call.cancel();
                output.note(&format!("cancelling {command}… (Ctrl-C again to quit without waiting)"));
            }
        }
    }
    output.end_stream();
    match call.response().await {
        Ok(response) => {
            output.response(&response, render);
            // Stopped by the user: a script must not take it for done.
            Ok(if cancelling { Exit::Interrupted } else { Exit::Ok })
        }
        Err(error) => {
            if let Some(response) = error.response() {
                output.error_response(response);
            }
            Err(Failure::from_call(&error))
        }
    }
}

/// Subscribes to the events and prints them as they come, in the server's order, until Ctrl-C.
async fn watch(
    client: &Client,
    events: &[String],
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    let mut subscription = tokio::select! {
        result = client.subscribe_each(events) => result.map_err(|error| Failure::from_call(&error))?,
        () = interrupts.next() => return Ok(Exit::Ok),
    };
    if !output.is_json() && std::io::stderr().is_terminal() {
        output.note(&format!("watching {} (Ctrl-C to stop)", events.join(", ")));
    }
    loop {
        tokio::select! {
            item = subscription.next() => match item {
                Some(item) => output.event(&item),
                None => return Err(Failure::connection("the connection closed")),
            },
            () = interrupts.next() => return Ok(Exit::Ok),
        }
    }
}
