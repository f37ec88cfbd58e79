//! The WebSocket opening handshake on the server (RFC 6455, section 4.2): checking an
//! upgrade request and answering `101 Switching Protocols`.

use base64::Engine;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::http::{HttpResponse, RequestHead};

/// The only WebSocket version there is (RFC 6455).
const VERSION: &str = "13";

/// Whether the request asks for a WebSocket at all (`Upgrade: websocket`). Anything else is
/// a plain HTTP request.
pub(crate) fn is_upgrade(request: &RequestHead) -> bool {
    request.has_token("upgrade", "websocket")
}

/// Checks an upgrade request; returns the `Sec-WebSocket-Accept` value to answer with, or
/// the HTTP error the request deserves.
pub(crate) fn accept_key(request: &RequestHead) -> Result<String, HttpResponse> {
    if request.method != "GET" {
        let refusal = HttpResponse::text(405, "A WebSocket upgrade is a GET request.");
        return Err(refusal.with_header("Allow", "GET"));
    }
    if request.minor_version < 1 {
        return Err(HttpResponse::text(400, "A WebSocket upgrade needs HTTP/1.1."));
    }
    if !request.has_token("connection", "upgrade") {
        return Err(HttpResponse::text(400, "A WebSocket upgrade needs the header 'Connection: Upgrade'."));
    }
    if request.header("sec-websocket-version").map(str::trim) != Some(VERSION) {
        let refusal = HttpResponse::text(426, "Only WebSocket version 13 (RFC 6455) is supported.");
        return Err(refusal.with_header("Sec-WebSocket-Version", VERSION));
    }
    let key = request.header("sec-websocket-key").map(str::trim).unwrap_or_default();
    let decoded = base64::engine::general_purpose::STANDARD.decode(key).unwrap_or_default();
    if decoded.len() != 16 {
        return Err(HttpResponse::text(400, "Sec-WebSocket-Key must be 16 bytes in base64."));
    }
    Ok(derive_accept_key(key.as_bytes()))
}

/// The answer that turns the connection into a WebSocket.
pub(crate) fn switching_protocols(accept_key: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Accept: {accept_key}\r\n\r\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: method.to_owned(),
            target: "/osmp/v1".to_owned(),
            minor_version: 1,
            headers: headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
        }
    }

    const VALID: &[(&str, &str)] = &[
        ("Host", "server.example.com"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ("Sec-WebSocket-Version", "13"),
    ];

    #[test]
    fn answers_the_rfc_example() {
        // RFC 6455, section 1.3.
        assert_eq!(accept_key(&request("GET", VALID)).unwrap(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        let answer = String::from_utf8(switching_protocols("abc")).unwrap();
        assert!(answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n") && answer.ends_with("abc\r\n\r\n"));
    }

    #[test]
    fn refuses_what_is_not_a_valid_upgrade() {
        let without =
            |name: &str| request("GET", &VALID.iter().copied().filter(|(n, _)| *n != name).collect::<Vec<_>>());
        assert_eq!(accept_key(&request("POST", VALID)).unwrap_err().status(), 405);
        assert_eq!(accept_key(&without("Connection")).unwrap_err().status(), 400);
        assert_eq!(accept_key(&without("Sec-WebSocket-Key")).unwrap_err().status(), 400);
        assert_eq!(accept_key(&without("Sec-WebSocket-Version")).unwrap_err().status(), 426);
        let mut old = request("GET", VALID);
        old.minor_version = 0;
        assert_eq!(accept_key(&old).unwrap_err().status(), 400);
        let mut short_key = request("GET", VALID);
        short_key.headers[3].1 = "c2hvcnQ=".to_owned();
        assert_eq!(accept_key(&short_key).unwrap_err().status(), 400);
        assert!(is_upgrade(&request("GET", VALID)) && !is_upgrade(&without("Upgrade")));
    }
}
