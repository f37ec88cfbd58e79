//! `osmp download`, `osmp upload` and `osmp find` against a server with a root folder:
//! round trips, the output, errors, and Ctrl-C that leaves nothing behind.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use crate::support::*;

/// A scratch folder, removed when dropped.
pub struct Folder(pub PathBuf);

impl Folder {
    pub fn new(name: &str) -> Folder {
        let path = std::env::temp_dir().join(format!("osmp-cli-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a scratch folder");
        Folder(path)
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn str(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }

    /// Names in the folder that are temporary files of a transfer.
    pub fn temporaries(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .expect("readable")
            .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".osmp-upload-") || name.ends_with(".osmp-download"))
            .collect()
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn file_server(root: &Folder) -> TestServer {
    let root = root.0.clone();
    TestServer::start(move |builder| builder.no_tls().files(root))
}

fn content(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

#[test]
fn download_upload_and_find_round_trip() {
    let root = Folder::new("root");
    let local = Folder::new("local");
    std::fs::create_dir(root.join("logs")).unwrap();
    let log = content(200_000);
    std::fs::write(root.join("logs/app.log"), &log).unwrap();
    let server = file_server(&root);

    // Into a folder: the remote file's name is kept.
    let out = run(&["download", &server.url(), "logs/app.log", local.str()]).expect_code(0);
    assert_eq!(std::fs::read(local.join("app.log")).unwrap(), log);
    assert!(out.stdout.starts_with("downloaded logs/app.log (200000 bytes)"), "{}", out.stdout);
    assert_eq!(out.stderr, "", "no progress bar on a pipe");

    let config = local.join("config.json");
    std::fs::write(&config, b"{\"volume\": 7}").unwrap();
    let out = run(&["--json", "upload", &server.url(), config.to_str().unwrap(), "logs/config.json"]).expect_code(0);
    let line = &out.json_lines()[0];
    assert_eq!(
        (line["remote"].clone(), line["bytes"].clone(), line["parts"].clone()),
        ("logs/config.json".into(), 13.into(), 1.into())
    );
    assert_eq!(std::fs::read(root.join("logs/config.json")).unwrap(), b"{\"volume\": 7}");

    // An empty file travels both ways.
    let empty = local.join("empty");
    std::fs::write(&empty, b"").unwrap();
    run(&["upload", &server.url(), empty.to_str().unwrap()]).expect_code(0);
    assert_eq!(std::fs::read(root.join("empty")).unwrap(), b"");
    run(&["download", &server.url(), "empty", local.join("empty-again").to_str().unwrap()]).expect_code(0);
    assert_eq!(std::fs::read(local.join("empty-again")).unwrap(), b"");

    let out = run(&["find", &server.url(), "*.json"]).expect_code(0);
    assert_eq!(out.stdout, "./logs/config.json\n");
    let out = run(&["find", &server.url()]).expect_code(0);
    let mut listed: Vec<&str> = out.stdout.lines().collect();
    listed.sort();
    assert_eq!(listed, ["./empty", "./logs", "./logs/app.log", "./logs/config.json"]);
    assert!(root.temporaries().is_empty() && local.temporaries().is_empty());
}

#[test]
fn refusals_are_the_servers_text_and_exit_1() {
    let root = Folder::new("refusals");
    let local = Folder::new("refusals-local");
    let server = file_server(&root);
    let out = run(&["download", &server.url(), "../etc/passwd", local.join("x").to_str().unwrap()]).expect_code(1);
    assert_eq!(out.stderr.trim(), "error: invalide filename: ../etc/passwd", "the server's text");
    assert!(!local.join("x").exists() && local.temporaries().is_empty());
    let out = run(&["download", &server.url(), "missing.log", local.join("x").to_str().unwrap()]).expect_code(1);
    assert!(out.stderr.contains("File not found: missing.log"), "{}", out.stderr);
    let out = run(&["upload", &server.url(), local.join("nothing").to_str().unwrap()]).expect_code(2);
    assert!(out.stderr.contains("nothing"), "{}", out.stderr);
    let out = run(&["find", &server.url(), "sub/*"]).expect_code(1);
    assert!(out.stderr.contains("Invalid filter: sub/*"), "{}", out.stderr);
    // Without a root folder, the commands do not exist.
    let bare = TestServer::plain();
    let out = run(&["find", &bare.url()]).expect_code(1);
    assert!(out.stderr.contains("command 'find-files' not found"), "{}", out.stderr);
}

/// Starts `osmp ARGS…` with piped output.
#[cfg(unix)]
fn spawn(args: &[&str]) -> std::process::Child {
    osmp().args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("osmp starts")
}

#[cfg(unix)]
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(std::time::Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_download_and_leaves_nothing() {
    let root = Folder::new("ctrl-c-down");
    let local = Folder::new("ctrl-c-down-local");
    std::fs::write(root.join("big.bin"), content(128 << 20)).unwrap();
    let server = file_server(&root);
    let target = local.join("big.bin");
    let child = spawn(&["download", &server.url(), "big.bin", target.to_str().unwrap()]);
    wait_until("the download to start", || !local.temporaries().is_empty());
    interrupt(&child);
    let out = finish(child).expect_code(130);
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
    assert!(!target.exists(), "nothing replaced");
    assert!(local.temporaries().is_empty(), "the temporary file is gone: {:?}", local.temporaries());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_an_upload_and_the_server_discards_it() {
    let root = Folder::new("ctrl-c-up");
    let local = Folder::new("ctrl-c-up-local");
    let source = local.join("big.bin");
    std::fs::write(&source, content(128 << 20)).unwrap();
    std::fs::write(root.join("big.bin"), b"old").unwrap();
    let server = file_server(&root);
    let child = spawn(&["upload", &server.url(), source.to_str().unwrap()]);
    wait_until("the upload to start", || !root.temporaries().is_empty());
    interrupt(&child);
    finish(child).expect_code(130);
    eventually("the server to discard the upload", || root.temporaries().is_empty());
    assert_eq!(std::fs::read(root.join("big.bin")).unwrap(), b"old", "the destination is untouched");
}
