//! Long commands: stream messages as JSON lines or as text, and Ctrl-C (SIGINT) cancelling.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

#[test]
fn json_mode_prints_every_stream_message_then_the_response() {
    let server = TestServer::plain();
    let out = run(&["--json", "call", &server.url(), "count", "to=3"]).expect_code(0);
    let lines = out.json_lines();
    let data: Vec<_> = lines.iter().map(|line| line["data"].clone()).collect();
    assert_eq!(
        data,
        [
            json!({"type": "progress", "value": 1, "total": 3, "message": "step 1"}),
            json!({"type": "progress", "value": 2, "total": 3, "message": "step 2"}),
            json!({"type": "progress", "value": 3, "total": 3, "message": "step 3"}),
            json!({"line": "a line"}),
            json!({"text": "a fragment"}),
            json!({"record": 1, "level": "info"}),
            json!({"type": "progress-indeterminate", "message": "tidying up"}),
            json!({"type": "progress-complete"}),
            json!({"counted": 3}),
        ]
    );
    let (response, stream) = lines.split_last().unwrap();
    assert_eq!(response["type"], "response");
    assert_eq!(response["status"], "OK");
    assert_eq!(response["result"], "Counted to 3");
    let cmd_nr = response["cmd-nr"].as_u64().expect("cmd-nr");
    for line in stream {
        assert_eq!(line["type"], "stream", "{line}");
        assert_eq!(line["id"], "count", "{line}");
        assert_eq!(line["cmd-nr"], cmd_nr, "{line}");
    }
    assert_eq!(out.stderr, "");
}

#[test]
fn human_mode_prints_text_lines_and_data_as_they_come() {
    let server = TestServer::plain();
    let out = run(&["call", &server.url(), "count", "to=3"]).expect_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[..2], ["a line", "a fragment"], "{}", out.stdout);
    let record: serde_json::Value = serde_json::from_str(lines[2]).expect("structured data as one JSON line");
    assert_eq!(record, json!({"record": 1, "level": "info"}));
    assert_eq!(lines[3..].join("\n"), "Counted to 3\n{\n  \"counted\": 3\n}");
    // The progress bar is drawn only on a terminal: nothing on a pipe.
    assert_eq!(out.stderr, "");
}

/// Starts `osmp ARGS…` and returns once the server has started its `started`-th `hold` or
/// `stubborn` command: a Ctrl-C from then on is one during the command.
#[cfg(unix)]
fn start(server: &TestServer, args: &[&str], started: usize) -> std::process::Child {
    let child = osmp()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osmp starts");
    server.wait_for_started(started);
    child
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_command_cancels_it_and_prints_the_cancelled_response() {
    let server = TestServer::plain();
    let child = start(&server, &["call", &server.url(), "hold"], 1);
    interrupt(&child);
    // 130: stopped by the user, which a script must be able to tell from done (issue 14).
    let out = finish(child).expect_code(130);
    assert_eq!(out.stdout, "Cancelled\n");
    assert!(out.stderr.contains("cancelling hold"), "{}", out.stderr);

    let child = start(&server, &["--json", "call", &server.url(), "hold"], 2);
    interrupt(&child);
    let out = finish(child).expect_code(130);
    let lines = out.json_lines();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    assert_eq!(lines[0]["type"], "response");
    assert_eq!(lines[0]["status"], "OK");
    assert_eq!(lines[0]["result"], "Cancelled");
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_quits_without_waiting_for_the_response() {
    let server = TestServer::plain();
    // `stubborn` answers 4 s after being cancelled.
    let child = start(&server, &["call", &server.url(), "stubborn"], 1);
    let started = Instant::now();
    interrupt(&child);
    // Apart, so that the two signals do not merge into one pending SIGINT.
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&child);
    let out = finish(child).expect_code(130);
    assert!(started.elapsed() < Duration::from_secs(3), "quit at once, took {:?}", started.elapsed());
    assert!(out.stderr.ends_with("error: interrupted\n"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}
