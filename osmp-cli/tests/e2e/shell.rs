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

#[cfg(unix)]
#[test]
fn ctrl_c_in_the_shell_cancels_the_running_command_and_the_shell_goes_on() {
    let server = TestServer::plain();
    let mut child = osmp()
        .args(["shell", &server.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("osmp starts");
    let mut stdin = child.stdin.take().expect("stdin");
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
