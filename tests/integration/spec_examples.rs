//! Every message example of PROTOCOL.md and of the specification's protocol and Standard
//! Instruction Set chapters, sent as the literal text the documents print (odd spacing
//! included) through a raw WebSocket, and the server's answer checked field by field.
//!
//! Where a document's example is not valid JSON as printed, or cannot be sent as it is
//! (two examples share a command number), the comment at the example says what was changed.
//! Expected answers are written from the documents; PDF line wraps inside string values
//! are joined.

use std::time::Duration;

use futures_util::SinkExt;
use osmp::session::SessionConfig;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::support::*;

/// The nine commands of the standard set, as the specification's table lists them
/// (login and logout aside, see `login_with_password_as_in_protocol_md`).
/// The specification's standard commands, and `schema`, this implementation's extension.
const STANDARD_COMMANDS: [&str; 14] = [
    "help",
    "apropos",
    "echo",
    "time",
    "wait",
    "event-list",
    "event-subscribe",
    "event-unsubscribe",
    "active-cmds",
    "login",
    "logout",
    "schema",
    "memory",
    "cpu-usage",
];

/// Checks the reference's date-time format: ISO 8601, seven fractional digits, an offset.
#[track_caller]
fn assert_dotnet_date_time(text: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    let text = text.as_str().expect("a date-time string");
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("'{text}' is not ISO 8601 with offset: {error}"));
    let (_, fraction_and_offset) = text.split_once('.').expect("a fractional part");
    let digits = fraction_and_offset.chars().take_while(char::is_ascii_digit).count();
    assert_eq!(digits, 7, "'{text}' has {digits} fractional digits, not 7");
    let offset = &fraction_and_offset[digits..];
    assert!(
        offset.len() == 6 && (offset.starts_with('+') || offset.starts_with('-')) && offset.as_bytes()[3] == b':',
        "'{text}' has no numeric offset like +02:00"
    );
    parsed
}

/// A domain set shaped after the specification's `vd1` chapter: an announcement command
/// and the two events `event-list` and `event-subscribe` are shown with.
fn vd1() -> TestSet {
    TestSet::new("vd1")
        .command("vcall-create", |_, _| async { Ok(Outcome::ok()) })
        .doc("Create a new or change an existing announcement.", &["vcc"])
        .event("vcall-status-changed", "Sent with every call status change")
        .event("vdevice-status-changed", "Informs about status changes")
        .on_subscribe(|event, session| {
            // The specification's "current status right after subscribing".
            if event == "vcall-status-changed" {
                session
                    .emit(
                        event,
                        &json!({"date-time":"2017-08-29T14:41:14.9682915+02:00", "call-id":"testcall1",
                                "status":"Disconnected", "last-started":"0001-01-01T00:00:00"}),
                    )
                    .expect("serializable");
            }
        })
}

/// The spec's never-ending `log-stream` (Director set), enough to replay its stream and
/// cancellation examples.
fn director() -> TestSet {
    TestSet::new("director").command("log-stream", |mut params, cx| async move {
        let logger: String = params.required("logger")?;
        let level: String = params.required("level")?;
        cx.text(format!("Streaming logger(s) '{logger}' >= level {level}")).await?;
        cx.text(format!("Cancel cmd {} to stop this stream.", cx.nr())).await?;
        cx.cancelled().await;
        Ok(Outcome::text("Log stream cancelled."))
    })
}

#[tokio::test]
async fn session_initiated_comes_first_with_protocol_version_and_date_time() {
    let server = plain_server(|b| b).await;
    let (peer, initiated) = RawPeer::connect(&server).await;
    // PROTOCOL.md: {"type":"event","id":"session-initiated","nr":1,
    //  "data":{"protocol":"Open System Management Protocol","version":1,"date-time":"…",…}}
    assert_fields(&initiated, &json!({"type":"event","id":"session-initiated","nr":1}));
    assert_eq!(initiated["data"]["protocol"], "Open System Management Protocol");
    assert_eq!(initiated["data"]["version"], 1);
    let date_time = assert_dotnet_date_time(&initiated["data"]["date-time"]);
    let skew = chrono::Utc::now().signed_duration_since(date_time);
    assert!(skew.num_seconds().abs() < 60, "session-initiated date-time {date_time} is not the server's current time");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn echo_as_in_protocol_md() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{"nr":17,"type":"cmd","id":"echo","data":{"token":"hi"}}"#).await;
    let response = peer.response_to(17).await;
    // {"type":"response","id":"echo","nr":5,"cmd-nr":17,"status":"OK","data":{"token":"hi"}}
    assert_fields(&response, &json!({"type":"response","id":"echo","cmd-nr":17,"status":"OK","data":{"token":"hi"}}));
    assert!(response["nr"].is_u64(), "{response}");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn help_lists_every_standard_command() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{"nr":17,"type":"cmd","id":"help"}"#).await;
    let response = peer.response_to(17).await;
    assert_fields(&response, &json!({"cmd-nr":17,"type":"response","id":"help","status":"OK"}));
    let commands = response["data"]["commands"].as_array().expect("data.commands is a list");
    let names: Vec<&str> =
        commands.iter().map(|command| command["command"].as_str().expect("command is a string")).collect();
    for name in STANDARD_COMMANDS {
        assert_eq!(
            names.iter().filter(|listed| **listed == name).count(),
            1,
            "'{name}' should be listed once in {names:?}"
        );
    }
    assert_eq!(names.len(), STANDARD_COMMANDS.len(), "{names:?}");
    for command in commands {
        assert_eq!(command["instruction-set"], "standard", "{command}");
        let description = command["description"].as_str().expect("a description");
        assert!(!description.is_empty(), "{command}");
        assert!(command["aliases"].as_array().expect("aliases is a list").iter().all(Value::is_string), "{command}");
    }
    let by_name = |name: &str| commands.iter().find(|command| command["command"] == name).expect("listed");
    // From the specification's examples: `help` has alias `?`, `apropos` has `ap`.
    assert_eq!(by_name("help")["aliases"], json!(["?"]));
    assert_eq!(by_name("apropos")["aliases"], json!(["ap"]));
    assert_eq!(by_name("apropos")["description"], "Full text search in all available commands for given keyword.");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn help_on_help_has_every_field_of_the_detailed_shape() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{ "type": "cmd", "nr": 1, "id": "help", "data": {"cmd":"help" }}"#).await;
    let response = peer.response_to(1).await;
    assert_fields(&response, &json!({"cmd-nr": 1, "status": "OK", "type": "response", "id": "help"}));
    assert!(response["result"].is_null(), "{response}");
    let expected = json!({
        "command": "help",
        "aliases": [ "?" ],
        "version": 0,
        "instruction-set": "standard",
        "description": "List available commands or display extended command help.",
        "long-description": "Without parameters, help will list all available commands.\r\nWith parameter 'cmd' set it will return detailed help on the given command, including parameter description and return values.",
        "mandatory-params": [],
        "optional-params": [
        {"name": "cmd",
        "description": "The command to print extended help about."}],
        "return-values": [
        {"name": "commands",
        "description": "List of available commands (returned only if parameter cmd is omitted)"},
        {"name": "command",
         "description": "Name of the optionally specified command"},
        {"name": "aliases",
        "description": "List of aliases for the command"},
        {"name": "version",
        "description": "Command version number"},
        {"name": "instruction-set",
        "description": "Instruction set is the name of the domain specific command group"},
        {"name": "description",
        "description": "Short description of the command"},
        {"name": "long-description",
        "description": "Longer more detailed description of the command"},
        {"name": "mandatory-params",
        "description": "List of mandatory parameters (must be specified)"},
        {"name": "optional-params",
        "description": "List of optional parameters (can be omitted)"},
        {"name": "return-values",
         "description": "List of return values"}
        ]
    });
    let data = &response["data"];
    for (field, value) in expected.as_object().expect("object") {
        assert_eq!(&data[field], value, "help field '{field}'");
    }
    assert_eq!(
        data.as_object().expect("object").len(),
        expected.as_object().expect("object").len(),
        "no fields beyond the specification's: {data}"
    );

    // A command with mandatory parameters lists them under mandatory-params.
    let response = peer.call(2, "help", json!({"cmd": "event-subscribe"})).await;
    let data = &response["data"];
    assert_eq!(data["command"], "event-subscribe");
    assert_eq!(data["mandatory-params"][0]["name"], "event", "{data}");
    assert_eq!(data["optional-params"][0]["name"], "timeout", "{data}");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn help_on_an_unknown_command_is_an_error() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let response = peer.call(3, "help", json!({"cmd": "order-pizza"})).await;
    assert_fields(&response, &json!({"status":"ERROR","result":"Error: command 'order-pizza' not found"}));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn apropos_announcement_on_a_standard_only_server_finds_nothing() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{ "type": "cmd", "nr": 4, "id": "apropos", "data": {"term":"announcement" }}"#).await;
    let response = peer.response_to(4).await;
    assert_fields(
        &response,
        &json!({"cmd-nr": 4, "status": "OK", "type": "response", "id": "apropos",
                "data": {"commands": []}}),
    );

    // A term the standard documentation contains.
    let response = peer.call(5, "apropos", json!({"term": "subscri"})).await;
    let commands = response["data"]["commands"].as_array().expect("a list");
    let mut names: Vec<&str> =
        commands.iter().map(|command| command["cmd"].as_str().expect("cmd is a string")).collect();
    names.sort_unstable();
    assert_eq!(names, ["event-list", "event-subscribe", "event-unsubscribe"], "{response}");
    for command in commands {
        assert_eq!(command["instruction-set"], "standard");
        assert!(command["aliases"].is_array(), "{command}");
        assert!(command["description"].is_string(), "{command}");
    }

    // The term is a regular expression, matched ignoring case.
    let response = peer.call(6, "apropos", json!({"term": "^ECH.$"})).await;
    let commands = response["data"]["commands"].as_array().expect("a list");
    assert_eq!(commands.len(), 1, "{response}");
    assert_eq!(commands[0]["cmd"], "echo");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn apropos_announcement_finds_the_vd1_command() {
    let server = plain_server(|b| b.instruction_set(vd1())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{ "type": "cmd", "nr": 4, "id": "apropos", "data": {"term":"announcement" }}"#).await;
    let response = peer.response_to(4).await;
    assert_fields(&response, &json!({"cmd-nr": 4, "status": "OK", "type": "response", "id": "apropos"}));
    let commands = response["data"]["commands"].as_array().expect("a list");
    assert_eq!(commands.len(), 1, "{response}");
    assert_fields(
        &commands[0],
        &json!({"cmd": "vcall-create",
                "aliases": ["vcc" ],
                "description": "Create a new or change an existing announcement.",
                "instruction-set": "vd1"}),
    );
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn echo_returns_the_token() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{ "type": "cmd", "nr": 10, "id": "echo", "data": {"token":"Hello World!" }}"#).await;
    let response = peer.response_to(10).await;
    // { "type": "response", "cmd-nr": 10, "id": "echo", "data": {"token":"Hello World!" }}
    assert_fields(
        &response,
        &json!({ "type": "response", "cmd-nr": 10, "id": "echo", "data": {"token":"Hello World!" }, "status": "OK"}),
    );

    // Any JSON value is a token.
    let token = json!({"nested": [1, 2.5, null, "x"], "flag": true});
    let response = peer.call(11, "echo", json!({ "token": token })).await;
    assert_eq!(response["data"]["token"], token);
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn echo_with_null_data_answers_without_data() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    // The two echo commands of the specification's password-login example.
    peer.send(r#"{"type":"cmd","nr":1,"id":"echo","data":null}"#).await;
    let first = peer.response_to(1).await;
    peer.send(r#"{"type":"cmd","nr":8,"id":"echo","data":null}"#).await;
    let response = peer.response_to(8).await;
    // SERVER: {"type":"response","id":"echo","nr":8,"cmd-nr":8,"status":"OK"}
    for response in [&first, &response] {
        let mut keys: Vec<&str> = response.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["cmd-nr", "id", "nr", "status", "type"], "{response}");
    }
    assert_fields(&response, &json!({"type":"response","id":"echo","cmd-nr":8,"status":"OK"}));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn time_returns_an_iso_8601_date_time_with_offset() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{ "type": "cmd", "nr": 10, "id": "time"}"#).await;
    let response = peer.response_to(10).await;
    // { "type": "response", "cmd-nr": 10, "id": "time",
    //   "data": {"date-time":"2017-09-05T09:35:36.2418162+02:00" }}
    assert_fields(&response, &json!({ "type": "response", "cmd-nr": 10, "id": "time", "status": "OK"}));
    let date_time = assert_dotnet_date_time(&response["data"]["date-time"]);
    let skew = chrono::Utc::now().signed_duration_since(date_time);
    assert!(skew.num_seconds().abs() < 60, "{date_time} is not the current time");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn wait_is_cancelled_with_a_list_and_with_star() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;

    // The specification's wait example, then PROTOCOL.md's cancel of all commands.
    peer.send(r#"{ "type": "cmd", "nr": 10, "id": "wait"}"#).await;
    peer.await_active(&[10]).await;
    peer.send(r#"{"type":"cancel","nr":9,"data":{"cmds":"*"}}"#).await;
    let response = peer.response_to(10).await;
    // { "type": "response", "cmd-nr": 10, "id": "wait", "status": "OK", "result": "Cancelled" }
    assert_fields(
        &response,
        &json!({ "type": "response", "cmd-nr": 10, "id": "wait", "status": "OK", "result": "Cancelled" }),
    );
    assert!(response.get("data").is_none(), "{response}");

    // The wait example renumbered to 1, so that the specification's literal cancel
    // (which names command 1) cancels it.
    peer.send(r#"{ "type": "cmd", "nr": 1, "id": "wait"}"#).await;
    peer.await_active(&[1]).await;
    peer.send(r#"{"type":"cancel","nr":2,"id":null,"data":{"cmds":[1]}}"#).await;
    let response = peer.response_to(1).await;
    assert_fields(
        &response,
        &json!({ "type": "response", "cmd-nr": 1, "id": "wait", "status": "OK", "result": "Cancelled" }),
    );

    // PROTOCOL.md's cancel of a list: {"type":"cancel","nr":9,"data":{"cmds":[17,18]}}
    peer.cmd(17, "wait", Value::Null).await;
    peer.cmd(18, "wait", Value::Null).await;
    peer.cmd(19, "wait", Value::Null).await;
    peer.await_active(&[17, 18, 19]).await;
    peer.send(r#"{"type":"cancel","nr":9,"data":{"cmds":[17,18]}}"#).await;
    for nr in [17, 18] {
        let response = peer.response_to(nr).await;
        assert_fields(&response, &json!({"status": "OK", "result": "Cancelled"}));
    }
    peer.await_active(&[19]).await;
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn log_stream_streams_and_is_cancelled_as_in_the_specification() {
    let server = plain_server(|b| b.instruction_set(director())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{"type":"cmd", "nr":1, "id":"log-stream", "data":{"logger":"Director","level":"DEBUG"}}"#).await;
    let first = peer.recv().await;
    let second = peer.recv().await;
    // {"type":"stream","nr":5,"cmd-nr":2,"id":"log-stream","data":{"text":"Streaming logger(s)
    //   'Director' >= level DEBUG"}}
    assert_fields(
        &first,
        &json!({"type":"stream","cmd-nr":1,"id":"log-stream","data":{"text":"Streaming logger(s) 'Director' >= level DEBUG"}}),
    );
    assert_fields(
        &second,
        &json!({"type":"stream","cmd-nr":1,"id":"log-stream","data":{"text":"Cancel cmd 1 to stop this stream."}}),
    );
    assert_eq!(second["nr"].as_u64().expect("nr"), first["nr"].as_u64().expect("nr") + 1);

    peer.send(r#"{"type":"cancel","nr":2,"id":null,"data":{"cmds":[1]}}"#).await;
    let response = peer.recv().await;
    // {"type":"response","id":"log-stream","nr":108,"cmd-nr":1,"status":"OK","result":"Log
    //   stream cancelled."}
    assert_fields(
        &response,
        &json!({"type":"response","id":"log-stream","cmd-nr":1,"status":"OK","result":"Log stream cancelled."}),
    );
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn event_list_subscribe_and_unsubscribe() {
    let server = plain_server(|b| b.instruction_set(vd1())).await;
    let (mut peer, _) = RawPeer::connect(&server).await;

    peer.send(r#"{ "type": "cmd", "nr": 9, "id": "event-list"}"#).await;
    let response = peer.response_to(9).await;
    assert_fields(&response, &json!({"cmd-nr": 9, "status": "OK", "type": "response", "id": "event-list"}));
    assert_dotnet_date_time(&response["data"]["now"]);
    let events = response["data"]["events"].as_array().expect("a list");
    assert_eq!(events.len(), 2, "{response}");
    assert_eq!(
        events[0],
        json!({
            "event-name": "vcall-status-changed",
            "instruction-set": "vd1",
            "description": "Sent with every call status change",
            "subscribed-until": null
        })
    );
    assert_eq!(events[1]["event-name"], "vdevice-status-changed");
    assert!(events[1]["subscribed-until"].is_null());

    peer.send(r#"{ "type": "cmd", "nr": 10, "id": "event-subscribe", "data": {"event":"*" }}"#).await;
    let response = peer.response_to(10).await;
    assert_fields(
        &response,
        &json!({"cmd-nr": 10, "status": "OK", "result": "Subscribed 2 events.",
                "type": "response", "id": "event-subscribe"}),
    );
    // "immediately after subscribing, an event may be sent to notify about the current
    // status": the set sends its snapshot (as a single event or inside a multi-event).
    let snapshot = peer.take(|message| message["type"] == "event").await;
    let item = if snapshot["id"].is_null() {
        snapshot["data"]["events"][0].clone()
    } else {
        json!({"event": snapshot["id"], "data": snapshot["data"]})
    };
    assert_eq!(
        item,
        json!({"event":"vcall-status-changed", "data":
            {"date-time":"2017-08-29T14:41:14.9682915+02:00", "call-id":"testcall1",
             "status":"Disconnected", "last-started":"0001-01-01T00:00:00"}})
    );

    // Subscribed for ten years, the default.
    let response = peer.call(11, "event-list", Value::Null).await;
    let now = assert_dotnet_date_time(&response["data"]["now"]);
    for event in response["data"]["events"].as_array().expect("a list") {
        let until = assert_dotnet_date_time(&event["subscribed-until"]);
        let days = until.signed_duration_since(now).num_days();
        assert!((3640..=3660).contains(&days), "{event} is subscribed for {days} days, not ten years");
    }

    peer.send(r#"{ "type": "cmd", "nr": 10, "id": "event-unsubscribe", "data": {"event":"*" }}"#).await;
    let response = peer.response_to(10).await;
    assert_fields(
        &response,
        &json!({"cmd-nr": 10, "status": "OK", "result": "Unsubscribed 2 events.",
                "type": "response", "id": "event-unsubscribe"}),
    );
    let response = peer.call(12, "event-list", Value::Null).await;
    for event in response["data"]["events"].as_array().expect("a list") {
        assert!(event["subscribed-until"].is_null(), "{event}");
    }
    peer.close().await;
    server.shutdown().await;

    // On a standard-only server there is nothing to subscribe.
    let standard = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&standard).await;
    let response = peer.call(1, "event-subscribe", json!({"event": "*"})).await;
    assert_fields(&response, &json!({"status": "OK", "result": "Subscribed 0 events."}));
    let response = peer.call(2, "event-subscribe", json!({"event": "nope"})).await;
    assert_fields(&response, &json!({"status": "ERROR", "result": "Error: event 'nope' not found"}));
    peer.close().await;
    standard.shutdown().await;
}

#[tokio::test]
async fn active_cmds_lists_the_running_wait_but_not_itself() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    // The wait example renumbered to 5, the number the active-cmds example reports (the
    // literal wait and active-cmds examples both use nr 10 and cannot run at once).
    peer.send(r#"{ "type": "cmd", "nr": 5, "id": "wait"}"#).await;
    peer.send(r#"{ "type": "cmd", "nr": 10, "id": "active-cmds" }"#).await;
    let response = peer.response_to(10).await;
    // The example's response says "id": "echo" and "last-started"; PROTOCOL.md decides:
    // the command's own id and `start-time`.
    assert_fields(&response, &json!({ "type": "response", "cmd-nr": 10, "id": "active-cmds", "status": "OK"}));
    let data = &response["data"];
    let now = assert_dotnet_date_time(&data["now"]);
    let cmds = data["cmds"].as_array().expect("a list");
    assert_eq!(cmds.len(), 1, "only the wait, not active-cmds itself: {data}");
    assert_eq!(cmds[0]["name"], "wait");
    assert_eq!(cmds[0]["cmd-nr"], 5);
    let started = assert_dotnet_date_time(&cmds[0]["start-time"]);
    assert!(started <= now, "started {started} after now {now}");

    peer.send(r#"{"type":"cancel","nr":11,"data":{"cmds":[5]}}"#).await;
    assert_eq!(peer.response_to(5).await["result"], "Cancelled");
    let response = peer.call(12, "active-cmds", Value::Null).await;
    assert_eq!(response["data"]["cmds"], json!([]));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_command_is_answered_with_an_error() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    // The specification shows only the answer:
    // {"nr":1, "cmd-nr":2, "type":"response", "id":"order-pizza", "data":null,
    //  "status":"ERROR", "reason":"Error: command 'order-pizza' not found"}
    // PROTOCOL.md names the text's field `result`.
    peer.send(r#"{"nr":2,"type":"cmd","id":"order-pizza"}"#).await;
    let response = peer.response_to(2).await;
    assert_fields(
        &response,
        &json!({"cmd-nr":2, "type":"response", "id":"order-pizza",
                "status":"ERROR", "result":"Error: command 'order-pizza' not found"}),
    );
    assert!(response["data"].is_null(), "{response}");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn undecodable_input_gets_an_error_event_and_the_session_goes_on() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send("hello?").await;
    let event = peer.recv().await;
    assert_fields(&event, &json!({"type":"event","id":"error"}));
    let description = event["data"]["description"].as_str().expect("a description");
    assert!(description.starts_with("Unable to decode message, wrong formatting? Got this: 'hello?'"), "{description}");

    // PROTOCOL.md: not JSON, not an object, wrong field types.
    for text in [
        r#"{"nr":1,"type":"cmd""#,
        r#"[1,2,3]"#,
        r#"{"nr":"one","type":"cmd","id":"echo"}"#,
        r#"{"nr":1,"type":"cmd","id":"echo","data":{"token":1},"cmd-nr":[]}"#,
        r#"{"nr":1,"type":"order","id":"echo"}"#,
    ] {
        peer.send(text).await;
        let event = peer.recv().await;
        assert_fields(&event, &json!({"type":"event","id":"error"}));
        let description = event["data"]["description"].as_str().expect("text");
        let prefix = format!("Unable to decode message, wrong formatting? Got this: '{text}'");
        assert!(description.starts_with(&prefix), "{description}");
    }

    let response = peer.call(3, "echo", json!({"token": "still here"})).await;
    assert_fields(&response, &json!({"status":"OK","data":{"token":"still here"}}));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn commands_are_found_by_alias_and_without_dashes() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;

    let response = peer.call(1, "?", json!({"cmd": "echo"})).await;
    assert_fields(&response, &json!({"status":"OK","cmd-nr":1,"id":"?"}));
    assert_eq!(response["data"]["command"], "echo");

    let response = peer.call(2, "ap", json!({"term": "token"})).await;
    assert_eq!(response["status"], "OK");
    assert!(response["data"]["commands"].as_array().expect("a list").iter().any(|command| command["cmd"] == "echo"));

    let response = peer.call(3, "eventlist", Value::Null).await;
    assert_eq!(response["status"], "OK", "{response}");
    assert!(response["data"]["events"].is_array(), "{response}");

    peer.cmd(4, "wait", Value::Null).await;
    let response = peer.call(5, "activecmds", Value::Null).await;
    assert_eq!(response["status"], "OK", "{response}");
    assert_eq!(response["data"]["cmds"][0]["cmd-nr"], 4);
    assert_eq!(response["data"]["cmds"][0]["name"], "wait");

    // Names are matched ignoring case, as Json.NET peers may send them.
    let response = peer.call(6, "ECHO", json!({"token": 1})).await;
    assert_eq!(response["data"]["token"], 1);

    // help on an alias describes the command it stands for.
    let response = peer.call(7, "help", json!({"cmd": "?"})).await;
    assert_eq!(response["data"]["command"], "help");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_server_numbers_its_messages_one_by_one() {
    let server = plain_server(|b| b.instruction_set(director())).await;
    let (mut peer, initiated) = RawPeer::connect(&server).await;
    assert_eq!(initiated["nr"], 1);
    peer.cmd(1, "echo", json!({"token": 1})).await;
    peer.cmd(2, "help", Value::Null).await;
    peer.cmd(3, "order-pizza", Value::Null).await;
    peer.send("hello?").await;
    peer.cmd(4, "log-stream", json!({"logger": "x", "level": "INFO"})).await;
    peer.cmd(5, "time", Value::Null).await;
    // 4 responses, 1 error event and 2 stream messages come, in some order.
    let mut messages = Vec::new();
    for _ in 0..7 {
        messages.push(peer.recv().await);
    }
    peer.send(r#"{"type":"cancel","nr":6,"data":{"cmds":[4]}}"#).await;
    messages.push(peer.recv().await);
    assert_eq!(messages[7]["cmd-nr"], 4, "{:?}", messages[7]);
    let nrs: Vec<u64> = messages.iter().map(|message| message["nr"].as_u64().expect("an integer nr")).collect();
    assert_eq!(nrs, (2..=9).collect::<Vec<u64>>(), "{messages:#?}");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_json_net_style_peer_is_understood() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    // Capitalised field names (the specification itself writes "Nr", "Id", "Data") and
    // numbers written as strings.
    peer.send(r#"{"Nr":"21","Type":"cmd","Id":"echo","Data":{"token":"net"}}"#).await;
    let response = peer.response_to(21).await;
    assert_fields(&response, &json!({"status":"OK","id":"echo","data":{"token":"net"}}));

    peer.send(r#"{"NR":22.0,"TYPE":"Cmd","ID":"wait","DATA":null,"Extra":{"ignored":true}}"#).await;
    peer.await_active(&[22]).await;
    peer.send(r#"{"Type":"cancel","Nr":"23","Id":null,"Data":{"cmds":["22"]}}"#).await;
    let response = peer.response_to(22).await;
    assert_fields(&response, &json!({"status":"OK","result":"Cancelled","id":"wait"}));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_fields_and_field_order_do_not_matter() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.send(r#"{"data":{"token":"x","extra":1},"id":"echo","priority":"high","type":"cmd","nr":31}"#).await;
    let response = peer.response_to(31).await;
    assert_fields(&response, &json!({"status":"OK","data":{"token":"x"}}));
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn binary_frames_are_ignored_and_pings_answered() {
    let mut config = SessionConfig::default();
    config.ping_interval = None;
    let server = plain_server(|b| b.session_config(config)).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.socket().send(Message::binary(b"{\"nr\":1,\"type\":\"cmd\",\"id\":\"echo\"}".to_vec())).await.expect("send");
    peer.socket().send(Message::Ping(b"are you there".to_vec().into())).await.expect("send");
    match peer.next_frame().await {
        Message::Pong(payload) => assert_eq!(&payload[..], b"are you there"),
        other => panic!("expected a pong, got {other:?}"),
    }
    // The binary frame produced neither a response nor an error event.
    let response = peer.call(2, "echo", json!({"token": 2})).await;
    assert_eq!(response["data"]["token"], 2);
    assert_eq!(peer.silent_for(Duration::from_millis(200)).await, None);
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_domain_set_overrides_a_standard_command_of_equal_version() {
    let loud = TestSet::new("loud")
        .command("echo", |mut params, _| async move {
            let token: String = params.required("token")?;
            Outcome::data(&json!({"token": token.to_uppercase()}))
        })
        .doc("Returns the given token, louder.", &[]);
    let server = plain_server(|b| b.instruction_set(loud)).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    let response = peer.call(1, "echo", json!({"token": "hi"})).await;
    assert_eq!(response["data"], json!({"token": "HI"}));
    let response = peer.call(2, "help", Value::Null).await;
    let echoes: Vec<&Value> = response["data"]["commands"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|command| command["command"] == "echo")
        .collect();
    assert_eq!(echoes.len(), 1, "{echoes:?}");
    assert_eq!(echoes[0]["instruction-set"], "loud");
    assert_eq!(echoes[0]["description"], "Returns the given token, louder.");
    let response = peer.call(3, "help", json!({"cmd": "echo"})).await;
    assert_eq!(response["data"]["instruction-set"], "loud");
    peer.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_command_number_already_active_is_reported_and_not_run() {
    let server = plain_server(|b| b).await;
    let (mut peer, _) = RawPeer::connect(&server).await;
    peer.cmd(1, "wait", Value::Null).await;
    peer.cmd(1, "echo", json!({"token": "twin"})).await;
    // Answering would look like the wait's response, so an error event says it instead.
    let event = peer.recv().await;
    assert_fields(&event, &json!({"type": "event", "id": "error"}));
    let description = event["data"]["description"].as_str().expect("text");
    assert!(description.contains("nr 1"), "{description}");
    // The wait is untouched and answers once, when cancelled.
    peer.await_active(&[1]).await;
    peer.send(r#"{"type":"cancel","nr":2,"data":{"cmds":[1]}}"#).await;
    let response = peer.response_to(1).await;
    assert_fields(&response, &json!({"id": "wait", "result": "Cancelled"}));
    assert_eq!(peer.silent_for(Duration::from_millis(200)).await, None);
    // Once finished, the number may be used again.
    let response = peer.call(1, "echo", json!({"token": "again"})).await;
    assert_eq!(response["data"]["token"], "again");
    peer.close().await;
    server.shutdown().await;
}
