//! `osmp` against the PA-system example (`examples/pa_system`): the specification's Director
//! and VD1 instruction sets over the simulator, started in this process as its command line
//! starts it (`--bind 127.0.0.1:0 --no-device-changes …`), plain `ws://` or `wss://` with its
//! self-signed certificate, with or without required logins.
//!
//! Discovery (`help`, `apropos`), the life of an announcement (`vcall-*`) in human and JSON
//! output, an ERROR answer, `log-stream` until Ctrl-C, `watch` of the VD1 events with their
//! snapshots and a device failing, logging in, the shell reading a script, and the README's
//! commands as written.

/// The example as it is, `main` and all: its modules come along (a file included with
/// `#[path]` finds its own modules beside it).
#[allow(dead_code)]
#[path = "../../../examples/pa_system/main.rs"]
mod example;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{json, Value};

use crate::support::*;
use example::installation::{DeviceStatus, Status, SubStatus};
use example::simulation::PaSystem;

// ---------------------------------------------------------------------------------------
// The server, and osmp running in the background
// ---------------------------------------------------------------------------------------

/// The example's server and simulation (clock running) on a runtime of their own.
struct Pa {
    handle: ServerHandle,
    system: Arc<PaSystem>,
    runtime: tokio::runtime::Runtime,
}

impl Pa {
    /// Plain `ws://`.
    fn plain() -> Pa {
        Pa::start(&["--no-tls"])
    }

    /// `wss://` with a self-signed certificate, as the example serves by default.
    fn tls() -> Pa {
        Pa::start(&[])
    }

    /// Plain `ws://`, where `jon` (password `secret`) must log in.
    fn with_auth() -> Pa {
        Pa::start(&["--no-tls", "--require-auth", "--user", "jon:secret"])
    }

    /// `pa_system --bind 127.0.0.1:0 --no-device-changes --time-scale 0.01 FLAGS…`: device
    /// statuses change only when a test says so, and sources play 100 times slower than real
    /// time, so that a call playing the 3 s `Gong` is still playing when a test looks.
    fn start(flags: &[&str]) -> Pa {
        install_logging();
        let fixed = ["pa_system", "--bind", "127.0.0.1:0", "--no-device-changes", "--time-scale", "0.01"];
        let args = example::Args::try_parse_from(fixed.iter().chain(flags)).expect("valid flags");
        let system = example::simulation(&args).expect("valid simulation flags");
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a runtime");
        let handle = runtime.block_on(async {
            let builder = example::builder(&args, &system).expect("valid server flags");
            let server = builder.build().await.expect("the server binds");
            tokio::spawn(system.clone().run(server.events().clone()));
            server.spawn()
        });
        Pa { handle, system, runtime }
    }

    fn url(&self) -> String {
        self.handle.url()
    }

    fn fingerprint(&self) -> String {
        self.handle.fingerprint().expect("a TLS server").to_string()
    }

    /// Changes device statuses as the simulation's random changes do.
    fn set_devices(&self, updates: &[DeviceStatus]) {
        let _context = self.runtime.enter();
        self.system.update(self.handle.events(), |state| state.set_devices(updates)).expect("known devices");
    }
}

/// The example's logging bridge, installed once for the whole test process (tracing has one
/// global dispatcher): without it `log-stream` has nothing to stream. The example's `main`
/// installs it with a console; `simulation()` does not.
fn install_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(example::logging::Bridge);
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
    });
}

/// `osmp` running in the background, its stdout read line by line as it comes.
struct Background {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    /// The lines read so far.
    read: Vec<String>,
}

impl Background {
    fn start(args: &[&str]) -> Background {
        let mut command = osmp();
        command.args(args);
        Background::spawn(command)
    }

    fn spawn(mut command: Command) -> Background {
        let mut child =
            command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("osmp starts");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Background { child: Some(child), lines, read: Vec::new() }
    }

    /// The next line of stdout, if one comes within `patience`.
    fn line_within(&mut self, patience: Duration) -> Option<String> {
        let line = self.lines.recv_timeout(patience).ok()?;
        self.read.push(line.clone());
        Some(line)
    }

    /// The next line of stdout (waiting at most [`PATIENCE`]).
    #[track_caller]
    fn line(&mut self) -> String {
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => {
                self.read.push(line.clone());
                line
            }
            Err(error) => panic!("no line from osmp ({error}); so far:\n{}", self.read.join("\n")),
        }
    }

    /// The next line of stdout, as JSON.
    #[track_caller]
    fn json(&mut self) -> Value {
        let line = self.line();
        serde_json::from_str(&line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"))
    }

    /// Ctrl-C, then waits for osmp to exit: everything it printed and its exit status.
    #[cfg(unix)]
    fn interrupt(mut self) -> Run {
        let child = self.child.take().expect("running");
        interrupt(&child);
        let mut run = finish(child);
        // osmp has exited: the reader gets the rest of stdout, then the end of it.
        let mut lines = std::mem::take(&mut self.read);
        lines.extend(self.lines.iter());
        run.stdout = lines.iter().map(|line| format!("{line}\n")).collect();
        run
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The cells of the row of `command` in a table (cells are two or more spaces apart).
fn row<'a>(table: &'a str, command: &str) -> Vec<&'a str> {
    let line = table
        .lines()
        .find(|line| line.split_whitespace().next() == Some(command))
        .unwrap_or_else(|| panic!("no row for {command} in:\n{table}"));
    line.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect()
}

/// The entries of a `help COMMAND` section (up to the next blank line): each name with its
/// description, whose further lines are indented to where its first line starts.
fn section<'a>(detail: &'a str, title: &str) -> Vec<(&'a str, String)> {
    let mut lines = detail.lines().skip_while(|line| *line != title);
    assert!(lines.next().is_some(), "no {title} in:\n{detail}");
    let mut entries: Vec<(&str, String)> = Vec::new();
    let mut column = 0;
    for line in lines.take_while(|line| !line.is_empty()) {
        let indent = line.len() - line.trim_start().len();
        if indent == 2 {
            let (name, description) = line.trim_start().split_once(' ').unwrap_or((line.trim_start(), ""));
            column = line.len() - description.trim_start().len();
            entries.push((name, description.trim_start().to_owned()));
        } else {
            let (_, description) = entries.last_mut().unwrap_or_else(|| panic!("an entry first: {line}"));
            assert_eq!(indent, column, "a further line of {description:?} out of its column: {line:?}");
            description.push('\n');
            description.push_str(line.trim_start());
        }
    }
    entries
}

/// The names of a `help COMMAND` section's entries.
fn names<'a>(entries: &[(&'a str, String)]) -> Vec<&'a str> {
    let mut names: Vec<&str> = entries.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    names
}

/// Stdout as one JSON document (human output of a response with data).
#[track_caller]
fn document(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| panic!("not one JSON document ({error}):\n{}", run.stdout))
}

/// The only line of a `--json` run: the response.
#[track_caller]
fn response(run: &Run) -> Value {
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1, "one response line: {}", run.stdout);
    let response = lines.into_iter().next().expect("a line");
    assert_eq!(response["type"], "response", "{response}");
    response
}

/// `vcall-create`'s parameters for a call of the `Gong` to the `Lobby` at alarm priority 30.
const GONG_TO_LOBBY: [&str; 3] = [r#"sources=["Gong"]"#, r#"zones=["Lobby"]"#, "priority=30"];

// ---------------------------------------------------------------------------------------
// What the server offers
// ---------------------------------------------------------------------------------------

#[test]
fn help_lists_the_director_and_vd1_commands() {
    let pa = Pa::plain();
    let out = run(&["help", &pa.url()]).expect_code(0);
    assert_eq!(out.stderr, "");
    // Command, aliases (if any) and set.
    for expected in [
        &["io-get", "director"][..],
        &["io-set", "director"],
        &["log-list", "director"],
        &["log-level", "director"],
        &["log-stream", "director"],
        &["vcall-create", "vcc", "vd1"],
        &["vcall-play", "vcall-start", "vd1"],
        &["vcall-stop", "vd1"],
        &["vcall-list", "vd1"],
        &["vcall-status", "vd1"],
        &["vcall-delete", "vd1"],
        &["vdevice-status", "vd1"],
        &["vdevice-status-filter", "vd1"],
    ] {
        let cells = row(&out.stdout, expected[0]);
        assert_eq!(cells[..expected.len()], *expected, "{}", out.stdout);
        assert_eq!(cells.len(), expected.len() + 1, "and a description: {cells:?}");
    }
    assert_eq!(row(&out.stdout, "io-get")[2], "Get the state of given IOs");
    assert_eq!(row(&out.stdout, "vcall-create")[3], "Create a new or change an existing announcement.");
    // The standard set is there as well.
    assert_eq!(row(&out.stdout, "help")[..3], ["help", "?", "standard"]);
}

#[test]
fn help_vcall_create_describes_its_parameters() {
    let pa = Pa::plain();
    let out = run(&["help", &pa.url(), "vcall-create"]).expect_code(0);
    let detail = &out.stdout;
    assert!(
        detail.starts_with("COMMAND      vcall-create\nALIASES      vcc\nSET          vd1\nDESCRIPTION"),
        "{detail}"
    );
    assert!(detail.contains("DESCRIPTION  Create a new or change an existing announcement.\n"), "{detail}");
    assert!(
        detail.contains("Delete calls that are no longer needed with vcall-delete."),
        "the long description: {detail}"
    );
    let mandatory = section(detail, "MANDATORY PARAMETERS");
    assert_eq!(names(&mandatory), ["call-id"]);
    assert!(mandatory[0].1.ends_with("The id is chosen by the client."), "{mandatory:?}");
    let optional = section(detail, "OPTIONAL PARAMETERS");
    assert_eq!(names(&optional), ["owner", "priority", "sources", "start", "zones"]);
    // A description its doc comment wraps over several lines comes on one.
    let (_, priority) = optional.iter().find(|(name, _)| *name == "priority").expect("priority");
    assert!(priority.starts_with("Announcement priority (1..255;"), "{priority}");
    assert!(priority.contains("is the highest). Calls with a lower priority number overrule"), "{priority}");
    assert!(!priority.contains('\n'), "{priority}");
    assert_eq!(names(&section(detail, "RETURN VALUES")), ["call"]);

    // The same by its alias, through `call`.
    let by_alias = run(&["call", &pa.url(), "?", "cmd=vcc"]).expect_code(0);
    assert_eq!(by_alias.stdout, out.stdout);
}

#[test]
fn apropos_announcement_finds_the_vcall_commands() {
    let pa = Pa::plain();
    let out = run(&["apropos", &pa.url(), "announcement"]).expect_code(0);
    let mut commands: Vec<&str> =
        out.stdout.lines().skip(1).filter_map(|line| line.split_whitespace().next()).collect();
    commands.sort_unstable();
    assert_eq!(
        commands,
        ["vcall-create", "vcall-delete", "vcall-list", "vcall-play", "vcall-status", "vcall-stop"],
        "{}",
        out.stdout
    );
    assert_eq!(row(&out.stdout, "vcall-play")[..3], ["vcall-play", "vcall-start", "vd1"]);
}

// ---------------------------------------------------------------------------------------
// Announcements
// ---------------------------------------------------------------------------------------

#[test]
fn an_announcement_from_create_to_delete_for_people() {
    let pa = Pa::plain();
    let url = pa.url();
    let call = |args: &[&str]| run(&[&["call", url.as_str()][..], args].concat()).expect_code(0);

    let out = call(&[&["vcall-create", "call-id=evac"][..], &GONG_TO_LOBBY].concat());
    assert!(out.stdout.starts_with("{\n  \"call\": {\n"), "indented JSON: {}", out.stdout);
    assert_eq!(
        document(&out),
        json!({"call": {"call-id": "evac", "sources": ["Gong"], "zones": ["Lobby"], "priority": 30, "owner": null}})
    );
    assert_eq!(out.stderr, "");
    let status = |expected: &str| {
        let out = call(&["vcall-status", "call-id=evac"]);
        assert_eq!(document(&out), json!({"call": {"call-id": "evac", "status": expected}}));
    };
    status("Disconnected");

    // Nothing to say but OK.
    let out = call(&["vcall-play", "call-id=evac"]);
    assert_eq!(out.stdout, "OK\n");
    status("Connected");
    call(&["vcall-stop", "call-id=evac"]);
    status("Disconnected");
    // The alias the specification uses.
    let out = call(&["vcall-start", "call-id=evac"]);
    assert_eq!(out.stdout, "OK\n");
    status("Connected");

    call(&["vcall-create", "call-id=all-clear", r#"sources=["AllClear"]"#, r#"zones=["Floor 1","Floor 2"]"#]);
    let out = call(&["vcall-list", "filter=Lobby"]);
    assert_eq!(
        document(&out),
        json!({"calls": [{"call-id": "evac", "sources": ["Gong"], "zones": ["Lobby"], "priority": 30,
                          "owner": null, "status": "Connected"}]})
    );
    let out = call(&["vcall-list"]);
    let ids: Vec<Value> =
        document(&out)["calls"].as_array().expect("calls").iter().map(|c| c["call-id"].clone()).collect();
    assert_eq!(ids, [json!("evac"), json!("all-clear")]);

    // The result text alone.
    let out = call(&["vcall-delete", "call-id=*"]);
    assert_eq!(out.stdout, "2 calls deleted.\n");
    assert_eq!(document(&call(&["vcall-list"])), json!({"calls": []}));
}

#[test]
fn an_announcement_from_create_to_delete_as_json_lines() {
    let pa = Pa::plain();
    let url = pa.url();
    let call = |args: &[&str]| {
        let out = run(&[&["--json", "call", url.as_str()][..], args].concat()).expect_code(0);
        assert_eq!(out.stderr, "");
        let response = response(&out);
        assert_eq!(response["status"], "OK", "{response}");
        assert_eq!(response["id"], args[0], "{response}");
        assert!(response["cmd-nr"].as_u64().is_some(), "{response}");
        response
    };

    let created = call(&[&["vcall-create", "call-id=evac", "owner=e2e", "start=true"][..], &GONG_TO_LOBBY].concat());
    assert_eq!(
        created["data"],
        json!({"call": {"call-id": "evac", "sources": ["Gong"], "zones": ["Lobby"], "priority": 30, "owner": "e2e"}})
    );
    assert_eq!(
        call(&["vcall-status", "call-id=evac"])["data"],
        json!({"call": {"call-id": "evac", "status": "Connected"}})
    );
    // A partial edit: the rest stays.
    let edited = call(&["vcall-create", "call-id=evac", "priority=25"]);
    assert_eq!(edited["data"]["call"]["priority"], 25);
    assert_eq!(edited["data"]["call"]["zones"], json!(["Lobby"]));

    call(&["vcall-create", "call-id=quiet", r#"sources=["lo.1.ai.1"]"#, r#"zones=["Floor 3"]"#]);
    assert_eq!(call(&["vcall-stop", "call-id=evac"])["data"], json!({}));
    assert_eq!(call(&["vcall-play", "call-id=quiet"])["data"], json!({}));
    assert_eq!(call(&["vcall-start", "call-id=evac"])["data"], json!({}));

    let listed = call(&["vcall-list", "filter=^Floor 3$"]);
    assert_eq!(
        listed["data"],
        json!({"calls": [{"call-id": "quiet", "sources": ["lo.1.ai.1"], "zones": ["Floor 3"], "priority": 41,
                          "owner": null, "status": "Connected"}]})
    );
    let listed = call(&["vcall-list", "filter=e2e"]);
    assert_eq!(listed["data"]["calls"][0]["call-id"], "evac");
    assert_eq!(listed["data"]["calls"][0]["status"], "Connected");

    let deleted = call(&["vcall-delete", "call-id=*"]);
    assert_eq!(deleted["result"], "2 calls deleted.");
    assert_eq!(call(&["vcall-list"])["data"], json!({"calls": []}));
}

#[test]
fn an_error_answer_exits_1_with_the_servers_message() {
    let pa = Pa::plain();
    let url = pa.url();

    let out = run(&["call", &url, "vcall-play", "call-id=nope"]).expect_code(1);
    assert_eq!(out.stderr, "error: No such call: nope\n");
    assert_eq!(out.stdout, "", "the ERROR's empty data object is not worth a line");

    let out = run(&["call", &url, "vcall-create", "call-id=x", r#"zones=["Atlantis"]"#]).expect_code(1);
    assert_eq!(out.stderr, "error: No such zone: Atlantis\n");

    // With --json, the ERROR response on stdout as well.
    let out = run(&["--json", "call", &url, "vcall-start", "call-id=nope"]).expect_code(1);
    let response = response(&out);
    assert_eq!(response["status"], "ERROR");
    assert_eq!(response["result"], "No such call: nope");
    assert_eq!(response["data"], json!({}));
    assert_eq!(out.stderr, "error: No such call: nope\n");

    // A missing mandatory parameter: the server says which.
    let out = run(&["call", &url, "vcall-status"]).expect_code(1);
    assert!(out.stderr.starts_with("error: ") && out.stderr.contains("call-id"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------
// Streams and events, until Ctrl-C
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn log_stream_prints_log_lines_until_ctrl_c_then_the_cancelled_response() {
    let pa = Pa::plain();
    let url = pa.url();
    // The loggers are the process's: follow only this test's call.
    let mut stream = Background::start(&[
        "--json",
        "call",
        &url,
        "log-stream",
        "logger=VD1",
        "level=INFO",
        "filter=call=cli-log-stream",
    ]);
    let first = stream.json();
    assert_eq!(first["type"], "stream", "{first}");
    assert_eq!(first["id"], "log-stream", "{first}");
    assert_eq!(first["data"], json!({"text": "Streaming logger(s) 'VD1' >= level INFO"}));
    let cmd_nr = first["cmd-nr"].as_u64().expect("a cmd-nr");
    assert_eq!(stream.json()["data"], json!({"text": format!("Cancel cmd {cmd_nr} to stop this stream.")}));

    // Another osmp starts a call: the simulator logs it.
    run(&[&["call", url.as_str(), "vcall-create", "call-id=cli-log-stream", "start=true"][..], &GONG_TO_LOBBY].concat())
        .expect_code(0);
    let started = stream.json();
    let line = &started["data"];
    assert_eq!(line["logger"], "VD1.Calls", "{started}");
    assert_eq!(line["level"], "INFO", "{started}");
    assert_eq!(line["text"], "call started call=cli-log-stream", "{started}");
    assert!(line["date-time"].is_string() && line["thread"].is_u64(), "{started}");
    assert_eq!(stream.json()["data"]["text"], "call Connected call=cli-log-stream");

    // 130: the user stopped it (issue 14); the cancelled response is still printed.
    let out = stream.interrupt().expect_code(130);
    let lines = out.json_lines();
    let (response, streamed) = lines.split_last().expect("lines");
    assert_eq!(streamed.len(), 4, "{}", out.stdout);
    for line in streamed {
        assert_eq!((&line["type"], &line["cmd-nr"]), (&json!("stream"), &json!(cmd_nr)), "{line}");
    }
    assert_eq!(response["type"], "response");
    assert_eq!(response["cmd-nr"], cmd_nr);
    assert_eq!(response["status"], "OK");
    assert_eq!(response["result"], "Log stream cancelled.");
    assert!(out.stderr.contains("cancelling log-stream"), "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn watch_prints_the_vd1_snapshots_then_the_changes_until_ctrl_c() {
    let pa = Pa::plain();
    let url = pa.url();
    run(&[&["call", url.as_str(), "vcall-create", "call-id=evac", "start=true"][..], &GONG_TO_LOBBY].concat())
        .expect_code(0);

    let mut watch = Background::start(&["--json", "watch", &url, "vdevice-status-changed", "vcall-status-changed"]);
    // The snapshots on subscribing: every installed device, every call.
    let device = |line: &Value| line["id"] == "vdevice-status-changed";
    let call = |line: &Value| line["id"] == "vcall-status-changed";
    // The server's order: each snapshot follows its subscription.
    let (devices, calls) = (watch.json(), watch.json());
    assert!(device(&devices) && call(&calls), "{devices}\n{calls}");
    assert_eq!(devices["type"], "event");
    let stati = devices["data"]["stati"].as_array().expect("stati");
    let installed = pa.system.lock().devices.all().iter().filter(|d| d.status != Status::NotInstalled).count();
    assert_eq!(stati.len(), installed);
    assert!(stati.contains(&json!({"device-id": "lo.2.pa.1.1", "status": "Ok"})), "{devices}");
    assert_eq!(calls["type"], "event");
    assert_eq!(calls["data"]["call-id"], "evac");
    assert_eq!(calls["data"]["status"], "Connected");
    assert!(calls["data"]["last-started"].is_string(), "{calls}");

    // The amplifier of the Lobby fails: it and its controller are reported, and the call is
    // off the air.
    pa.set_devices(&[DeviceStatus::new("lo.2.pa.1.1", Status::Error, Some(SubStatus::DistortionHigh))]);
    // The server's order: the call is interrupted as the amplifier fails, then the
    // device changes go out.
    let (interrupted, failed) = (watch.json(), watch.json());
    assert!(call(&interrupted) && device(&failed), "{interrupted}\n{failed}");
    assert_eq!(
        failed["data"]["stati"],
        json!([
            {"device-id": "lo.2.pa.1.1", "status": "Error", "sub-status": "DistortionHigh"},
            {"device-id": "lo.2.sc.0", "status": "Error"},
        ])
    );
    assert_eq!(
        (&interrupted["data"]["call-id"], &interrupted["data"]["status"]),
        (&json!("evac"), &json!("Interrupted"))
    );

    // A call started by another client.
    run(&[
        "call",
        &url,
        "vcall-create",
        "call-id=yard",
        r#"sources=["lo.201.ai.1"]"#,
        r#"zones=["Yard"]"#,
        "start=true",
    ])
    .expect_code(0);
    let yard = watch.json();
    assert_eq!((&yard["id"], &yard["data"]["call-id"]), (&json!("vcall-status-changed"), &json!("yard")));
    assert_eq!(yard["data"]["status"], "Connected");

    let out = watch.interrupt().expect_code(0);
    assert_eq!(out.stderr, "");
    for line in out.json_lines() {
        assert_eq!(line["type"], "event", "{line}");
    }
}

#[cfg(unix)]
#[test]
fn watch_prints_one_line_per_event_for_people() {
    let pa = Pa::plain();
    let url = pa.url();
    run(&["call", &url, "vcall-create", "call-id=evac", r#"sources=["Gong"]"#, r#"zones=["Lobby"]"#]).expect_code(0);
    let mut watch = Background::start(&["watch", &url, "vcall-status-changed"]);
    // EVENT DATA, the data as one line of JSON.
    let event = |line: String| {
        let (event, data) = line.split_once(' ').unwrap_or_else(|| panic!("EVENT DATA: {line}"));
        assert_eq!(event, "vcall-status-changed");
        serde_json::from_str::<Value>(data).unwrap_or_else(|error| panic!("not JSON ({error}): {data}"))
    };
    let snapshot = event(watch.line());
    assert_eq!((&snapshot["call-id"], &snapshot["status"]), (&json!("evac"), &json!("Disconnected")));
    assert_eq!(snapshot["last-started"], "0001-01-01T00:00:00", "never started");

    run(&["call", &url, "vcall-play", "call-id=evac"]).expect_code(0);
    let started = event(watch.line());
    assert_eq!((&started["call-id"], &started["status"]), (&json!("evac"), &json!("Connected")));
    let out = watch.interrupt().expect_code(0);
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    assert_eq!(out.stderr, "", "no note on a pipe");
}

// ---------------------------------------------------------------------------------------
// Security
// ---------------------------------------------------------------------------------------

#[test]
fn logging_in_to_a_pa_that_requires_it() {
    let pa = Pa::with_auth();
    let url = pa.url();
    let out = run_with(osmp().args(["--user", "jon", "call", &url, "vcall-list"]).env("OSMP_PASSWORD", "secret"), None)
        .expect_code(0);
    assert_eq!(document(&out), json!({"calls": []}));
    assert_eq!(out.stderr, "");

    let out = run_with(osmp().args(["--user", "jon", "call", &url, "vcall-list"]).env("OSMP_PASSWORD", "wrong"), None)
        .expect_code(3);
    assert_eq!(out.stderr, "error: login as 'jon' failed: Login failed!\n");
    assert_eq!(out.stdout, "");

    let out = run(&["call", &url, "vcall-list"]).expect_code(1);
    assert_eq!(out.stderr, "error: Authentication required!\n");
}

#[test]
fn a_pinned_fingerprint_reaches_the_pa_over_wss() {
    let pa = Pa::tls();
    let url = pa.url();
    assert!(url.starts_with("wss://"), "{url}");
    let fingerprint = pa.fingerprint();

    let pinned = |args: &[&str]| run(&[&["--fingerprint", fingerprint.as_str()][..], args].concat()).expect_code(0);
    pinned(&[&["call", url.as_str(), "vcall-create", "call-id=evac", "start=true"][..], &GONG_TO_LOBBY].concat());
    let out = pinned(&["--json", "call", &url, "vcall-status", "call-id=evac"]);
    assert_eq!(response(&out)["data"], json!({"call": {"call-id": "evac", "status": "Connected"}}));
    let out = pinned(&["help", &url]);
    assert_eq!(row(&out.stdout, "io-get")[1], "director");

    // Not pinned: the system's roots do not know the certificate.
    let out = run(&["call", &url, "vcall-list"]).expect_code(3);
    assert!(out.stderr.starts_with("error: TLS handshake failed"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------
// The shell
// ---------------------------------------------------------------------------------------

#[test]
fn the_shell_runs_a_script_of_vd1_commands() {
    let pa = Pa::plain();
    let script = r#"vcall-create call-id=shell sources='["Gong"]' zones='["Lobby", "Floor 1"]' start=true
vcall-list filter=shell

vcall-status call-id=shell
exit
vcall-delete call-id=*
"#;
    let out = run_with(osmp().args(["shell", &pa.url()]), Some(script)).expect_code(0);
    assert_eq!(out.stderr, "");
    // Three indented JSON documents, one after the other.
    let documents: Vec<Value> =
        serde_json::Deserializer::from_str(&out.stdout).into_iter().collect::<Result<_, _>>().expect("JSON documents");
    assert_eq!(
        documents,
        [
            json!({"call": {"call-id": "shell", "sources": ["Gong"], "zones": ["Lobby", "Floor 1"], "priority": 41, "owner": null}}),
            json!({"calls": [{"call-id": "shell", "sources": ["Gong"], "zones": ["Lobby", "Floor 1"], "priority": 41,
                              "owner": null, "status": "Connected"}]}),
            json!({"call": {"call-id": "shell", "status": "Connected"}}),
        ]
    );
    // Nothing ran after exit: the call is still there.
    let out = run(&["--json", "call", &pa.url(), "vcall-list"]).expect_code(0);
    assert_eq!(response(&out)["data"]["calls"][0]["call-id"], "shell");

    // An ERROR answer does not stop the script; the exit code says there was one.
    let script = "vcall-play call-id=nope\nvcall-delete call-id=*\n";
    let out = run_with(osmp().args(["--json", "shell", &pa.url()]), Some(script)).expect_code(1);
    let lines = out.json_lines();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert_eq!((&lines[0]["status"], &lines[0]["result"]), (&json!("ERROR"), &json!("No such call: nope")));
    assert_eq!((&lines[1]["status"], &lines[1]["result"]), (&json!("OK"), &json!("1 call deleted.")));
    assert_eq!(out.stderr, "error: No such call: nope\n");
}

/// The README's commands for the public-address example work as written: each `osmp` line
/// of its block runs through `sh` (quoting and all), with the binary under test for `osmp`
/// and the test server's address for the README's. Lines that run until Ctrl-C get it once
/// they have printed.
#[cfg(unix)]
#[test]
fn the_readmes_commands_work_as_written() {
    const README: &str = include_str!("../../../README.md");
    const README_ADDRESS: &str = "ws://127.0.0.1:9001";
    let section = README.split("## A real job").nth(1).expect("the README's public-address section");
    let block = section.split("```text\n").nth(1).and_then(|rest| rest.split("```").next()).expect("its commands");
    let commands: Vec<&str> = block.lines().filter(|line| line.starts_with("osmp ")).collect();
    assert!(commands.len() >= 4, "{block}");

    let pa = Pa::plain();
    let address = pa.url().trim_end_matches("/osmp/v1").to_owned();
    for line in commands {
        assert!(line.contains(README_ADDRESS), "{line}");
        let line = line.replacen("osmp", env!("CARGO_BIN_EXE_osmp"), 1).replace(README_ADDRESS, &address);
        let mut shell = Command::new("sh");
        shell.arg("-c").arg(format!("exec {line}")).env_remove("OSMP_PASSWORD");
        if !line.contains(" watch ") && !line.contains("log-stream") {
            run_with(&mut shell, None).expect_code(0);
            continue;
        }
        let mut running = Background::spawn(shell);
        if line.contains("log-stream") {
            // Its two `text` messages read as two lines (issue 14), not run together.
            assert_eq!(running.line(), "Streaming logger(s) 'VD1' >= level INFO");
            let cancel = running.line();
            assert!(cancel.starts_with("Cancel cmd ") && cancel.ends_with(" to stop this stream."), "{cancel}");
            // Stopping and starting the call logs, once the stream is there to see it.
            let deadline = Instant::now() + PATIENCE;
            for toggle in ["vcall-stop", "vcall-play"].iter().cycle() {
                assert!(Instant::now() < deadline, "log-stream printed no log line");
                run(&["call", &address, toggle, "call-id=evac"]).expect_code(0);
                if let Some(record) = running.line_within(Duration::from_millis(200)) {
                    assert!(record.starts_with('{') && record.contains(r#""logger":"VD1"#), "{record}");
                    break;
                }
            }
            // Ctrl-C cancels the call: exit 130, stopped by the user.
            running.interrupt().expect_code(130);
            continue;
        }
        running.line();
        running.interrupt().expect_code(0);
    }
}

/// `pa_system --files DIR`: an operator fetches a log file and pushes a configuration file
/// with `osmp`, and cannot reach outside the folder.
#[test]
fn with_files_an_operator_fetches_a_log_and_pushes_a_file() {
    let root = crate::files::Folder::new("pa-root");
    let local = crate::files::Folder::new("pa-local");
    std::fs::create_dir(root.join("logs")).unwrap();
    std::fs::write(root.join("logs/vd1.log"), b"2026-11-21 10:00:00 INFO amplifier ok\n").unwrap();
    let pa = Pa::start(&["--no-tls", "--files", root.str()]);
    run(&["download", &pa.url(), "logs/vd1.log", local.str()]).expect_code(0);
    assert_eq!(std::fs::read(local.join("vd1.log")).unwrap(), b"2026-11-21 10:00:00 INFO amplifier ok\n");
    let config = local.join("zones.json");
    std::fs::write(&config, b"{\"zones\":[\"Lobby\"]}").unwrap();
    run(&["upload", &pa.url(), config.to_str().unwrap()]).expect_code(0);
    assert_eq!(std::fs::read(root.join("zones.json")).unwrap(), b"{\"zones\":[\"Lobby\"]}");
    let out = run(&["download", &pa.url(), "/etc/passwd", local.join("passwd").to_str().unwrap()]).expect_code(1);
    assert!(out.stderr.contains("invalide filename: /etc/passwd"), "{}", out.stderr);
    assert!(!local.join("passwd").exists());
}
