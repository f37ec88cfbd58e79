//! `osmp shell` driven through a pipe: lines read without editing.

use std::io::Write;
use std::process::Stdio;

use crate::support::*;

#[test]
fn the_shell_runs_lines_from_stdin() {
    let server = TestServer::plain();
    let script = "\
echo token=42
show a='hello world' b=[1,2]

help echo
apropos subscri
quit
echo token=never
";
    let out = run_with(osmp().args(["shell", &server.url()]), Some(script)).expect_code(0);
    let expected_start =
        "{\n  \"token\": 42\n}\n{\n  \"a\": \"hello world\",\n  \"b\": [\n    1,\n    2\n  ]\n}\nCOMMAND      echo\n";
    assert!(out.stdout.starts_with(expected_start), "{}", out.stdout);
    assert!(out.stdout.contains("event-subscribe"), "apropos ran: {}", out.stdout);
    assert!(!out.stdout.contains("never"), "nothing runs after quit: {}", out.stdout);
    assert_eq!(out.stderr, "", "no prompt or banner without a terminal");
}

#[test]
fn the_shell_goes_on_after_errors_and_exits_with_the_worst() {
    let server = TestServer::plain();
    let script = "order-pizza\necho 'unterminated\necho not-a-pair\nfail\necho token=last\n";
    let out = run_with(osmp().args(["shell", &server.url()]), Some(script)).expect_code(2);
    assert_eq!(
        out.stderr,
        "error: command 'order-pizza' not found\n\
         error: unterminated ' quote\n\
         error: expected KEY=VALUE, got 'not-a-pair'\n\
         error: the lab is closed\n"
    );
    assert_eq!(out.stdout, "{\n  \"token\": \"last\"\n}\n");

    // Only an ERROR response: exit 1, at the end of the input.
    let out = run_with(osmp().args(["shell", &server.url()]), Some("fail\necho\n")).expect_code(1);
    assert_eq!(out.stdout, "OK\n");
}

#[test]
fn the_shell_prints_json_lines_with_json() {
    let server = TestServer::plain();
    let out =
        run_with(osmp().args(["--json", "shell", &server.url()]), Some("count to=1\necho token=1\n")).expect_code(0);
    let lines = out.json_lines();
    let types: Vec<&str> = lines.iter().map(|line| line["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["stream", "stream", "stream", "stream", "stream", "stream", "response", "response"]);
    assert_eq!(lines[7]["data"]["token"], 1);
}

/// `osmp shell` with a pipe the test writes lines to as it goes.
fn shell_fed_line_by_line(server: &TestServer) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = osmp()
        .args(["shell", &server.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osmp starts");
    let stdin = child.stdin.take().expect("stdin");
    (child, stdin)
}

#[cfg(unix)]
#[test]
fn ctrl_c_in_the_shell_cancels_the_running_command_and_the_shell_goes_on() {
    let server = TestServer::plain();
    let (child, mut stdin) = shell_fed_line_by_line(&server);
    stdin.write_all(b"hold\n").expect("a line");
    server.wait_for_started(1);
    interrupt(&child);
    // The next line comes after the cancelled command's response; then the input ends.
    stdin.write_all(b"echo token=after\n").expect("a line");
    drop(stdin);
    let out = finish(child).expect_code(0);
    assert_eq!(out.stdout, "Cancelled\n{\n  \"token\": \"after\"\n}\n");
    assert!(out.stderr.contains("cancelling hold"), "{}", out.stderr);
}

#[test]
fn the_shell_prints_the_events_the_session_subscribed() {
    use std::io::{BufRead, BufReader};

    let server = TestServer::plain();
    let (mut child, mut stdin) = shell_fed_line_by_line(&server);
    stdin.write_all(b"event-subscribe event=ding\n").expect("a line");
    // The first ding that reaches a session proves the subscription is in place.
    eventually("the shell to subscribe", || server.ding(1) == 1);
    assert_eq!(server.ding(2), 1);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    while lines.len() < 3 {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).expect("a line") > 0, "stdout ended after {lines:?}");
        lines.push(line.trim_end().to_owned());
    }
    // The response and the first event race to stdout (one printed by the shell, the other
    // by its event printer); the events keep their order.
    let response = lines.iter().position(|line| line == "Subscribed 1 events.").expect("the response");
    lines.remove(response);
    assert_eq!(lines, [r#"ding {"n":1}"#, r#"ding {"n":2}"#]);
    stdin.write_all(b"echo token=after\n").expect("a line");
    drop(stdin);
    finish(child).expect_code(0);
}

#[test]
fn the_shell_checks_parameters_and_a_misspelled_one_counts_as_a_usage_error() {
    let server = TestServer::plain();
    let script = "count to=1 t0=2\necho token=ok\n";
    let out = run_with(osmp().args(["shell", &server.url()]), Some(script)).expect_code(2);
    assert_eq!(out.stderr, "error: unknown parameter `t0`; did you mean `to`? (--unchecked sends it anyway)\n");
    assert_eq!(out.stdout, "{\n  \"token\": \"ok\"\n}\n");
    let out =
        run_with(osmp().args(["shell", "--unchecked", &server.url()]), Some("echo token=1 t0=2\n")).expect_code(0);
    assert_eq!(out.stdout, "{\n  \"token\": 1\n}\n");
}
