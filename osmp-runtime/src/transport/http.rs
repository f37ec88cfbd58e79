//! The HTTP/1.1 step in front of the WebSocket: reading a request head, and answering the
//! requests that are not an upgrade.
//!
//! Every connection starts with an HTTP request. Reading it here, rather than inside the
//! WebSocket library, lets the server answer what is not an upgrade (a browser opening the
//! URL, a health check, a malformed request) with a real HTTP response instead of a closed
//! connection, and gives plain routes one home.

use std::borrow::Cow;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The most headers a request may carry.
const MAX_HEADERS: usize = 64;

/// A request line and its headers.
#[derive(Debug, Clone)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    /// The request target as sent (path and query).
    pub(crate) target: String,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub(crate) minor_version: u8,
    pub(crate) headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The target's path, without query or fragment.
    pub(crate) fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or_default()
    }

    /// The first header of that name (names are case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Whether a comma-separated header (`Connection: keep-alive, Upgrade`) lists a token,
    /// in any of its occurrences, ignoring case.
    pub(crate) fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .flat_map(|(_, value)| value.split(','))
            .any(|item| item.trim().eq_ignore_ascii_case(token))
    }
}

/// Why no request head could be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HeadError {
    /// The peer closed the connection before a complete head (a port scan, a probe).
    #[error("the connection closed before a complete request")]
    Closed,
    /// The head is larger than the limit.
    #[error("the request head exceeds {0} bytes")]
    TooLarge(usize),
    /// Not an HTTP/1.x request.
    #[error("malformed HTTP request: {0}")]
    Malformed(String),
    /// The socket failed.
    #[error("reading the request failed: {0}")]
    Io(#[from] io::Error),
}

impl HeadError {
    /// The answer the peer gets, if it is still there to get one.
    pub(crate) fn response(&self) -> Option<HttpResponse> {
        match self {
            HeadError::TooLarge(limit) => {
                Some(HttpResponse::text(431, format!("The request head is larger than {limit} bytes.")))
            }
            HeadError::Malformed(reason) => Some(HttpResponse::text(400, format!("Malformed HTTP request: {reason}."))),
            HeadError::Closed | HeadError::Io(_) => None,
        }
    }
}

/// Reads a request head of at most `max` bytes. Returns it with whatever the peer sent
/// after it (the start of its first WebSocket frame, if it did not wait for the answer).
pub(crate) async fn read_head<S>(stream: &mut S, max: usize) -> Result<(RequestHead, Vec<u8>), HeadError>
where
    S: AsyncRead + Unpin,
{
    // Sized to what arrives, not to the limit: a typical upgrade request is 200–600 bytes.
    let mut buffer = Vec::with_capacity(1024.min(max.max(1)));
    loop {
        if buffer.len() >= max {
            return Err(HeadError::TooLarge(max));
        }
        buffer.reserve(1024.min(max - buffer.len()));
        let room = buffer.capacity().min(max) - buffer.len();
        let read = (&mut *stream).take(room as u64).read_buf(&mut buffer).await?;
        if read == 0 {
            return Err(HeadError::Closed);
        }
        if let Some((head, length)) = parse(&buffer)? {
            let rest = buffer.split_off(length);
            return Ok((head, rest));
        }
    }
}

/// Parses a complete head from the start of `bytes`; `None` while it is incomplete.
fn parse(bytes: &[u8]) -> Result<Option<(RequestHead, usize)>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(HeadError::Malformed(error.to_string())),
    };
    let head = RequestHead {
        method: request.method.unwrap_or_default().to_owned(),
        target: request.path.unwrap_or_default().to_owned(),
        minor_version: request.version.unwrap_or_default(),
        headers: request
            .headers
            .iter()
            .map(|header| (header.name.to_owned(), String::from_utf8_lossy(header.value).into_owned()))
            .collect(),
    };
    Ok(Some((head, length)))
}

/// Routes a server adds to the plain HTTP answers (the web console): asked first for every
/// request that is not a WebSocket upgrade, outside the OSMP path. The transport knows
/// nothing of what they serve.
pub(crate) trait PlainRoutes: Send + Sync {
    /// The answer to the request, or `None` to leave it to the built-in answers (`404`).
    fn answer(&self, request: &RequestHead) -> Option<HttpResponse>;
}

/// An HTTP response to a request that does not become a WebSocket session. The connection
/// closes after it.
///
/// Unless the response sets them, `Cache-Control: no-store` and
/// `X-Content-Type-Options: nosniff` are sent with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpResponse {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Cow<'static, [u8]>,
}

impl HttpResponse {
    /// A response with a plain-text body.
    pub(crate) fn text(status: u16, body: impl Into<String>) -> HttpResponse {
        let mut body = body.into();
        body.push('\n');
        HttpResponse::new(status, "text/plain; charset=utf-8", body.into_bytes())
    }

    /// A response with a body of this media type.
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Cow<'static, [u8]>>) -> HttpResponse {
        HttpResponse { status, headers: vec![("Content-Type", content_type.to_owned())], body: body.into() }
    }

    /// `304 Not Modified`: the client's cached copy is current.
    pub(crate) fn not_modified() -> HttpResponse {
        HttpResponse { status: 304, headers: Vec::new(), body: Cow::Borrowed(&[]) }
    }

    /// The first header of that name set on the response.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The body.
    #[cfg(test)]
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> HttpResponse {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// The bytes on the wire; the answer to a `HEAD` request has no body.
    pub(crate) fn to_bytes(&self, with_body: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        // A 304 describes the cached representation: it has no body and no length of its own.
        if self.status != 304 {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str("Connection: close\r\n");
        for (name, default) in [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")] {
            if self.header(name).is_none() {
                head.push_str(&format!("{name}: {default}\r\n"));
            }
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if with_body {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }

    /// Writes the response and closes the sending side.
    pub(crate) async fn write_to<S>(&self, stream: &mut S, request: Option<&RequestHead>) -> io::Result<()>
    where
        S: AsyncWrite + Unpin,
    {
        let with_body = request.is_none_or(|request| request.method != "HEAD");
        stream.write_all(&self.to_bytes(with_body)).await?;
        stream.flush().await?;
        stream.shutdown().await
    }
}

/// The reason phrase of the statuses this server sends.
fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPGRADE: &[u8] = b"GET /osmp/v1?x=1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n\
                             Upgrade: websocket\r\n\r\nFRAME";

    #[tokio::test]
    async fn reads_a_head_and_keeps_what_follows() {
        let mut input: &[u8] = UPGRADE;
        let (head, rest) = read_head(&mut input, 1024).await.unwrap();
        assert_eq!((head.method.as_str(), head.path(), head.minor_version), ("GET", "/osmp/v1", 1));
        assert_eq!(head.header("host"), Some("a"));
        assert!(head.has_token("connection", "upgrade"));
        assert!(!head.has_token("connection", "close"));
        assert_eq!(rest, b"FRAME");
    }

    #[tokio::test]
    async fn reads_a_head_sent_byte_by_byte() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let sender = tokio::spawn(async move {
            for byte in UPGRADE {
                client.write_all(&[*byte]).await.unwrap();
            }
            client
        });
        let (head, _) = read_head(&mut server, 1024).await.unwrap();
        assert_eq!(head.header("upgrade"), Some("websocket"));
        drop(sender.await);
    }

    #[tokio::test]
    async fn refuses_large_malformed_and_unfinished_heads() {
        let large = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(5000));
        assert!(matches!(read_head(&mut large.as_bytes(), 4096).await, Err(HeadError::TooLarge(4096))));
        assert!(matches!(
            read_head(&mut &b"\x16\x03\x01garbage\r\n\r\n"[..], 4096).await,
            Err(HeadError::Malformed(_))
        ));
        assert!(matches!(read_head(&mut &b"GET / HTTP/1.1\r\nHost"[..], 4096).await, Err(HeadError::Closed)));
        assert_eq!(HeadError::TooLarge(1).response().map(|r| r.status()), Some(431));
        assert_eq!(HeadError::Closed.response(), None);
    }

    #[test]
    fn responses_carry_length_and_close() {
        let response = HttpResponse::text(404, "no").with_header("Allow", "GET");
        let text = String::from_utf8(response.to_bytes(true)).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"), "{text}");
        assert!(text.contains("Allow: GET\r\n") && text.contains("Content-Length: 3\r\n"), "{text}");
        assert!(text.contains("Connection: close\r\n") && text.ends_with("\r\n\r\nno\n"), "{text}");
        let head_only = String::from_utf8(response.to_bytes(false)).unwrap();
        assert!(head_only.ends_with("\r\n\r\n") && head_only.contains("Content-Length: 3"), "{head_only}");
        assert!(text.contains("Cache-Control: no-store\r\n") && text.contains("X-Content-Type-Options: nosniff\r\n"));
    }

    #[test]
    fn responses_may_set_their_caching_and_304s_have_no_length() {
        let cached = HttpResponse::new(200, "text/css", &b"a{}"[..]).with_header("Cache-Control", "no-cache");
        let text = String::from_utf8(cached.to_bytes(true)).unwrap();
        assert!(text.contains("Cache-Control: no-cache\r\n") && !text.contains("no-store"), "{text}");
        assert_eq!(cached.header("cache-control"), Some("no-cache"));
        assert_eq!(cached.body(), b"a{}");
        let not_modified = String::from_utf8(HttpResponse::not_modified().to_bytes(true)).unwrap();
        assert!(not_modified.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{not_modified}");
        assert!(!not_modified.contains("Content-Length") && not_modified.ends_with("\r\n\r\n"), "{not_modified}");
    }
}
