//! `osmp call`: parameters, responses, errors and exit codes.

use serde_json::json;

use crate::support::*;

/// The `data` of the response, the last JSON line of a `--json` run.
fn response_data(run: &Run) -> serde_json::Value {
    let lines = run.json_lines();
    let response = lines.last().expect("a response line");
    assert_eq!(response["type"], "response", "{response}");
    response["data"].clone()
}

#[test]
fn key_values_are_json_when_they_are_json_and_strings_otherwise() {
    let server = TestServer::plain();
    let url = server.url();

    let out = run(&["--json", "call", &url, "show", "a=42", "b=hi"]).expect_code(0);
    assert_eq!(response_data(&out), json!({"a": 42, "b": "hi"}));

    let out = run(&["--json", "call", &url, "show", r#"a=[1,"x",{"y":null}]"#, r#"b="42""#]).expect_code(0);
    assert_eq!(response_data(&out), json!({"a": [1, "x", {"y": null}], "b": "42"}), "a quoted value stays a string");

    let out = run(&["--json", "call", &url, "show", "a=true", "b=hello world"]).expect_code(0);
    assert_eq!(response_data(&out), json!({"a": true, "b": "hello world"}));
}

#[test]
fn data_gives_the_whole_object_and_key_values_win() {
    let server = TestServer::plain();
    let out = run(&["--json", "call", &server.url(), "show", "--data", r#"{"a":1,"b":2}"#, "b=3"]).expect_code(0);
    assert_eq!(response_data(&out), json!({"a": 1, "b": 3}));
}

#[test]
fn human_output_is_the_result_text_then_indented_data() {
    let server = TestServer::plain();
    let out = run(&["call", &server.url(), "echo", "token=hi"]).expect_code(0);
    assert_eq!(out.stdout, "{\n  \"token\": \"hi\"\n}\n");
    assert_eq!(out.stderr, "");

    // Neither text nor data: a plain OK, so that the shell always says something.
    let out = run(&["call", &server.url(), "echo"]).expect_code(0);
    assert_eq!(out.stdout, "OK\n");
}

#[test]
fn an_error_response_exits_1_with_the_servers_text() {
    let server = TestServer::plain();
    let out = run(&["call", &server.url(), "order-pizza", "size=xl"]).expect_code(1);
    assert_eq!(out.stderr, "error: command 'order-pizza' not found\n");
    assert_eq!(out.stdout, "");

    let out = run(&["call", &server.url(), "fail"]).expect_code(1);
    assert_eq!(out.stderr, "error: the lab is closed\n");

    // With --json the ERROR response is printed as well, for scripts.
    let out = run(&["--json", "call", &server.url(), "fail"]).expect_code(1);
    let lines = out.json_lines();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    assert_eq!(lines[0]["type"], "response");
    assert_eq!(lines[0]["status"], "ERROR");
    assert_eq!(lines[0]["result"], "the lab is closed");
}

#[test]
fn a_refused_port_or_an_unknown_host_exits_3() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = run(&["call", &format!("ws://127.0.0.1:{port}"), "echo"]).expect_code(3);
    assert!(out.stderr.starts_with("error: cannot connect to 127.0.0.1:"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);

    // `.invalid` never resolves (RFC 2606).
    let out = run(&["--timeout", "5", "call", "ws://no-such-host.invalid:9000", "echo"]).expect_code(3);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
}

#[test]
fn bad_usage_exits_2() {
    let server = TestServer::plain();
    let url = server.url();
    for args in [
        vec![],
        vec!["call"],
        vec!["call", &url],
        vec!["call", &url, "echo", "not-a-pair"],
        vec!["call", &url, "echo", "=1"],
        vec!["call", &url, "echo", "--data", "[1]"],
        vec!["call", &url, "echo", "--data", "{oops"],
        vec!["--fingerprint", "not-hex", "call", &url, "echo"],
        vec!["--timeout", "-1", "call", &url, "echo"],
        vec!["--insecure", "--ca", "ca.pem", "call", &url, "echo"],
        vec!["watch", &url],
        vec!["frobnicate", &url],
        vec!["call", "http://127.0.0.1:1/", "echo"],
    ] {
        let out = run(&args);
        assert_eq!(out.code(), Some(2), "osmp {args:?} should be a usage error; stderr:\n{}", out.stderr);
        assert!(!out.stderr.is_empty(), "osmp {args:?} says why");
    }
}

#[test]
fn a_parameter_the_command_does_not_declare_is_refused_with_the_closest_one() {
    let server = TestServer::plain();
    let url = server.url();
    let out = run(&["call", &url, "count", "to=2", "t0=3"]).expect_code(2);
    assert_eq!(out.stderr, "error: unknown parameter `t0`; did you mean `to`? (--unchecked sends it anyway)\n");
    assert_eq!(out.stdout, "", "nothing was sent");
    let out = run(&["call", &url, "echo", "colour=red"]).expect_code(2);
    assert_eq!(
        out.stderr,
        "error: unknown parameter `colour`; the command takes `token` (--unchecked sends it anyway)\n"
    );

    // The server ignores what it does not know, as the specification asks.
    let out = run(&["--json", "call", &url, "echo", "token=1", "colour=red", "--unchecked"]).expect_code(0);
    assert_eq!(response_data(&out), json!({"token": 1}));
    // Declared ones pass, by alias of the command too.
    run(&["call", &url, "show", "a=1", "b=2"]).expect_code(0);
    run(&["call", &url, "?", "cmd=echo"]).expect_code(0);
}

#[test]
fn help_with_a_subcommand_name_prints_that_subcommands_help() {
    let out = run(&["help", "call"]).expect_code(0);
    assert!(out.stdout.starts_with("Call a command"), "{}", out.stdout);
    assert!(out.stdout.contains("Usage: osmp call"), "{}", out.stdout);
    assert!(out.stderr.contains("this is `osmp call --help`"), "{}", out.stderr);
    let out = run(&["help", "shell"]).expect_code(0);
    assert!(out.stdout.contains("--no-history"), "{}", out.stdout);
}

#[test]
fn help_of_a_set_shows_its_long_description_and_commands() {
    let server = TestServer::plain();
    let out = run(&["help", &server.url(), "lab"]).expect_code(0);
    assert!(out.stdout.starts_with("SET          lab\nDESCRIPTION  The lab of the tests.\n"), "{}", out.stdout);
    assert!(out.stdout.contains("\nIt counts, fails, shows and holds.\n"), "the long description: {}", out.stdout);
    assert!(out.stdout.lines().any(|line| line.starts_with("count ")), "{}", out.stdout);
    assert!(!out.stdout.contains("echo"), "only the set's commands: {}", out.stdout);
}
