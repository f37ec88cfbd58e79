//! The web console and the WebSocket endpoint on one port: what plain GETs get with and
//! without the console, and the `Origin` check of the upgrade, over plain TCP and TLS.

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::support::*;

/// A header's value in an HTTP answer (names ignoring case).
fn header<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
    let head = answer.split("\r\n\r\n").next().unwrap_or_default();
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n")
}

#[tokio::test]
async fn the_console_and_the_endpoint_share_one_port() {
    let server = plain_server(|b| b.console(true)).await;
    assert_eq!(server.console_url(), Some(format!("http://{}/", server.local_addr())));

    let page = plain_exchange(&server, &get("/", "")).await;
    assert_eq!(status_line(&page), "HTTP/1.1 200 OK", "{page}");
    assert_eq!(header(&page, "content-type"), Some("text/html; charset=utf-8"));
    let policy = header(&page, "content-security-policy").expect("a Content-Security-Policy");
    for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe"), "no inline script or style is allowed: {policy}");
    assert_eq!(header(&page, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&page, "cache-control"), Some("no-cache"));
    assert!(body(&page).contains(r#"<script type="module" src="/assets/js/main.js">"#), "{page}");
    let etag = header(&page, "etag").expect("an ETag").to_owned();

    let cached = plain_exchange(&server, &get("/", &format!("If-None-Match: {etag}\r\n"))).await;
    assert_eq!(status_line(&cached), "HTTP/1.1 304 Not Modified", "{cached}");
    assert_eq!(header(&cached, "etag"), Some(etag.as_str()));
    assert_eq!(body(&cached), "", "a 304 has no body");

    let head = plain_exchange(&server, "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert_eq!(status_line(&head), "HTTP/1.1 200 OK");
    assert_eq!(header(&head, "content-length"), header(&page, "content-length"));
    assert_eq!(body(&head), "", "no body for HEAD");

    let module = plain_exchange(&server, &get("/assets/js/client.js", "")).await;
    assert_eq!(status_line(&module), "HTTP/1.1 200 OK", "{module}");
    assert_eq!(header(&module, "content-type"), Some("text/javascript; charset=utf-8"));
    assert!(body(&module).contains("export class OsmpClient"), "the embedded client");
    assert!(header(&module, "content-security-policy").is_some());

    for elsewhere in ["/index.html", "/assets/js/missing.js", "/assets/../Cargo.toml", "/favicon.ico"] {
        let answer = plain_exchange(&server, &get(elsewhere, "")).await;
        assert_eq!(status_line(&answer), "HTTP/1.1 404 Not Found", "{elsewhere}: {answer}");
    }
    let endpoint = plain_exchange(&server, &get("/osmp/v1", "")).await;
    assert_eq!(status_line(&endpoint), "HTTP/1.1 426 Upgrade Required", "{endpoint}");
    let post = plain_exchange(&server, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n").await;
    assert_eq!(status_line(&post), "HTTP/1.1 405 Method Not Allowed", "{post}");

    // The same port serves sessions.
    let echo = client(&server).await.call("echo", &serde_json::json!({"token": "same port"})).await.expect("echo");
    assert_eq!(echo.data.expect("data").to_value()["token"], "same port");
    assert_eq!(server.session_count(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn the_console_is_served_over_tls_and_names_a_generated_certificate() {
    let server = Server::builder().console(true).build().await.expect("server binds").spawn();
    assert_eq!(server.console_url(), Some(format!("https://{}/", server.local_addr())));
    let fingerprint = server.fingerprint().expect("a TLS server");
    let tls = ClientTls::pinned(fingerprint);
    let tcp = TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    let stream = tls.connector().connect(ClientTls::server_name("localhost").unwrap(), tcp).await.expect("TLS");
    let page = exchange(stream, &get("/", "")).await;
    assert_eq!(status_line(&page), "HTTP/1.1 200 OK", "{page}");
    let meta = format!(r#"<meta name="osmp-fingerprint" content="{fingerprint}">"#);
    assert!(body(&page).contains(&meta), "the page pins the generated certificate in its command lines");
    server.shutdown().await;
}

#[tokio::test]
async fn without_the_console_plain_gets_get_the_short_answers() {
    let server = plain_server(|b| b).await;
    assert_eq!(server.console_url(), None);
    for path in ["/", "/assets/js/main.js"] {
        let answer = plain_exchange(&server, &get(path, "")).await;
        assert_eq!(status_line(&answer), "HTTP/1.1 404 Not Found", "{path}: {answer}");
        assert!(body(&answer).contains("/osmp/v1"), "{answer}");
    }
    server.shutdown().await;
}

/// Opens a WebSocket at the server's URL, sending `origin` (and `host`, if given) as a
/// browser would; the status the server answered with.
async fn upgrade_status(server: &ServerHandle, origin: Option<&str>, host: Option<&str>) -> u16 {
    let mut request = server.url().into_client_request().expect("a request");
    if let Some(origin) = origin {
        request.headers_mut().insert("Origin", HeaderValue::from_str(origin).unwrap());
    }
    if let Some(host) = host {
        request.headers_mut().insert("Host", HeaderValue::from_str(host).unwrap());
    }
    let tcp = TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    let stream: Box<dyn Io> = match server.fingerprint() {
        Some(fingerprint) => {
            let connector = ClientTls::pinned(fingerprint).connector();
            Box::new(connector.connect(ClientTls::server_name("localhost").unwrap(), tcp).await.expect("TLS"))
        }
        None => Box::new(tcp),
    };
    match bounded("the upgrade", tokio_tungstenite::client_async(request, stream)).await {
        Ok((mut socket, response)) => {
            socket.close(None).await.ok();
            response.status().as_u16()
        }
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(error) => panic!("the upgrade failed otherwise: {error}"),
    }
}

#[tokio::test]
async fn browsers_may_open_sessions_only_from_the_pages_origin_or_an_allowed_one() {
    // The check holds whether or not the console is on.
    for console in [false, true] {
        let server = plain_server(|b| b.console(console).allow_origin("https://ops.example.com/")).await;
        let own = format!("http://{}", server.local_addr());
        let port = server.local_addr().port();
        assert_eq!(upgrade_status(&server, None, None).await, 101, "no Origin: not a browser");
        assert_eq!(upgrade_status(&server, Some(&own), None).await, 101, "the page's own origin");
        assert_eq!(upgrade_status(&server, Some(&own.to_uppercase()), None).await, 101, "origins ignore case");
        assert_eq!(upgrade_status(&server, Some("https://ops.example.com"), None).await, 101, "allowed");
        let localhost = format!("http://localhost:{port}");
        let by_name = Some(format!("localhost:{port}"));
        assert_eq!(upgrade_status(&server, Some(&localhost), by_name.as_deref()).await, 101, "Host decides");
        for foreign in ["https://evil.example", "null", &format!("https://127.0.0.1:{port}"), &localhost, "x"] {
            assert_eq!(upgrade_status(&server, Some(foreign), None).await, 403, "{foreign}, console {console}");
        }
        assert_eq!(server.session_count(), 0, "refused upgrades take no session");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn over_tls_the_pages_origin_is_https() {
    let server = Server::builder().build().await.expect("server binds").spawn();
    let addr = server.local_addr();
    assert_eq!(upgrade_status(&server, Some(&format!("https://{addr}")), None).await, 101);
    assert_eq!(upgrade_status(&server, Some(&format!("http://{addr}")), None).await, 403);
    let refusal = plain_exchange_tls(&server, &format!("Origin: https://evil.example\r\nHost: {addr}\r\n")).await;
    assert_eq!(status_line(&refusal), "HTTP/1.1 403 Forbidden", "{refusal}");
    assert!(body(&refusal).contains("https://evil.example"), "the answer says which origin: {refusal}");
    server.shutdown().await;
}

/// A raw upgrade request with extra headers, over TLS.
async fn plain_exchange_tls(server: &ServerHandle, headers: &str) -> String {
    let tls = ClientTls::pinned(server.fingerprint().expect("a TLS server"));
    let tcp = TcpStream::connect(server.local_addr()).await.expect("TCP connect");
    let stream = tls.connector().connect(ClientTls::server_name("localhost").unwrap(), tcp).await.expect("TLS");
    let request = format!(
        "GET /osmp/v1 HTTP/1.1\r\n{headers}Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    exchange(stream, &request).await
}

#[tokio::test]
async fn an_invalid_allowed_origin_is_a_configuration_error() {
    for origin in ["ops.example.com", "https://ops.example.com/path", "ftp://ops.example.com"] {
        let error = Server::builder().no_tls().allow_origin(origin).build().await.err().expect("refused");
        assert!(matches!(error, osmp::server::ServerError::Config(_)), "{error}");
        assert!(error.to_string().contains(origin), "{error}");
    }
}
