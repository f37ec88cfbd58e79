//! `osmp help`, `osmp apropos`, `osmp schema`: what a server offers.

use serde_json::Value;

use crate::support::*;

/// The row of `command` in a table: its cells, split on runs of two or more spaces.
fn row<'a>(table: &'a str, command: &str) -> Vec<&'a str> {
    let line = table
        .lines()
        .find(|line| line.split_whitespace().next() == Some(command))
        .unwrap_or_else(|| panic!("no row for {command} in:\n{table}"));
    line.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect()
}

#[test]
fn help_lists_every_command_as_an_aligned_table() {
    let server = TestServer::plain();
    let out = run(&["help", &server.url()]).expect_code(0);
    let header = out.stdout.lines().next().expect("a header");
    assert_eq!(header.split_whitespace().collect::<Vec<_>>(), ["COMMAND", "ALIASES", "SET", "DESCRIPTION"]);
    assert_eq!(
        row(&out.stdout, "help"),
        ["help", "?", "standard", "List available commands or display extended command help."]
    );
    assert_eq!(
        row(&out.stdout, "count"),
        ["count", "lab", "Counts to a number, streaming every kind of stream message."]
    );
    // Aligned: every description starts in the same column.
    let column = header.find("DESCRIPTION").unwrap();
    for line in out.stdout.lines().skip(1) {
        let description = line.split("  ").filter(|cell| !cell.is_empty()).last().unwrap().trim();
        assert_eq!(line.find(description), Some(column), "misaligned: {line}");
    }
}

#[test]
fn help_command_describes_one_command() {
    let server = TestServer::plain();
    let out = run(&["help", &server.url(), "count"]).expect_code(0);
    assert!(out.stdout.starts_with("COMMAND      count\n"), "{}", out.stdout);
    assert!(out.stdout.contains("SET          lab (version 2)\n"), "{}", out.stdout);
    assert!(out.stdout.contains("Sends progress for each step"), "the long description: {}", out.stdout);
    assert!(out.stdout.contains("MANDATORY PARAMETERS\n  to  Where to stop\n"), "{}", out.stdout);
    assert!(out.stdout.contains("OPTIONAL PARAMETERS\n  (none)\n"), "{}", out.stdout);

    // The same through `call`, by alias.
    let called = run(&["call", &server.url(), "?", "cmd=count"]).expect_code(0);
    assert_eq!(called.stdout, out.stdout);

    let out = run(&["help", &server.url(), "order-pizza"]).expect_code(1);
    assert!(out.stderr.contains("order-pizza"), "{}", out.stderr);
}

#[test]
fn apropos_finds_commands_by_their_documentation() {
    let server = TestServer::plain();
    let out = run(&["apropos", &server.url(), "SUBSCRI"]).expect_code(0);
    let commands: Vec<&str> = out.stdout.lines().skip(1).filter_map(|line| line.split_whitespace().next()).collect();
    assert!(commands.contains(&"event-subscribe") && commands.contains(&"event-unsubscribe"), "{}", out.stdout);
    assert!(!commands.contains(&"echo"), "{}", out.stdout);

    let out = run(&["apropos", &server.url(), "no-such-thing-anywhere"]).expect_code(0);
    assert_eq!(out.stdout, "no command matches\n");
}

#[test]
fn schema_prints_one_json_document_with_every_set() {
    let server = TestServer::plain();
    let out = run(&["schema", &server.url()]).expect_code(0);
    let document: Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let sets = document["instruction-sets"].as_array().expect("instruction-sets");
    let names: Vec<&str> = sets.iter().filter_map(|set| set["name"].as_str()).collect();
    assert!(names.contains(&"standard") && names.contains(&"lab"), "{names:?}");
    let standard = sets.iter().find(|set| set["name"] == "standard").unwrap();
    let commands: Vec<&str> =
        standard["commands"].as_array().unwrap().iter().filter_map(|c| c["command"].as_str()).collect();
    for command in ["help", "apropos", "echo", "time", "wait", "event-subscribe", "schema"] {
        assert!(commands.contains(&command), "{command} missing from {commands:?}");
    }

    // --json: the raw response, whose data is the same document.
    let out = run(&["--json", "schema", &server.url()]).expect_code(0);
    let lines = out.json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["data"], document);
}
