//! The PA-system example (`examples/pa_system`), its server started in this process as its
//! command line starts it (`--no-tls --bind 127.0.0.1:0`), and tested over real sockets.
//!
//! First every example of the specification's Director and VD1 chapters: the commands are
//! sent as the literal text the specification prints, and the answers are checked field by
//! field against the printed answers. Where a printed text is not valid JSON (trailing
//! commas, a stray brace) or belongs to a different command number, the comment at the
//! example says what was changed; PDF line wraps inside strings are joined. Then the
//! behaviour behind them: editing, priorities and interruption, calls that end by
//! themselves, `*`, per-session filters, snapshots, the log stream, lenient booleans and
//! the typed clients.
//!
//! The simulation runs without random device changes (`--no-device-changes`) but where a
//! test is about them; sources play 100 times faster than real time (`--time-scale 100`)
//! where a test waits for them to end.

/// The example as it is, `main` and all: its modules come along (a file included with
/// `#[path]` finds its own modules beside it).
#[allow(dead_code)]
#[path = "../../examples/pa_system/main.rs"]
mod example;

use example::{calls, installation, lenient, logging, simulation};

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::support::*;
use calls::{CallDefinition, CallStatus, Calls};
use example::director::DirectorClient;
use example::vd1::{CallSettings, DeviceQuery, FilterChange, Vd1Client};
use installation::{DeviceStatus, Installation, Length, Status, SubStatus};
use lenient::Bool;
use simulation::PaSystem;

// ---------------------------------------------------------------------------------------
// The server under test, and reading what it sends
// ---------------------------------------------------------------------------------------

/// The example's server on 127.0.0.1:0 (plain ws://), its simulation and its clock.
struct Pa {
    server: ServerHandle,
    system: Arc<PaSystem>,
    clock: tokio::task::JoinHandle<()>,
}

impl Pa {
    /// Sources play `time_scale` times faster than real time; devices change only when told.
    async fn start(time_scale: f64) -> Pa {
        let (server, system) = serve(&["--no-device-changes", "--time-scale", &time_scale.to_string()]).await;
        let clock = tokio::spawn(system.clone().run(server.events().clone()));
        Pa { server, system, clock }
    }

    async fn peer(&self) -> Peer {
        let (raw, _) = RawPeer::connect(&self.server).await;
        Peer { raw, events: VecDeque::new() }
    }

    /// Changes device statuses as the simulation's random changes do.
    fn set_devices(&self, updates: &[DeviceStatus]) {
        self.system.update(self.server.events(), |state| state.set_devices(updates)).expect("known devices");
    }

    /// Closes the peers still connected (a shutdown would wait for their answers to its
    /// close frames), stops the clock and shuts the server down.
    async fn stop(self, peers: Vec<Peer>) {
        for peer in peers {
            peer.close().await;
        }
        self.clock.abort();
        self.server.shutdown().await;
    }
}

/// The example's server and simulation as `cargo run --example pa_system -- --no-tls --bind
/// 127.0.0.1:0` and these flags make them, with short session timings; the simulation's
/// clock is not running yet.
async fn serve(flags: &[&str]) -> (ServerHandle, Arc<PaSystem>) {
    serve_with(flags, |builder, _| builder).await
}

/// [`serve`], with more on the builder (such as the binary's maintenance set).
async fn serve_with(
    flags: &[&str],
    extend: impl FnOnce(ServerBuilder, &Arc<PaSystem>) -> ServerBuilder,
) -> (ServerHandle, Arc<PaSystem>) {
    install_logging();
    let command_line = ["pa_system", "--no-tls", "--bind", "127.0.0.1:0"].iter().chain(flags);
    let args = example::Args::try_parse_from(command_line).expect("valid flags");
    let system = example::simulation(&args).expect("valid simulation flags");
    let builder = extend(example::builder(&args, &system).expect("valid server flags"), &system);
    let server = builder.session_config(session_config()).build().await.expect("server binds");
    (server.spawn(), system)
}

/// Short keep-alive timings, and events sent 20 ms after they happen rather than batched
/// for 200 ms as the reference does.
fn session_config() -> osmp::session::SessionConfig {
    let mut config = quick_session();
    config.event_batch_window = Duration::from_millis(20);
    config
}

/// The logging bridge, installed once for the whole test process (tracing has one dispatcher).
fn install_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(logging::Bridge);
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
    });
}

/// A raw peer that also takes events apart: single events and multi-events alike.
struct Peer {
    raw: RawPeer,
    /// Events read but not asked for yet: (name, data).
    events: VecDeque<(String, Value)>,
}

impl Peer {
    async fn close(self) {
        self.raw.close().await;
    }

    async fn call(&mut self, nr: u64, id: &str, data: Value) -> Value {
        self.raw.call(nr, id, data).await
    }

    /// Sends a literal message and returns the response to it.
    async fn send(&mut self, text: &str) -> Value {
        let nr = serde_json::from_str::<Value>(text).expect("valid JSON")["nr"].as_u64().expect("a nr");
        self.raw.send(text).await;
        self.raw.response_to(nr).await
    }

    async fn subscribe(&mut self, event: &str) {
        let nr = self.raw.helper_nr();
        let response = self.call(nr, "event-subscribe", json!({ "event": event })).await;
        assert_eq!(response["status"], "OK", "{response}");
    }

    /// The data of the next event named `name`.
    async fn event(&mut self, name: &str) -> Value {
        loop {
            if let Some(index) = self.events.iter().position(|(event, _)| event == name) {
                return self.events.remove(index).expect("in range").1;
            }
            self.read_event().await;
        }
    }

    /// The next `vcall-status-changed` of a call: (status, data).
    async fn call_status(&mut self, call_id: &str) -> (String, Value) {
        loop {
            let found = self
                .events
                .iter()
                .position(|(event, data)| event == "vcall-status-changed" && data["call-id"] == call_id);
            if let Some(index) = found {
                let data = self.events.remove(index).expect("in range").1;
                return (data["status"].as_str().expect("a status").to_owned(), data);
            }
            self.read_event().await;
        }
    }

    async fn read_event(&mut self) {
        let message = self.raw.take(|m| m["type"] == "event" && m["id"] != "session-status").await;
        match message["id"].as_str() {
            Some(name) => self.events.push_back((name.to_owned(), message["data"].clone())),
            None => {
                for item in message["data"]["events"].as_array().expect("a multi-event has events") {
                    let name = item["event"].as_str().expect("an event name").to_owned();
                    self.events.push_back((name, item["data"].clone()));
                }
            }
        }
    }
}

/// Checks a message against the answer the specification prints, field by field: every
/// field it prints must be there with that value, except the message's own `nr` (each side
/// numbers its own messages) and `date-time` values, which must be date-times in the
/// reference's format. A printed `null` also accepts an absent field.
#[track_caller]
fn assert_as_printed(actual: &Value, printed: &str) {
    let printed: Value = serde_json::from_str(printed).expect("the printed answer is valid JSON");
    let mut expected = printed.as_object().expect("an object").clone();
    expected.remove("nr");
    compare(actual, &Value::Object(expected), "");
}

#[track_caller]
fn compare(actual: &Value, expected: &Value, path: &str) {
    match expected {
        Value::Object(fields) => {
            for (key, value) in fields {
                let here = format!("{path}/{key}");
                match actual.get(key) {
                    None if value.is_null() => {}
                    None => panic!("{here} is missing in {actual}"),
                    Some(found) if key == "date-time" => assert_date_time(found, &here),
                    Some(found) => compare(found, value, &here),
                }
            }
        }
        Value::Array(items) => {
            let found = actual.as_array().unwrap_or_else(|| panic!("{path}: expected an array, got {actual}"));
            assert_eq!(found.len(), items.len(), "{path}: {actual} should have {} items", items.len());
            for (index, (found, item)) in found.iter().zip(items).enumerate() {
                compare(found, item, &format!("{path}/{index}"));
            }
        }
        scalar => assert_eq!(actual, scalar, "{path}"),
    }
}

/// ISO 8601 with seven fractional digits and an offset, as the reference writes date-times.
#[track_caller]
fn assert_date_time(value: &Value, path: &str) {
    let text = value.as_str().unwrap_or_else(|| panic!("{path}: {value} is not a string"));
    assert!(chrono::DateTime::parse_from_rfc3339(text).is_ok(), "{path}: '{text}' is not ISO 8601 with an offset");
    let fraction = text.split_once('.').map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).count());
    assert_eq!(fraction, Some(7), "{path}: '{text}' should have seven fractional digits");
}

fn stati(data: &Value) -> Vec<String> {
    data["stati"]
        .as_array()
        .expect("stati")
        .iter()
        .map(|s| s["device-id"].as_str().expect("an id").to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------
// The specification's examples: Director
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn spec_io_get_and_io_set() {
    let pa = Pa::start(1.0).await;

    // "getting the first 12 contacts from DAL 1 of DOM 1 (i.e. all the DCS buttons)"; the
    // demo installation has buttons 4, 9 and 12 pressed, as the example's answer says.
    let mut peer = pa.peer().await;
    let response = peer
        .send(
            r#"{ "type": "cmd", "nr": 1, "id": "io-get", "data": {
            "addrs": [
              "lo.1.io.1.1", "lo.1.io.1.2", "lo.1.io.1.3", "lo.1.io.1.4", "lo.1.io.1.5", "lo.1.io.1.6",
              "lo.1.io.1.7", "lo.1.io.1.8", "lo.1.io.1.9", "lo.1.io.1.10", "lo.1.io.1.11", "lo.1.io.1.12"]
          }}"#,
        )
        .await;
    // Printed with "cmd-nr": 4, the answer to a command numbered 4: renumbered to 1.
    assert_as_printed(
        &response,
        r#"{
              "cmd-nr": 1,
              "status": "OK",
              "result": null,
              "type": "response",
              "nr": 7,
              "id": "io-get",
              "data": {
                "rv": {
                  "lo.1.io.1.1": false,
                  "lo.1.io.1.2": false,
                  "lo.1.io.1.3": false,
                  "lo.1.io.1.4": true,
                  "lo.1.io.1.5": false,
                  "lo.1.io.1.6": false,
                  "lo.1.io.1.7": false,
                  "lo.1.io.1.8": false,
                  "lo.1.io.1.9": true,
                  "lo.1.io.1.10": false,
                  "lo.1.io.1.11": false,
                  "lo.1.io.1.12": true
                }
              }
          }"#,
    );
    assert_eq!(response["data"]["rv"].as_object().unwrap().len(), 12, "exactly the contacts asked for");

    peer.close().await;
    let mut peer = pa.peer().await;
    let response = peer
        .send(
            r#"{ "type": "cmd", "nr": 1, "id": "io-set", "data": {
            "states": { "lo.1.io.1": true, "lo.1.io.2": false, "lo.1.io.3": true }
          }}"#,
        )
        .await;
    // Printed with "cmd-nr": 5: renumbered to 1.
    assert_as_printed(
        &response,
        r#"{
              "cmd-nr": 1,
              "status": "OK",
              "result": null,
              "type": "response",
              "nr": 8,
              "id": "io-set",
              "data": {
                "rv": {
                  "lo.1.io.1": true,
                  "lo.1.io.2": false,
                  "lo.1.io.3": true
                }
              }
          }"#,
    );
    let read_back = peer.call(2, "io-get", json!({"addrs": ["lo.1.io.1", "lo.1.io.2", "lo.1.io.3"]})).await;
    assert_eq!(read_back["data"]["rv"], json!({"lo.1.io.1": true, "lo.1.io.2": false, "lo.1.io.3": true}));

    // Not reachable is null: DOM 200 is offline, DAL 3 of DOM 1 has no call station.
    let unreachable = peer.call(3, "io-get", json!({"addrs": ["lo.200.io.1", "lo.1.io.3.1"], "system": "vd1"})).await;
    assert_eq!(unreachable["data"]["rv"], json!({"lo.200.io.1": null, "lo.1.io.3.1": null}));
    let set_unreachable = peer.call(4, "io-set", json!({"states": {"lo.200.io.1": true}})).await;
    assert_eq!(set_unreachable["data"]["rv"], json!({"lo.200.io.1": null}));
    let wrong = peer.call(5, "io-get", json!({"addrs": ["lo.1.pa.1.1"]})).await;
    assert_eq!(
        (wrong["status"].as_str(), wrong["result"].as_str()),
        (Some("ERROR"), Some("Not an IO contact address: lo.1.pa.1.1"))
    );
    let other_system = peer.call(6, "io-get", json!({"addrs": ["1"], "system": "ied"})).await;
    assert_eq!(other_system["result"], "System 'ied' is not simulated (use vd1 or auto)");
    pa.stop(vec![peer]).await;
}

/// Logger levels are process-wide: this is the only test that sets the level of `Director`.
#[tokio::test]
async fn spec_log_list_log_level_and_log_stream() {
    let pa = Pa::start(1.0).await;
    let mut helper = pa.peer().await;

    // log-list: the example lists Director at ERROR, having counted nothing. Ours starts at
    // WARN (and has logged no warning): set it to ERROR first.
    assert_eq!(
        helper.call(1, "log-level", json!({"logger": "Director", "level": "error"})).await["data"]["level"],
        "ERROR"
    );
    let mut peer = pa.peer().await;
    let response = peer.send(r#"{ "type": "cmd", "nr": 1, "id": "log-list", "data": null }"#).await;
    // The printed list is "truncated for brevity": its one entry is checked, and the others
    // are the simulator's loggers and whatever else logged in this process.
    let loggers = response["data"]["loggers"].as_array().expect("a list of loggers");
    let director = loggers.iter().find(|logger| logger["logger"] == "Director").expect("Director is listed");
    compare(director, &json!({ "logger": "Director", "level": "ERROR", "count": 0 }), "/data/loggers/Director");
    let names: Vec<&str> = loggers.iter().filter_map(|logger| logger["logger"].as_str()).collect();
    for name in ["VD1.Calls", "VD1.Devices", "VD1.IO"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_as_printed(&response, r#"{"status": "OK", "type": "response", "nr": 1, "cmd-nr": 1, "id": "log-list"}"#);
    let filtered = helper.call(2, "log-list", json!({"filter": "^vd1\\."})).await;
    assert_eq!(filtered["data"]["loggers"].as_array().unwrap().len(), 3, "{filtered}");

    peer.close().await;
    let mut peer = pa.peer().await;
    let response = peer
        .send(r#"{ "type": "cmd", "nr": 1, "id": "log-level", "data": {"logger":"Director", "level":"DEBUG"}}"#)
        .await;
    assert_as_printed(
        &response,
        r#"{ "cmd-nr": 1,
             "status": "OK",
             "result": null,
             "type": "response",
             "nr": 1,
             "id": "log-level",
             "data": { "level": "DEBUG" }
           }"#,
    );
    assert_eq!(helper.call(3, "log-level", json!({"logger": "Director"})).await["data"]["level"], "DEBUG");
    assert_eq!(
        helper.call(4, "log-level", json!({"logger": "Director.IO"})).await["data"]["level"],
        "DEBUG",
        "inherited"
    );
    let bad = helper.call(5, "log-level", json!({"logger": "Director", "level": "LOUD"})).await;
    assert_eq!(bad["result"], "Unknown level 'LOUD': use OFF, DEBUG, INFO, WARN, ERROR, FATAL or DEFAULT");

    // log-stream, then its two text messages. The specification prints the logger name in
    // typographic quotes (‘Director’), a word processor's rendering of the plain ones.
    peer.close().await;
    let mut peer = pa.peer().await;
    peer.raw.send(r#"{"type":"cmd", "nr":1, "id":"log-stream", "data":{"logger":"Director","level":"DEBUG"}}"#).await;
    let first = peer.raw.take(|m| m["type"] == "stream").await;
    assert_as_printed(
        &first,
        r#"{"type":"stream", "nr":21, "cmd-nr":1, "id":"log-stream", "data":{"text":"Streaming logger(s) 'Director' >= level DEBUG"}}"#,
    );
    let second = peer.raw.take(|m| m["type"] == "stream").await;
    assert_as_printed(
        &second,
        r#"{"type":"stream", "nr":22, "cmd-nr":1, "id":"log-stream", "data":{"text":"Cancel cmd 1 to stop this stream."}}"#,
    );
    // The session-status event that keeps the stream alive in the client.
    let status = peer.raw.take(|m| m["type"] == "event" && m["id"] == "session-status").await;
    assert_as_printed(&status, r#"{"type":"event","nr":23, "id":"session-status","data":{"active-cmds":[1]}}"#);

    // A real log message of the Director logger: the one io-get writes at DEBUG.
    helper.call(6, "io-get", json!({"addrs": ["lo.1.io.1"]})).await;
    let line = peer.raw.take(|m| m["type"] == "stream" && m["data"]["text"] == "io-get contacts=1").await;
    assert_as_printed(
        &line,
        r#"{"type":"stream","nr":24,"cmd-nr":1,"id":"log-stream","data":{"date-time":"2017-08-31T12:14:30.0647371+02:00","logger":"Director","level":"DEBUG","text":"io-get contacts=1"}}"#,
    );
    assert!(line["data"]["thread"].is_u64(), "the thread is a number: {line}");

    peer.raw.send(r#"{ "type": "cancel", "nr": 2, "data": {"cmds":[1]}}"#).await;
    let response = peer.raw.response_to(1).await;
    assert_as_printed(
        &response,
        r#"{"type":"response", "id":"log-stream", "nr":104, "cmd-nr":1, "status":"OK", "result":"Log stream cancelled."}"#,
    );

    // The other form of cancel, "*" for every active command (renumbered: nr 2 is taken).
    peer.raw.send(r#"{"type":"cmd", "nr":3, "id":"log-stream", "data":{"logger":"Director","level":"DEBUG"}}"#).await;
    peer.raw.take(|m| m["type"] == "stream" && m["cmd-nr"] == 3).await;
    peer.raw.send(r#"{ "type": "cancel", "nr": 4, "data": {"cmds":"*"}}"#).await;
    assert_eq!(peer.raw.response_to(3).await["result"], "Log stream cancelled.");

    assert_eq!(
        helper.call(7, "log-level", json!({"logger": "Director", "level": "DEFAULT"})).await["data"]["level"],
        "WARN"
    );
    pa.stop(vec![helper, peer]).await;
}

// ---------------------------------------------------------------------------------------
// The specification's examples: VD1
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn spec_vcall_create_edit_play_stop_and_status() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;

    let response = peer
        .send(
            r#"{"nr":2, "type":"cmd", "id":"vcall-create", "data":{
                            "call-id":"testcall1",
                            "sources":["EvacuationText"],
                            "zones":["Floor 3", "Floor 4", "Lobby", "Staircase"],
                            "priority":42
                    }}"#,
        )
        .await;
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 2, "nr": 2, "type": "response", "id": "vcall-create",
                  "data": {
                            "call": {
                                      "call-id": "testcall1",
                                      "sources": ["EvacuationText"],
                                      "zones": ["Floor 3", "Floor 4", "Lobby", "Staircase"],
                                      "priority": 42,
                                      "owner": null
                           }
                  },
                  "status": "OK"}"#,
    );

    // Printed with a trailing comma after "sources": removed.
    let response = peer
        .send(
            r#"{"nr":3, "type":"cmd", "id":"vcall-create", "data":{
                            "call-id":"testcall1",
                            "sources":["Gong", "EvacuationText"]
                    }}"#,
        )
        .await;
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 3, "nr": 3, "type": "response", "id": "vcall-create",
                  "data": {
                            "call": {
                                     "call-id": "testcall1",
                                     "sources": ["Gong", "EvacuationText"],
                                     "zones": ["Floor 3", "Floor 4", "Lobby", "Staircase"],
                                     "priority": 42,
                                     "owner": null
                             }
                      },
                      "status": "OK"
           }"#,
    );

    // Printed with a trailing comma after "call-id": removed.
    let response = peer.send(r#"{"nr":4, "type":"cmd", "id":"vcall-play", "data":{ "call-id":"testcall1" } }"#).await;
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 4, "nr":4, "type":"response", "id":"vcall-play", "data":{}, "status":"OK"}"#,
    );

    // The specification prints only the answer for a call that does not exist (to a command
    // numbered 4 again); the command is vcall-play for testcall2, numbered 5. The reference
    // names the text "reason", which its peers read as "result", the name we send.
    let response = peer.send(r#"{"nr":5, "type":"cmd", "id":"vcall-play", "data":{ "call-id":"testcall2" } }"#).await;
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 5, "nr":5, "type":"response", "id":"vcall-play", "data":{}, "status":"ERROR",
           "result":"No such call: testcall2"}"#,
    );

    // Printed with a trailing comma after "call-id", and the answer with a stray "}" at its
    // end: both removed.
    let response = peer.send(r#"{"nr":6, "type":"cmd", "id":"vcall-stop", "data":{ "call-id":"testcall1" } }"#).await;
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 6, "nr":6, "type":"response", "id":"vcall-stop", "data":{}, "status":"OK"}"#,
    );

    // The vcall-status example shows a connected call: start it again (nr 7 is not printed).
    assert_eq!(peer.call(7, "vcall-start", json!({"call-id": "testcall1"})).await["status"], "OK", "the alias");
    // Printed with trailing commas in the command and in the answer: removed.
    let response = peer.send(r#"{"nr":9, "type":"cmd", "id":"vcall-status", "data":{"call-id":"testcall1" }}"#).await;
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 9, "nr":9, "type":"response", "id":"vcall-status",
                  "data":{
                           "call":{"call-id":"testcall1", "status":"Connected" }
                  },
                  "status":"OK"
           }"#,
    );
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn spec_vcall_list_and_delete() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    // The two calls of the example. Its testcall2 has priority 0, outside the range 1..255
    // that vcall-create's parameter table gives: the reference stores it, and so do we.
    let create = |id: &str, sources: &[&str], zones: &[&str], priority: u8| json!({"call-id": id, "sources": sources, "zones": zones, "priority": priority});
    let first = create("testcall1", &["EvacuationText"], &["Floor 3", "Floor 4", "Lobby", "Staircase"], 100);
    assert_eq!(peer.call(1, "vcall-create", first).await["status"], "OK");
    let second = create("testcall2", &["Gong", "EvacuationText"], &["Floor 1", "Floor 2", "Lobby", "Staircase"], 0);
    assert_eq!(peer.call(2, "vcall-create", second).await["status"], "OK");
    let refused = peer.call(3, "vcall-create", json!({"call-id": "testcall3", "priority": 256})).await;
    assert_eq!(refused["status"], "ERROR", "priorities end at 255: {refused}");

    let response = peer.send(r#"{"nr":8, "type":"cmd", "id":"vcall-list", "data":{}}"#).await;
    // Printed with a stray "}" at the end: removed.
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 8, "nr":8, "type":"response", "id":"vcall-list",
                   "data":{
                            "calls":[
                                      {"call-id":"testcall1", "sources":["EvacuationText"],
                                      "zones":["Floor 3","Floor 4","Lobby","Staircase"], "priority":100,
                                      "owner":null, "status":"Disconnected"},
                                      {"call-id":"testcall2", "sources":["Gong","EvacuationText"],
                                      "zones":["Floor 1","Floor 2","Lobby","Staircase"], "priority":0,
                                      "owner":null, "status":"Disconnected"}]
                   },
                   "status":"OK"}"#,
    );
    // The filter matches any field.
    let gong = peer.call(9, "vcall-list", json!({"filter": "^Gong$"})).await;
    assert_eq!(gong["data"]["calls"].as_array().unwrap().len(), 1);
    assert_eq!(gong["data"]["calls"][0]["call-id"], "testcall2");
    let by_priority = peer.call(11, "vcall-list", json!({"filter": "^100$"})).await;
    assert_eq!(by_priority["data"]["calls"][0]["call-id"], "testcall1");
    let by_status = peer.call(12, "vcall-list", json!({"filter": "^Disconnected$"})).await;
    assert_eq!(by_status["data"]["calls"].as_array().unwrap().len(), 2, "{by_status}");
    let none = peer.call(13, "vcall-list", json!({"filter": "Parking"})).await;
    assert_eq!(none["data"]["calls"], json!([]));
    let invalid = peer.call(14, "vcall-list", json!({"filter": "("})).await;
    assert!(invalid["result"].as_str().unwrap().starts_with("invalid regular expression"), "{invalid}");

    // Printed with a trailing comma after "call-id": removed.
    let response = peer.send(r#"{"nr":10, "type":"cmd", "id":"vcall-delete", "data":{"call-id":"*" }}"#).await;
    assert_as_printed(
        &response,
        r#"{"cmd-nr": 10, "nr":10, "type":"response", "id":"vcall-delete",
         "result":"2 calls deleted.", "status":"OK"}"#,
    );
    assert_eq!(peer.call(15, "vcall-list", Value::Null).await["data"]["calls"], json!([]));
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn spec_vdevice_status() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    let response = peer
        .send(
            r#"{"type": "cmd", "nr": 5, "id": "vdevice-status", "data": {
               "device-id": "*",
               "ignore-not-installed": "True",
               "exclude-filter": "\\.(pr|lr)\\.",
               "include-filter": "lo\\.64"
       }}"#,
        )
        .await;
    // The example writes the call stations as lo.64.ds.1.1 and lo.64.ds.2.1; the address
    // scheme's table (and the vdevice-status-changed example) as lo.N.ds.1 to lo.N.ds.4,
    // "DCS or UIM on DAL 1 - 4", which the simulator follows.
    assert_as_printed(
        &response,
        r#"{"type":"response","id":"vdevice-status","nr":6,"cmd-nr":5,"status":"OK","data":{"stati":[
               {"device-id":"lo.64.sc.0","status":"Error"},
               {"device-id":"lo.64.ds.1","status":"Ok"},
               {"device-id":"lo.64.ds.2","status":"Error"},
               {"device-id":"lo.64.pa.41.1","status":"Ok"},
               {"device-id":"lo.64.pa.42.1","status":"Ok"},
               {"device-id":"lo.64.pa.43.1","status":"Ok"},
               {"device-id":"lo.64.pa.44.1","status":"Ok"},
               {"device-id":"lo.64.pa.1.1","status":"Ok","sub-status":"AmplificationLow"},
               {"device-id":"lo.64.pa.2.1","status":"Ok","sub-status":"AmplificationLow"},
               {"device-id":"lo.64.pa.3.1","status":"Ok","sub-status":"AmplificationLow"},
               {"device-id":"lo.64.pa.4.1","status":"Ok","sub-status":"AmplificationLow"}
       ]}}"#,
    );
    for status in response["data"]["stati"].as_array().unwrap() {
        assert!(status.get("sub-status").is_none_or(|sub| !sub.is_null()), "no null sub-status: {status}");
    }

    // One device; all of them; unknown ones.
    let one = peer.call(6, "vdevice-status", json!({"device-id": "lo.200.sc.0"})).await;
    assert_eq!(one["data"]["stati"], json!([{"device-id": "lo.200.sc.0", "status": "Offline"}]));
    // NotInstalled devices are left out unless asked for, as the reference client asks.
    let installed = peer.call(7, "vdevice-status", json!({"device-id": "*"})).await;
    let (every, not_installed) = {
        let state = pa.system.lock();
        let devices = state.devices.all();
        (devices.len(), devices.iter().filter(|device| device.status == Status::NotInstalled).count())
    };
    assert!(not_installed > 0, "the demo has devices that are not installed");
    assert_eq!(installed["data"]["stati"].as_array().unwrap().len(), every - not_installed);
    let all = peer.call(9, "vdevice-status", json!({"device-id": "*", "ignore-not-installed": false})).await;
    assert_eq!(all["data"]["stati"].as_array().unwrap().len(), every);
    let unknown = peer.call(8, "vdevice-status", json!({"device-id": "lo.7.sc.0"})).await;
    assert_eq!(
        (unknown["status"].as_str(), unknown["result"].as_str()),
        (Some("ERROR"), Some("No such device: lo.7.sc.0"))
    );
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn spec_vdevice_status_filter() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    // The example's answer shows a session that excluded pre-amplifiers and line relays.
    let set = peer.call(1, "vdevice-status-filter", json!({"exclude-filter": "\\.(pr|lr)\\."})).await;
    assert_eq!(set["status"], "OK", "{set}");

    let response = peer.send(r#"{"type": "cmd", "nr": 5, "id": "vdevice-status-filter", "data": {}}"#).await;
    // Printed with "cmd-nr":3: renumbered to 5.
    assert_as_printed(
        &response,
        r#"{"type":"response","id":"vdevice-status-filter","nr":9,"cmd-nr":5,"status":"OK",
         "data":{"ignore-not-installed":true,"include-filter":null,"exclude-filter":"\\.(pr|lr)\\."}}"#,
    );
    assert!(response["data"].get("include-filter").is_some(), "null filters are sent as null: {response}");

    // Omitted settings stay, null removes a filter, a new session has the defaults.
    let changed = peer
        .call(6, "vdevice-status-filter", json!({"include-filter": "lo\\.1\\.", "ignore-not-installed": false}))
        .await;
    assert_eq!(
        changed["data"],
        json!({"ignore-not-installed": false, "include-filter": "lo\\.1\\.", "exclude-filter": "\\.(pr|lr)\\."})
    );
    let cleared = peer.call(7, "vdevice-status-filter", json!({"exclude-filter": null})).await;
    assert_eq!(
        cleared["data"],
        json!({"ignore-not-installed": false, "include-filter": "lo\\.1\\.", "exclude-filter": null})
    );
    let invalid = peer.call(8, "vdevice-status-filter", json!({"include-filter": "[" })).await;
    assert_eq!(invalid["status"], "ERROR");
    let unchanged = peer.call(9, "vdevice-status-filter", json!({})).await;
    assert_eq!(unchanged["data"], cleared["data"], "a refused change changes nothing");
    let mut other = pa.peer().await;
    let defaults = other.call(1, "vdevice-status-filter", Value::Null).await;
    assert_eq!(defaults["data"], json!({"ignore-not-installed": true, "include-filter": null, "exclude-filter": null}));
    pa.stop(vec![peer, other]).await;
}

#[tokio::test]
async fn spec_vcall_status_changed_event() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    let created =
        peer.call(1, "vcall-create", json!({"call-id": "testcall1", "sources": ["Gong"], "zones": ["Lobby"]})).await;
    assert_eq!(created["status"], "OK");
    // A call never started: the example's event, which the subscription's snapshot sends.
    peer.subscribe("vcall-status-changed").await;
    let data = peer.event("vcall-status-changed").await;
    let printed = r#"{"type":"event", "nr":10, "data": {"events": [{"event":"vcall-status-changed", "data":
           {"date-time":"2017-08-29T14:41:14.9682915+02:00", "call-id":"testcall1",
           "status":"Disconnected", "last-started":"0001-01-01T00:00:00"}}]}}"#;
    let printed: Value = serde_json::from_str(printed).unwrap();
    compare(&data, &printed["data"]["events"][0]["data"], "/data");
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn spec_vdevice_status_changed_event() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    peer.subscribe("vdevice-status-changed").await;
    peer.event("vdevice-status-changed").await; // the snapshot

    // The example's changes: DOM 200 back online, DOM 201 gone, a line without setpoint and
    // a broken microphone at DOM 64 (which is in Error already: no change of its own).
    pa.set_devices(&[
        DeviceStatus::new("lo.200.sc.0", Status::Online, None),
        DeviceStatus::new("lo.201.sc.0", Status::Offline, None),
        DeviceStatus::new("lo.64.lr.4.3", Status::Ok, Some(SubStatus::NoSetpoint)),
        DeviceStatus::new("lo.64.ds.1", Status::Error, Some(SubStatus::MicDefect)),
    ]);
    let data = peer.event("vdevice-status-changed").await;
    // Printed with a trailing comma after the last status, and "device-id" broken by a line
    // wrap: both mended.
    let printed = r#"{"type":"event", "nr":2, "id":"vdevice-status-changed", "data":
                  {"date-time":"2017-09-21T14:11:11.8058743+02:00", "stati":[ {"device-id":"lo.200.sc.0","status":"Online"}, {"device-id":"lo.201.sc.0","status":"Offline"},
                  {"device-id":"lo.64.lr.4.3","status":"Ok", "sub-status": "NoSetpoint"},
                  {"device-id":"lo.64.ds.1","status":"Error", "sub-status": "MicDefect"}]}}"#;
    let printed: Value = serde_json::from_str(printed).unwrap();
    compare(&data, &printed["data"], "/data");
    pa.stop(vec![peer]).await;
}

// ---------------------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_partial_edit_changes_only_the_given_fields() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    let created = peer
        .call(1, "vcall-create", json!({"call-id": "c", "sources": ["Gong"], "zones": ["Lobby"], "owner": "desk"}))
        .await;
    assert_eq!(
        created["data"]["call"],
        json!({"call-id": "c", "sources": ["Gong"], "zones": ["Lobby"], "priority": 41, "owner": "desk"}),
        "priority 41 by default"
    );
    let edited =
        peer.call(2, "vcall-create", json!({"call-id": "c", "zones": ["Lobby", "Floor 1"], "priority": 60})).await;
    assert_eq!(
        edited["data"]["call"],
        json!({"call-id": "c", "sources": ["Gong"], "zones": ["Lobby", "Floor 1"], "priority": 60, "owner": "desk"})
    );
    let owner = peer.call(3, "vcall-create", json!({"call-id": "c", "owner": "operator", "sources": null})).await;
    assert_eq!(owner["data"]["call"]["owner"], "operator");
    assert_eq!(owner["data"]["call"]["sources"], json!(["Gong"]), "null is not given");

    for (data, error) in [
        (json!({"call-id": "c", "zones": ["Roof"]}), "No such zone: Roof"),
        (json!({"call-id": "c", "sources": ["Jingle"]}), "No such source: Jingle"),
        (json!({"call-id": "c", "sources": ["lo.9.ai.1"]}), "No such source: lo.9.ai.1"),
        (json!({"call-id": "empty", "start": true}), "Call empty has no sources or no zones to play to"),
    ] {
        let nr = peer.raw.helper_nr();
        let refused = peer.call(nr, "vcall-create", data).await;
        assert_eq!((refused["status"].as_str(), refused["result"].as_str()), (Some("ERROR"), Some(error)));
    }
    let unchanged = peer.call(4, "vcall-list", json!({"filter": "^c$"})).await;
    assert_eq!(unchanged["data"]["calls"][0]["zones"], json!(["Lobby", "Floor 1"]), "a refused edit changes nothing");

    // A playing call edited to have nowhere to play stops.
    let playing = json!({"call-id": "p", "sources": ["lo.2.ai.1"], "zones": ["Lobby"], "start": true});
    assert_eq!(peer.call(5, "vcall-create", playing).await["status"], "OK");
    assert_eq!(peer.call(6, "vcall-status", json!({"call-id": "p"})).await["data"]["call"]["status"], "Connected");
    assert_eq!(peer.call(7, "vcall-create", json!({"call-id": "p", "zones": []})).await["status"], "OK");
    assert_eq!(peer.call(8, "vcall-status", json!({"call-id": "p"})).await["data"]["call"]["status"], "Disconnected");
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn a_higher_priority_call_interrupts_and_the_interrupted_call_resumes() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    peer.subscribe("vcall-status-changed").await;
    // A background music call on two floors, from an audio input (endless).
    let music = json!({"call-id": "music", "sources": ["lo.1.ai.1"], "zones": ["Floor 1", "Floor 2"], "priority": 200, "start": true});
    assert_eq!(peer.call(1, "vcall-create", music).await["status"], "OK");
    let (status, data) = peer.call_status("music").await;
    assert_eq!(status, "Connected");
    assert_date_time(&data["last-started"], "last-started");
    assert_date_time(&data["date-time"], "date-time");

    // A page on floor 2 takes that floor (lower number, higher priority).
    let page =
        json!({"call-id": "page", "sources": ["lo.1.ai.41"], "zones": ["Floor 2"], "priority": 50, "start": "true"});
    peer.call(2, "vcall-create", page).await;
    assert_eq!(peer.call_status("page").await.0, "Connected");
    assert_eq!(peer.call_status("music").await.0, "PartiallyConnected");

    // An alarm on floor 1 takes the rest: the music is interrupted.
    let alarm = json!({"call-id": "alarm", "sources": ["lo.1.ai.31.0.17"], "zones": ["Floor 1"], "priority": 20, "start": true});
    peer.call(3, "vcall-create", alarm).await;
    assert_eq!(peer.call_status("alarm").await.0, "Connected");
    assert_eq!(peer.call_status("music").await.0, "Interrupted");
    let status = peer.call(4, "vcall-status", json!({"call-id": "music"})).await;
    assert_eq!(status["data"]["call"]["status"], "Interrupted");

    // A lower priority call gets nothing while they play; an equal one loses to the first.
    let late =
        json!({"call-id": "late", "sources": ["lo.1.ai.2"], "zones": ["Floor 2"], "priority": 50, "start": true});
    peer.call(5, "vcall-create", late).await;
    assert_eq!(peer.call_status("late").await.0, "Interrupted", "the call started first keeps the zone");
    peer.call(6, "vcall-stop", json!({"call-id": "late"})).await;
    assert_eq!(peer.call_status("late").await.0, "Disconnected");

    // They end; the music resumes, floor by floor.
    peer.call(7, "vcall-stop", json!({"call-id": "alarm"})).await;
    assert_eq!(peer.call_status("alarm").await.0, "Disconnected");
    assert_eq!(peer.call_status("music").await.0, "PartiallyConnected");
    peer.call(8, "vcall-stop", json!({"call-id": "page"})).await;
    assert_eq!(peer.call_status("music").await.0, "Connected");

    // A controller going offline is a resource conflict; a call raising its priority wins.
    pa.set_devices(&[DeviceStatus::new("lo.1.sc.0", Status::Offline, None)]);
    assert_eq!(peer.call_status("music").await.0, "Interrupted");
    pa.set_devices(&[DeviceStatus::new("lo.1.sc.0", Status::Online, None)]);
    assert_eq!(peer.call_status("music").await.0, "Connected");
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn a_finite_call_ends_by_itself() {
    let pa = Pa::start(100.0).await; // Gong (3 s) and chime 1 (2 s) play in 50 ms
    let mut peer = pa.peer().await;
    peer.subscribe("vcall-status-changed").await;
    let call = json!({"call-id": "chime", "sources": ["Gong", "lo.2.ai.31.0.1"], "zones": ["Lobby"], "start": true});
    let started = Instant::now();
    peer.call(1, "vcall-create", call).await;
    let (status, connected) = peer.call_status("chime").await;
    assert_eq!(status, "Connected");
    let (status, ended) = peer.call_status("chime").await;
    assert_eq!(status, "Disconnected");
    assert!(started.elapsed() >= Duration::from_millis(50), "played both sources: {:?}", started.elapsed());
    assert_eq!(ended["last-started"], connected["last-started"], "last-started is kept");
    assert_eq!(
        peer.call(2, "vcall-status", json!({"call-id": "chime"})).await["data"]["call"]["status"],
        "Disconnected"
    );

    // Played again from the start; playing an already playing call is a no-op.
    peer.call(3, "vcall-play", json!({"call-id": "chime"})).await;
    assert_eq!(peer.call_status("chime").await.0, "Connected");
    assert_eq!(peer.call(4, "vcall-play", json!({"call-id": "chime"})).await["status"], "OK");
    assert_eq!(peer.call_status("chime").await.0, "Disconnected", "the second play did not start it over");
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn star_stops_and_deletes_every_call() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    for (nr, (id, zone)) in [("a", "Floor 1"), ("b", "Floor 2"), ("c", "Lobby")].into_iter().enumerate() {
        let call = json!({"call-id": id, "sources": ["lo.1.ai.1"], "zones": [zone], "start": true});
        assert_eq!(peer.call(nr as u64 + 1, "vcall-create", call).await["status"], "OK");
    }
    let statuses = |list: &Value| -> Vec<String> {
        list["data"]["calls"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(statuses(&peer.call(4, "vcall-list", Value::Null).await), ["Connected"; 3]);
    assert_eq!(peer.call(5, "vcall-stop", json!({"call-id": "*"})).await["status"], "OK");
    assert_eq!(statuses(&peer.call(6, "vcall-list", Value::Null).await), ["Disconnected"; 3]);
    assert_eq!(
        peer.call(7, "vcall-stop", json!({"call-id": "a"})).await["status"],
        "OK",
        "stopping a stopped call is a no-op"
    );
    let unknown = peer.call(8, "vcall-stop", json!({"call-id": "zz"})).await;
    assert_eq!(unknown["result"], "No such call: zz");

    assert_eq!(peer.call(9, "vcall-delete", json!({"call-id": "b"})).await["result"], "1 call deleted.");
    assert_eq!(peer.call(10, "vcall-delete", json!({"call-id": "b"})).await["result"], "No such call: b");
    assert_eq!(peer.call(11, "vcall-delete", json!({"call-id": "*"})).await["result"], "2 calls deleted.");
    assert_eq!(peer.call(12, "vcall-delete", json!({"call-id": "*"})).await["result"], "0 calls deleted.");
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn deleting_a_playing_call_stops_it() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    peer.subscribe("vcall-status-changed").await;
    peer.call(1, "vcall-create", json!({"call-id": "x", "sources": ["lo.1.ai.1"], "zones": ["Lobby"], "start": true}))
        .await;
    assert_eq!(peer.call_status("x").await.0, "Connected");
    peer.call(2, "vcall-delete", json!({"call-id": "x"})).await;
    assert_eq!(peer.call_status("x").await.0, "Disconnected");
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn the_device_snapshot_on_subscribe_then_differential_updates() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    peer.subscribe("vdevice-status-changed").await;
    let snapshot = peer.event("vdevice-status-changed").await;
    assert_date_time(&snapshot["date-time"], "date-time");
    let installed = pa.system.lock().devices.all().iter().filter(|d| d.status != Status::NotInstalled).count();
    assert_eq!(stati(&snapshot).len(), installed, "every installed device; NotInstalled left out by default");
    assert!(stati(&snapshot).contains(&"lo.201.lr.4.6".to_owned()));

    // An amplifier fails: it and its controller (now in Error) are reported, nothing else.
    pa.set_devices(&[DeviceStatus::new("lo.2.pa.1.1", Status::Error, Some(SubStatus::DistortionHigh))]);
    let change = peer.event("vdevice-status-changed").await;
    assert_eq!(
        change["stati"],
        json!([
            {"device-id": "lo.2.pa.1.1", "status": "Error", "sub-status": "DistortionHigh"},
            {"device-id": "lo.2.sc.0", "status": "Error"},
        ])
    );
    // Setting a status a device has already changes nothing, and sends nothing.
    pa.set_devices(&[DeviceStatus::new("lo.2.pa.1.1", Status::Error, Some(SubStatus::DistortionHigh))]);
    pa.set_devices(&[DeviceStatus::new("lo.2.pa.1.1", Status::Ok, None)]);
    let repaired = peer.event("vdevice-status-changed").await;
    assert_eq!(stati(&repaired), ["lo.2.pa.1.1", "lo.2.sc.0"]);
    assert_eq!(repaired["stati"][1]["status"], "Online");

    // Subscribing again gives a new snapshot, with the change in it.
    pa.set_devices(&[DeviceStatus::new("lo.1.lr.2.2", Status::Ok, Some(SubStatus::NoSetpoint))]);
    peer.event("vdevice-status-changed").await;
    peer.subscribe("vdevice-status-changed").await;
    let again = peer.event("vdevice-status-changed").await;
    let relay = again["stati"].as_array().unwrap().iter().find(|s| s["device-id"] == "lo.1.lr.2.2").unwrap().clone();
    assert_eq!(relay, json!({"device-id": "lo.1.lr.2.2", "status": "Ok", "sub-status": "NoSetpoint"}));
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn device_status_filters_apply_per_session() {
    let pa = Pa::start(1.0).await;
    let mut amplifiers = pa.peer().await;
    let mut dom64 = pa.peer().await;
    let mut everything = pa.peer().await;
    amplifiers.call(1, "vdevice-status-filter", json!({"include-filter": "\\.pa\\."})).await;
    dom64
        .call(1, "vdevice-status-filter", json!({"include-filter": "^lo\\.64\\.", "ignore-not-installed": "False"}))
        .await;
    for peer in [&mut amplifiers, &mut dom64, &mut everything] {
        peer.subscribe("vdevice-status-changed").await;
    }

    // Each snapshot went through its session's filter.
    let snapshot = amplifiers.event("vdevice-status-changed").await;
    assert!(stati(&snapshot).iter().all(|id| id.contains(".pa.")), "{snapshot}");
    let snapshot = dom64.event("vdevice-status-changed").await;
    assert_eq!(stati(&snapshot).len(), 53, "all of DOM 64's devices, installed or not");
    let snapshot = everything.event("vdevice-status-changed").await;
    let installed = pa.system.lock().devices.all().iter().filter(|d| d.status != Status::NotInstalled).count();
    assert_eq!(stati(&snapshot).len(), installed);

    pa.set_devices(&[
        DeviceStatus::new("lo.1.lr.1.1", Status::Error, Some(SubStatus::ImpedanceLow)),
        DeviceStatus::new("lo.64.pa.41.1", Status::Ok, Some(SubStatus::AmplificationHigh)),
    ]);
    assert_eq!(stati(&amplifiers.event("vdevice-status-changed").await), ["lo.64.pa.41.1"]);
    assert_eq!(stati(&dom64.event("vdevice-status-changed").await), ["lo.64.pa.41.1"]);
    assert_eq!(stati(&everything.event("vdevice-status-changed").await), ["lo.1.lr.1.1", "lo.1.sc.0", "lo.64.pa.41.1"]);

    // A change a session's filter does not let through is not sent to it at all: the next
    // event it gets is about the change after it, which every filter lets through.
    pa.set_devices(&[DeviceStatus::new("lo.2.pr.1", Status::Ok, Some(SubStatus::ValueLow))]);
    pa.set_devices(&[DeviceStatus::new("lo.64.pa.42.1", Status::Ok, Some(SubStatus::DistortionHigh))]);
    assert_eq!(stati(&everything.event("vdevice-status-changed").await), ["lo.2.pr.1"]);
    assert_eq!(stati(&everything.event("vdevice-status-changed").await), ["lo.64.pa.42.1"]);
    assert_eq!(stati(&amplifiers.event("vdevice-status-changed").await), ["lo.64.pa.42.1"]);
    assert_eq!(stati(&dom64.event("vdevice-status-changed").await), ["lo.64.pa.42.1"]);

    // A filter changed later applies to the next events.
    amplifiers.call(2, "vdevice-status-filter", json!({"include-filter": null})).await;
    pa.set_devices(&[DeviceStatus::new("lo.2.pr.1", Status::Ok, None)]);
    assert_eq!(stati(&amplifiers.event("vdevice-status-changed").await), ["lo.2.pr.1"]);
    pa.stop(vec![amplifiers, dom64, everything]).await;
}

#[tokio::test]
async fn log_stream_streams_real_log_lines_until_cancelled() {
    let pa = Pa::start(1.0).await;
    let client = client(&pa.server).await;
    let director = DirectorClient::new(&client);
    let vd1 = Vd1Client::new(&client);

    // Follows VD1 (and so VD1.Calls) from INFO up, only lines about this test's call.
    let mut stream = director.start_log_stream("VD1", Some("call=log-stream-test"), Some("info")).await.unwrap();
    let mut texts = Vec::new();
    for _ in 0..2 {
        match bounded("a text message", stream.next()).await {
            Some(Ok(StreamItem::Text(text))) => texts.push(text),
            other => panic!("expected a text message, got {other:?}"),
        }
    }
    assert_eq!(
        texts,
        ["Streaming logger(s) 'VD1' >= level INFO", &format!("Cancel cmd {} to stop this stream.", stream.nr())]
    );

    let settings = CallSettings {
        call_id: "log-stream-test".into(),
        sources: Some(vec!["lo.1.ai.1".into()]),
        zones: Some(vec!["Floor 4".into()]),
        start: Some(Bool(true)),
        ..CallSettings::default()
    };
    vd1.vcall_create(&settings).await.unwrap();
    let mut lines = Vec::new();
    while lines.len() < 2 {
        match bounded("a log line", stream.next()).await {
            Some(Ok(StreamItem::Data(line))) => lines.push(line),
            other => panic!("expected a log line, got {other:?}"),
        }
    }
    assert_eq!(lines[0].logger, "VD1.Calls");
    assert_eq!(lines[0].level, logging::Level::Info);
    assert_eq!(lines[0].text, "call started call=log-stream-test");
    assert_eq!(lines[1].text, "call Connected call=log-stream-test");
    assert!(lines[0].thread > 0);
    // DEBUG lines (call created) were below the stream's level.

    stream.cancel();
    let response = bounded("the response", stream.response()).await.unwrap();
    assert_eq!(response.result.as_deref(), Some("Log stream cancelled."));

    // What the logger counted is in log-list.
    let list = director.log_list(Some("^VD1\\.Calls$")).await.unwrap();
    assert_eq!(list.loggers.len(), 1);
    client.close().await;
    pa.stop(vec![]).await;
}

#[tokio::test]
async fn booleans_may_be_strings() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    let started = peer
        .call(1, "vcall-create", json!({"call-id": "s", "sources": ["lo.1.ai.1"], "zones": ["Yard"], "start": "True"}))
        .await;
    assert_eq!(started["status"], "OK", "{started}");
    assert_eq!(peer.call(2, "vcall-status", json!({"call-id": "s"})).await["data"]["call"]["status"], "Connected");
    let not_started = peer
        .call(3, "vcall-create", json!({"call-id": "t", "sources": ["Gong"], "zones": ["Lobby"], "start": " false "}))
        .await;
    assert_eq!(not_started["status"], "OK");
    assert_eq!(peer.call(4, "vcall-status", json!({"call-id": "t"})).await["data"]["call"]["status"], "Disconnected");

    let set = peer
        .call(5, "io-set", json!({"states": {"lo.2.io.1": "TRUE", "lo.2.io.2": false, "lo.2.io.3": "False"}}))
        .await;
    assert_eq!(set["data"]["rv"], json!({"lo.2.io.1": true, "lo.2.io.2": false, "lo.2.io.3": false}));
    let all = peer
        .call(
            6,
            "vdevice-status",
            json!({"device-id": "*", "ignore-not-installed": "true", "include-filter": "^lo\\.201\\."}),
        )
        .await;
    assert!(stati(&all["data"]).iter().all(|id| id != "lo.201.ds.1"), "DOM 201 has no call station: left out");
    let filter = peer.call(7, "vdevice-status-filter", json!({"ignore-not-installed": "False"})).await;
    assert_eq!(filter["data"]["ignore-not-installed"], false);

    let wrong = peer.call(8, "vcall-create", json!({"call-id": "u", "start": "yes"})).await;
    assert_eq!(wrong["status"], "ERROR");
    let message = wrong["result"].as_str().unwrap();
    assert!(message.starts_with("parameter 'start'") && message.contains("\"True\" or \"False\""), "{message}");
    assert_eq!(serde_json::from_value::<Bool>(json!("tRuE")).unwrap(), Bool(true));
    assert!(serde_json::from_value::<Bool>(json!(1)).is_err());
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn typed_clients_call_both_sets() {
    let pa = Pa::start(1.0).await;
    let client = client(&pa.server).await;
    let vd1 = Vd1Client::new(&client);
    let director = DirectorClient::new(&client);

    let mut changes = vd1.subscribe_vcall_status_changed().await.unwrap();
    let settings = CallSettings {
        call_id: "typed".into(),
        sources: Some(vec!["Gong".into(), "lo.64.ai.41".into()]),
        zones: Some(vec!["Parking".into()]),
        priority: Some(30),
        owner: Some("tests".into()),
        start: None,
    };
    let created = vd1.vcall_create(&settings).await.unwrap();
    assert_eq!(created.call.priority, 30);
    vd1.vcall_play("typed").await.unwrap();
    let change = bounded("an event", changes.next()).await.unwrap().unwrap();
    assert_eq!((change.call_id.as_str(), change.status), ("typed", CallStatus::Connected));
    assert!(change.last_started.is_some());
    let status = vd1.vcall_status("typed").await.unwrap();
    assert_eq!(status.call.status, CallStatus::Connected);
    let list = vd1.vcall_list(Some("tests")).await.unwrap();
    assert_eq!(list.calls[0].definition, created.call);
    let missing = vd1.vcall_play("nobody").await.unwrap_err();
    assert_eq!(missing.response().unwrap().result.as_deref(), Some("No such call: nobody"));

    let query = DeviceQuery { device_id: "lo.64.pa.1.1".into(), ..DeviceQuery::default() };
    let amplifier = vd1.vdevice_status(&query).await.unwrap();
    assert_eq!(amplifier.stati, [DeviceStatus::new("lo.64.pa.1.1", Status::Ok, Some(SubStatus::AmplificationLow))]);
    let filter = FilterChange { include_filter: Some(Some("lo\\.1\\.".into())), ..FilterChange::default() };
    assert_eq!(vd1.vdevice_status_filter(&filter).await.unwrap().include_filter.as_deref(), Some("lo\\.1\\."));
    let reset = FilterChange { include_filter: Some(None), ..FilterChange::default() };
    assert_eq!(vd1.vdevice_status_filter(&reset).await.unwrap().include_filter, None, "Some(None) is sent as null");

    let contacts = director.io_get(&["lo.1.io.1.4".to_owned()], None).await.unwrap();
    assert_eq!(contacts.rv["lo.1.io.1.4"], Some(true));
    let level = director.log_level("VD1.IO", None).await.unwrap();
    assert_eq!(level.level, logging::Level::Warn);

    vd1.vcall_stop("*").await.unwrap();
    let stopped = bounded("an event", changes.next()).await.unwrap().unwrap();
    assert_eq!(stopped.status, CallStatus::Disconnected);
    let deleted = vd1.vcall_delete("*").await.unwrap();
    assert_eq!(deleted.result.as_deref(), Some("1 call deleted."));
    client.close().await;
    pa.stop(vec![]).await;
}

#[tokio::test]
async fn help_documents_both_sets() {
    let pa = Pa::start(1.0).await;
    let mut peer = pa.peer().await;
    let help = peer.call(1, "help", Value::Null).await;
    let commands: Vec<(&str, &str)> = help["data"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["instruction-set"] != "standard")
        .map(|c| (c["command"].as_str().unwrap(), c["instruction-set"].as_str().unwrap()))
        .collect();
    assert_eq!(
        commands,
        [
            ("io-get", "director"),
            ("io-set", "director"),
            ("log-list", "director"),
            ("log-level", "director"),
            ("log-stream", "director"),
            ("vcall-create", "vd1"),
            ("vcall-play", "vd1"),
            ("vcall-stop", "vd1"),
            ("vcall-list", "vd1"),
            ("vcall-status", "vd1"),
            ("vcall-delete", "vd1"),
            ("vdevice-status", "vd1"),
            ("vdevice-status-filter", "vd1"),
        ]
    );
    let play = peer.call(2, "help", json!({"cmd": "vcall-start"})).await;
    assert_eq!(play["data"]["command"], "vcall-play");
    assert_eq!(play["data"]["mandatory-params"][0]["name"], "call-id");
    let create = peer.call(3, "help", json!({"cmd": "vcall-create"})).await;
    let optional: Vec<&str> =
        create["data"]["optional-params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(optional.len(), 5, "{optional:?}");
    let events = peer.call(4, "event-list", Value::Null).await;
    let names: Vec<&str> =
        events["data"]["events"].as_array().unwrap().iter().map(|e| e["event-name"].as_str().unwrap()).collect();
    assert_eq!(names, ["vcall-status-changed", "vdevice-status-changed"]);

    // The standard set's examples that show the VD1 set: apropos finds vcall-create with its
    // alias, event-list describes vcall-status-changed. Their lists are "cut off": the entry
    // printed is checked. The event is subscribed first, as the example's is.
    let response = peer.send(r#"{ "type": "cmd", "nr": 5, "id": "apropos", "data": {"term":"announcement" }}"#).await;
    // Printed with "cmd-nr": 4 and "nr": 4: renumbered to 5.
    let printed = r#"{
            "cmd-nr": 5,
            "status": "OK",
            "result": null,
            "type": "response",
            "nr": 4,
            "id": "apropos",
            "data": {
                    "commands": [
                            {"cmd": "vcall-create",
                            "aliases": ["vcc" ],
                            "description": "Create a new or change an existing announcement.",
                            "instruction-set": "vd1"}
                  ]
            }
        }"#;
    let found = response["data"]["commands"].as_array().expect("a list of commands");
    let create = found.iter().find(|command| command["cmd"] == "vcall-create").expect("vcall-create is found");
    let printed: Value = serde_json::from_str(printed).unwrap();
    compare(create, &printed["data"]["commands"][0], "/data/commands/vcall-create");
    assert_as_printed(&response, r#"{"cmd-nr": 5, "status": "OK", "type": "response", "id": "apropos"}"#);
    assert!(found.iter().all(|command| command["instruction-set"] == "vd1"), "{response}");

    peer.subscribe("vcall-status-changed").await;
    let response = peer.send(r#"{ "type": "cmd", "nr": 9, "id": "event-list"}"#).await;
    let printed = r#"{
           "cmd-nr": 9,
           "status": "OK",
           "result": null,
           "type": "response",
           "nr": 9,
           "id": "event-list",
           "data": {
                   "now": "2017-08-29T12:51:40.5301082+02:00",
                   "events": [
                   {
                           "event-name": "vcall-status-changed",
                           "instruction-set": "vd1",
                           "description": "Sent with every call status change",
                           "subscribed-until": "2027-05-29T12:33:50.7482151+02:00"
                   }
                   ]
           }
       }"#;
    // The times are the server's: checked as date-times, ten years apart (the default
    // subscription), and left out of the field by field comparison.
    let mut printed: Value = serde_json::from_str(printed).unwrap();
    let mut entry = printed["data"]["events"][0].clone();
    entry.as_object_mut().unwrap().remove("subscribed-until");
    let event = &response["data"]["events"][0];
    compare(event, &entry, "/data/events/0");
    let (now, until) = (&response["data"]["now"], &event["subscribed-until"]);
    assert_date_time(now, "now");
    assert_date_time(until, "subscribed-until");
    let parse = |time: &Value| chrono::DateTime::parse_from_rfc3339(time.as_str().unwrap()).unwrap();
    assert!(parse(until) - parse(now) > chrono::Duration::days(3649), "subscribed for ten years: {response}");
    printed.as_object_mut().unwrap().remove("data");
    assert_as_printed(&response, &printed.to_string());
    pa.stop(vec![peer]).await;
}

#[tokio::test]
async fn random_device_changes_follow_the_seed() {
    async fn first_changes(seed: u64) -> Vec<Value> {
        let (server, system) = serve(&["--seed", &seed.to_string(), "--device-change-every", "0.005"]).await;
        let (raw, _) = RawPeer::connect(&server).await;
        let mut peer = Peer { raw, events: VecDeque::new() };
        peer.call(1, "vdevice-status-filter", json!({"ignore-not-installed": false})).await;
        peer.subscribe("vdevice-status-changed").await;
        peer.event("vdevice-status-changed").await;
        let clock = tokio::spawn(system.clone().run(server.events().clone()));
        let mut changes = Vec::new();
        while changes.len() < 12 {
            let event = peer.event("vdevice-status-changed").await;
            changes.extend(event["stati"].as_array().unwrap().iter().cloned());
        }
        clock.abort();
        peer.raw.close().await;
        server.shutdown().await;
        changes.truncate(12);
        changes
    }
    let first = first_changes(42).await;
    assert_eq!(first, first_changes(42).await, "the same seed, the same changes");
    assert_ne!(first, first_changes(43).await, "another seed, other changes");
}

#[test]
fn the_simulation_flags_are_checked() {
    let simulation = |flags: &[&str]| {
        let args = example::Args::try_parse_from(["pa_system"].iter().chain(flags)).expect("flags that parse");
        example::simulation(&args).map(|_| ())
    };
    assert_eq!(simulation(&["--time-scale", "0"]), Err("--time-scale must be from 0.001 to 1000000".to_owned()));
    assert!(simulation(&["--time-scale", "NaN"]).is_err());
    assert!(simulation(&["--device-change-every", "0"]).is_err());
    assert!(simulation(&["--device-change-every=-1"]).is_err());
    assert_eq!(simulation(&["--time-scale", "1000", "--device-change-every", "0.5"]), Ok(()));
}

// ---------------------------------------------------------------------------------------
// The call model on its own clock
// ---------------------------------------------------------------------------------------

fn definition(call_id: &str, priority: u8, zones: &[&str]) -> CallDefinition {
    CallDefinition {
        call_id: call_id.to_owned(),
        sources: vec!["source".to_owned()],
        zones: zones.iter().map(|zone| (*zone).to_owned()).collect(),
        priority,
        owner: None,
    }
}

fn outputs(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn changes(calls: &mut Calls) -> Vec<(String, CallStatus)> {
    calls.take_changes().into_iter().map(|change| (change.call_id, change.status)).collect()
}

#[test]
fn an_interrupted_call_keeps_its_place_and_finishes_later() {
    let start = Instant::now();
    let seconds = |s: u64| start + Duration::from_secs(s);
    let everywhere = |_: &str| true;
    let mut calls = Calls::new(start, 100);
    calls
        .define(definition("text", 50, &["a"]), outputs(&["a"]), vec![Length::Finite(Duration::from_secs(10))])
        .expect("room for the call");
    calls.define(definition("alarm", 10, &["a"]), outputs(&["a"]), vec![Length::Endless]).expect("room for the call");

    calls.start("text");
    calls.arbitrate(&everywhere);
    assert_eq!(calls.next_end(), Some(seconds(10)));
    calls.advance(seconds(4), &everywhere);
    calls.start("alarm");
    calls.arbitrate(&everywhere);
    assert_eq!(
        changes(&mut calls),
        [
            ("text".into(), CallStatus::Connected),
            ("alarm".into(), CallStatus::Connected),
            ("text".into(), CallStatus::Interrupted)
        ]
    );
    assert_eq!(calls.next_end(), None, "nothing finite on the air");

    calls.advance(seconds(100), &everywhere);
    assert_eq!(calls.get("text").unwrap().status, CallStatus::Interrupted, "an interrupted call does not play on");
    calls.stop("alarm");
    calls.arbitrate(&everywhere);
    assert_eq!(calls.next_end(), Some(seconds(106)), "6 s of the text were left");
    calls.advance(seconds(105), &everywhere);
    assert_eq!(calls.get("text").unwrap().status, CallStatus::Connected);
    calls.advance(seconds(106), &everywhere);
    assert_eq!(calls.get("text").unwrap().status, CallStatus::Disconnected);
    assert_eq!(
        changes(&mut calls),
        [
            ("alarm".into(), CallStatus::Disconnected),
            ("text".into(), CallStatus::Connected),
            ("text".into(), CallStatus::Disconnected)
        ]
    );
}

#[test]
fn freed_outputs_go_to_waiting_calls_at_the_moment_they_are_freed() {
    let start = Instant::now();
    let seconds = |s: u64| start + Duration::from_secs(s);
    let everywhere = |_: &str| true;
    let mut calls = Calls::new(start, 100);
    let three = Length::Finite(Duration::from_secs(3));
    calls.define(definition("short", 10, &["a"]), outputs(&["a", "b"]), vec![three, three]).expect("room for the call");
    calls
        .define(definition("long", 20, &["a"]), outputs(&["a"]), vec![Length::Finite(Duration::from_secs(5))])
        .expect("room for the call");
    calls.start("short");
    calls.start("long");
    calls.arbitrate(&everywhere);
    // The short call ends at 6 s; the long one then plays from 6 s and ends at 11 s, though
    // the clock is only told about 20 s.
    calls.advance(seconds(20), &everywhere);
    assert_eq!(
        changes(&mut calls),
        [
            ("short".into(), CallStatus::Connected),
            ("long".into(), CallStatus::Interrupted),
            ("short".into(), CallStatus::Disconnected),
            ("long".into(), CallStatus::Connected),
            ("long".into(), CallStatus::Disconnected),
        ]
    );
    assert_eq!(calls.next_end(), None);
}

#[test]
fn unavailable_outputs_leave_a_call_partially_connected() {
    let start = Instant::now();
    let mut calls = Calls::new(start, 100);
    calls.define(definition("c", 41, &["z"]), outputs(&["a", "b"]), vec![Length::Endless]).expect("room for the call");
    calls.start("c");
    calls.arbitrate(&|output| output == "a");
    assert_eq!(calls.get("c").unwrap().status, CallStatus::PartiallyConnected);
    calls.arbitrate(&|_| false);
    assert_eq!(calls.get("c").unwrap().status, CallStatus::Interrupted);
    calls.arbitrate(&|_| true);
    assert_eq!(calls.get("c").unwrap().status, CallStatus::Connected);
}

/// The maintenance set the binary serves besides the specification's two: `line-test`
/// streams its progress, answers every line's result and stops when cancelled.
#[tokio::test]
async fn the_line_test_reports_progress_line_by_line_and_stops_when_cancelled() {
    let (server, system) = serve_with(&["--no-device-changes"], example::with_maintenance).await;
    let update = [DeviceStatus::new("lo.1.pa.1.1", Status::Error, None)];
    system.update(server.events(), |state| state.set_devices(&update)).expect("a known amplifier");
    let (mut peer, _) = RawPeer::connect(&server).await;

    let response = peer.call(1, "line-test", json!({"zone": "Floor 1", "seconds-per-line": 0})).await;
    assert_eq!(response["status"], "OK", "{response}");
    let lines = response["data"]["lines"].as_array().expect("the lines");
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0], json!({"output": "lo.1.ao.1", "amplifier": "lo.1.pa.1.1", "result": "amplifier-error"}));
    assert_eq!(response["data"]["cancelled"], false);
    let stream: Vec<Value> =
        peer.drain_backlog().into_iter().filter(|m| m["cmd-nr"] == 1).map(|m| m["data"].clone()).collect();
    assert_eq!(stream[0], json!({"type": "progress-indeterminate", "message": "Preparing the line test of Floor 1"}));
    assert_eq!(stream[1], json!({"type": "progress", "value": 0, "total": 6, "message": "Measuring lo.1.ao.1"}));
    assert_eq!(stream[7], json!({"type": "progress", "value": 6, "total": 6, "message": "All lines measured"}));
    assert_eq!(stream[8], json!({"type": "progress-complete"}));
    assert_eq!(stream.len(), 9);

    peer.cmd(2, "line-test", json!({"zone": "Parking", "seconds-per-line": 30})).await;
    peer.take(|m| m["cmd-nr"] == 2 && m["data"]["type"] == "progress").await;
    peer.send(r#"{"type":"cancel","nr":3,"data":{"cmds":[2]}}"#).await;
    let cancelled = bounded("the cancelled line test", peer.response_to(2)).await;
    assert_eq!((&cancelled["status"], &cancelled["data"]["cancelled"]), (&json!("OK"), &json!(true)), "{cancelled}");
    assert_eq!(cancelled["data"]["lines"], json!([]));

    let unknown = peer.call(4, "line-test", json!({"zone": "Basement"})).await;
    assert_eq!((&unknown["status"], &unknown["result"]), (&json!("ERROR"), &json!("No such zone: Basement")));
    let too_slow = peer.call(5, "line-test", json!({"zone": "Lobby", "seconds-per-line": 61})).await;
    assert_eq!(too_slow["status"], "ERROR", "{too_slow}");
    peer.close().await;
    server.shutdown().await;
}

#[test]
fn the_installation_follows_the_address_scheme() {
    let site = Installation::demo();
    assert_eq!(
        site.outputs_of("Floor 2").unwrap(),
        ["lo.1.ao.9", "lo.1.ao.10", "lo.1.ao.11", "lo.1.ao.12", "lo.1.ao.13", "lo.1.ao.14"]
    );
    assert_eq!(site.outputs_of("lo.64.ao.47").unwrap(), ["lo.64.ao.47"]);
    assert_eq!(site.outputs_of("lo.64.ao.7"), None, "channel 1 has six lines");
    assert_eq!(Installation::amplifier_of("lo.1.ao.25").as_deref(), Some("lo.1.pa.4.1"));
    assert_eq!(Installation::amplifier_of("lo.1.ao.44").as_deref(), Some("lo.1.pa.42.2"));
    assert_eq!(Installation::amplifier_of("lo.1.ao.51"), None);
    assert_eq!(site.source("lo.200.ai.31.0.26"), Some(Length::Endless), "Sinus 1kHz");
    assert_eq!(site.source("lo.200.ai.31.0.1"), Some(Length::Finite(Duration::from_secs(2))), "Chime");
    assert_eq!(site.source("lo.200.ai.31.0.28"), None);
    let devices = site.devices();
    assert_eq!(devices.len(), 5 * 53);
    assert!(devices.iter().all(|device| installation::Address::parse(&device.device_id).is_some()));
}

#[test]
fn the_calls_kept_are_bounded() {
    let mut calls = Calls::new(Instant::now(), 2);
    let endless = || vec![Length::Endless];
    calls.define(definition("first", 10, &["a"]), outputs(&["a"]), endless()).expect("room");
    calls.define(definition("second", 10, &["a"]), outputs(&["a"]), endless()).expect("room");
    calls.define(definition("third", 10, &["a"]), outputs(&["a"]), endless()).expect("the oldest idle call goes");
    assert!(calls.get("first").is_none() && calls.get("third").is_some());
    calls.start("second");
    calls.start("third");
    let refused = calls.define(definition("fourth", 10, &["a"]), outputs(&["a"]), endless()).unwrap_err();
    assert_eq!(refused.to_string(), "Too many calls (limit 2), all of them playing: stop or remove one first");
    calls.define(definition("third", 20, &["a"]), outputs(&["a"]), endless()).expect("changing a call needs no room");
}
