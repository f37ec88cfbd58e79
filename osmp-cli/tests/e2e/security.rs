//! Logging in (`--user`, `OSMP_PASSWORD`) and trusting TLS servers (`--fingerprint`,
//! `--insecure`, `--ca`, the system roots).

use crate::support::*;

#[test]
fn user_and_osmp_password_log_in() {
    let server = TestServer::with_auth();
    let url = server.url();
    let out =
        run_with(osmp().args(["--user", "jon", "call", &url, "echo", "token=1"]).env("OSMP_PASSWORD", "secret"), None)
            .expect_code(0);
    assert_eq!(out.stdout, "{\n  \"token\": 1\n}\n");

    // Without logging in, the server refuses the command itself: an ERROR response.
    let out = run(&["call", &url, "echo", "token=1"]).expect_code(1);
    assert_eq!(out.stderr, "error: Authentication required!\n");
}

#[test]
fn a_wrong_password_or_unknown_user_exits_3() {
    let server = TestServer::with_auth();
    let url = server.url();
    for user in ["jon", "nobody"] {
        let out = run_with(osmp().args(["--user", user, "call", &url, "echo"]).env("OSMP_PASSWORD", "wrong"), None)
            .expect_code(3);
        assert_eq!(out.stderr, format!("error: login as '{user}' failed: Login failed!\n"));
        assert_eq!(out.stdout, "");
    }
}

#[cfg(unix)]
#[test]
fn a_user_without_a_password_and_no_terminal_is_a_usage_error() {
    let server = TestServer::with_auth();
    // No OSMP_PASSWORD, and no terminal to ask on: `setsid` runs osmp without a controlling
    // terminal even when the tests run in one (where the prompt would wait for a person).
    let mut command = if std::path::Path::new("/usr/bin/setsid").exists() {
        let mut command = std::process::Command::new("/usr/bin/setsid");
        command.args(["--wait", env!("CARGO_BIN_EXE_osmp")]);
        command
    } else if std::fs::File::open("/dev/tty").is_err() {
        osmp()
    } else {
        return;
    };
    command.env_remove("OSMP_PASSWORD").args(["--user", "jon", "call", &server.url(), "echo"]);
    let out = run_with(&mut command, None).expect_code(2);
    assert!(out.stderr.starts_with("error: no password for jon: set OSMP_PASSWORD"), "{}", out.stderr);
}

#[test]
fn a_pinned_fingerprint_or_insecure_connects_to_a_self_signed_server() {
    let server = TestServer::tls();
    let url = server.url();
    assert!(url.starts_with("wss://"), "{url}");

    let out = run(&["--fingerprint", &server.fingerprint(), "call", &url, "echo", "token=pinned"]).expect_code(0);
    assert!(out.stdout.contains("pinned"), "{}", out.stdout);
    // Lower case without colons is the same fingerprint.
    let compact = server.fingerprint().replace(':', "").to_lowercase();
    run(&["--fingerprint", &compact, "call", &url, "echo"]).expect_code(0);

    run(&["--insecure", "call", &url, "echo"]).expect_code(0);

    let ca = TempFile::with("ca.pem", server.certificate.as_deref().expect("a certificate"));
    run(&["--ca", ca.path(), "call", &url, "echo"]).expect_code(0);
}

#[test]
fn an_untrusted_certificate_exits_3() {
    let server = TestServer::tls();
    let url = server.url();

    // The system roots do not know a self-signed certificate.
    let out = run(&["call", &url, "echo"]).expect_code(3);
    assert!(out.stderr.starts_with("error: TLS handshake failed"), "{}", out.stderr);
    assert!(out.stderr.contains("--fingerprint"), "a hint: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    let other = "00".repeat(32);
    let out = run(&["--fingerprint", &other, "call", &url, "echo"]).expect_code(3);
    assert!(out.stderr.starts_with("error: TLS handshake failed"), "{}", out.stderr);

    let out = run(&["--ca", "/nonexistent/ca.pem", "call", &url, "echo"]).expect_code(3);
    assert!(out.stderr.contains("/nonexistent/ca.pem"), "{}", out.stderr);
}

#[test]
fn a_tls_client_against_a_plain_server_is_told_to_use_ws() {
    let server = TestServer::plain();
    let address = server.url().trim_start_matches("ws://").trim_end_matches("/osmp/v1").to_owned();
    for args in [vec!["--insecure", "call", &address, "echo"], vec!["call", &address, "echo"]] {
        let out = run(&args).expect_code(3);
        assert!(out.stderr.starts_with("error: TLS handshake failed"), "{}", out.stderr);
        assert!(out.stderr.contains("use ws://HOST:PORT"), "{}", out.stderr);
    }
}

#[test]
fn a_ca_certificate_used_by_a_server_is_explained() {
    // What `openssl req -x509 -newkey … -subj /CN=localhost` makes: basicConstraints CA:TRUE.
    let key = rcgen::KeyPair::generate().expect("a key");
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("parameters");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let certificate = params.self_signed(&key).expect("a certificate");
    let tls = ServerTls::from_pem(certificate.pem().as_bytes(), key.serialize_pem().as_bytes()).expect("an identity");
    let server = TestServer::start(|builder| builder.tls(tls));
    let ca = TempFile::with("ca-as-server.pem", &certificate.pem());

    let out = run(&["--ca", ca.path(), "call", &server.url(), "echo"]).expect_code(3);
    assert!(out.stderr.contains("is a CA certificate"), "{}", out.stderr);
    assert!(out.stderr.contains("basicConstraints=critical,CA:FALSE"), "how to make one: {}", out.stderr);
    assert!(!out.stderr.contains("trust the server with --ca"), "--ca was given: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}
