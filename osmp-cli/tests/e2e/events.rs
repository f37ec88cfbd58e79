//! `osmp watch`: events as they come, until Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::json;

use crate::support::*;

/// Starts `osmp ARGS…` (a watch), emits `ding` until it has subscribed, then dings `n` for
/// `2..=count`; returns the child and the first `count` lines it printed.
fn watch_dings(server: &TestServer, args: &[&str], count: u64) -> (std::process::Child, Vec<String>) {
    let mut child = osmp()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osmp starts");
    // The first ding that reaches a session proves the subscription is in place.
    eventually("osmp to subscribe", || server.ding(1) == 1);
    for n in 2..=count {
        assert_eq!(server.ding(n), 1);
    }
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let lines = (0..count)
        .map(|_| {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("a line");
            line.trim_end().to_owned()
        })
        .collect();
    (child, lines)
}

#[cfg(unix)]
#[test]
fn watch_prints_events_as_json_lines_until_ctrl_c() {
    let server = TestServer::plain();
    let (child, lines) = watch_dings(&server, &["--json", "watch", &server.url(), "ding"], 3);
    for (n, line) in (1..).zip(&lines) {
        let event: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert_eq!(event, json!({"type": "event", "id": "ding", "data": {"n": n}}));
    }
    interrupt(&child);
    let out = finish(child).expect_code(0);
    assert_eq!(out.stderr, "");
}

#[cfg(unix)]
#[test]
fn watch_prints_one_line_per_event_for_people() {
    let server = TestServer::plain();
    let (child, lines) = watch_dings(&server, &["watch", &server.url(), "*"], 2);
    assert_eq!(lines, [r#"ding {"n":1}"#, r#"ding {"n":2}"#]);
    interrupt(&child);
    finish(child).expect_code(0);
}

#[test]
fn watching_an_unknown_event_exits_1() {
    let server = TestServer::plain();
    let out = run(&["watch", &server.url(), "ding", "no-such-event"]).expect_code(1);
    assert!(out.stderr.contains("no-such-event"), "{}", out.stderr);
}
