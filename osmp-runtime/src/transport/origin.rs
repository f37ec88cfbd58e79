//! The `Origin` check of the WebSocket upgrade: a browser page may open a session only on
//! its own server, or on one that lists the page's origin.
//!
//! Browsers let any page open a WebSocket to any host, and send the user's cookies and
//! client certificates along; the only thing that tells the server which page asked is
//! the `Origin` header (RFC 6454), which scripts cannot forge. Checking it stops
//! cross-site WebSocket hijacking: a hostile page in the operator's browser talking to the
//! management interface. Clients other than browsers send no `Origin` and are not checked.

use super::http::{HttpResponse, RequestHead};

/// A scheme, host and port, compared the way RFC 6454 compares origins (scheme and host
/// ignoring case, the default port of the scheme filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

/// Why a text is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not an origin (scheme://host[:port], such as https://console.example.com:8443): {reason}")]
pub(crate) struct OriginError {
    text: String,
    reason: &'static str,
}

impl Origin {
    /// Reads `scheme://host[:port]` (an `Origin` header's value; one trailing `/` is
    /// tolerated in configured origins).
    pub(crate) fn parse(text: &str) -> Result<Origin, OriginError> {
        let error = |reason| OriginError { text: text.to_owned(), reason };
        let trimmed = text.trim();
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let (scheme, authority) = trimmed.split_once("://").ok_or_else(|| error("no scheme://"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = default_port(&scheme).ok_or_else(|| error("the scheme is not http or https"))?;
        if authority.contains(['/', '?', '#', '@']) {
            return Err(error("an origin has no path, query, fragment or user"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| error("the port is not a number"))?;
        if host.is_empty() {
            return Err(error("no host"));
        }
        Ok(Origin { scheme, host: host.to_ascii_lowercase(), port: port.unwrap_or(default_port) })
    }

    /// The origin of a page this server served: the request's `Host` over this server's
    /// scheme. `None` without a usable `Host`.
    fn of_request(request: &RequestHead, tls: bool) -> Option<Origin> {
        let scheme = if tls { "https" } else { "http" };
        let (host, port) = split_host_port(request.header("host")?.trim())?;
        if host.is_empty() {
            return None;
        }
        let port = port.unwrap_or(default_port(scheme)?);
        Some(Origin { scheme: scheme.to_owned(), host: host.to_ascii_lowercase(), port })
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.host.contains(':') {
            true => write!(f, "{}://[{}]:{}", self.scheme, self.host, self.port),
            false => write!(f, "{}://{}:{}", self.scheme, self.host, self.port),
        }
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// `host[:port]`, with IPv6 literals in brackets; `None` when the port is not a number.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    match port {
        Some(port) => Some((host, Some(port.parse().ok()?))),
        None => Some((host, None)),
    }
}

/// Which origins may open sessions besides the server's own.
#[derive(Debug, Clone, Default)]
pub(crate) struct OriginPolicy {
    allowed: Vec<Origin>,
}

impl OriginPolicy {
    /// The server's own origin, and these.
    pub(crate) fn new(allowed: Vec<Origin>) -> OriginPolicy {
        OriginPolicy { allowed }
    }

    /// Admits an upgrade request without `Origin` (not a browser), from the page's own
    /// origin, or from an allowed one; refuses others with `403`.
    pub(crate) fn check(&self, request: &RequestHead, tls: bool) -> Result<(), HttpResponse> {
        let Some(sent) = request.header("origin") else { return Ok(()) };
        let origin = Origin::parse(sent).ok();
        let own = Origin::of_request(request, tls);
        let admitted = origin.is_some_and(|origin| Some(&origin) == own.as_ref() || self.allowed.contains(&origin));
        if admitted {
            return Ok(());
        }
        tracing::warn!(origin = ?sent, host = ?request.header("host"), "WebSocket upgrade from a foreign origin refused");
        Err(HttpResponse::text(
            403,
            format!(
                "Origin '{sent}' may not open OSMP sessions here: only pages of this server and the origins \
                 the server allows may."
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upgrade(headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".to_owned(),
            target: "/osmp/v1".to_owned(),
            minor_version: 1,
            headers: headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
        }
    }

    #[test]
    fn origins_compare_as_rfc_6454_says() {
        let origin = |text| Origin::parse(text).unwrap();
        assert_eq!(origin("HTTPS://Console.Example.com"), origin("https://console.example.com:443"));
        assert_eq!(origin("http://h:80/"), origin("http://h"));
        assert_ne!(origin("http://h"), origin("https://h"));
        assert_ne!(origin("http://h:8080"), origin("http://h:8081"));
        assert_eq!(origin("http://[::1]:9000").to_string(), "http://[::1]:9000");
        for bad in ["h:80", "ftp://h", "http://", "http://h/path", "http://h:port", "null", "http://u@h"] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_page_of_this_server_may_connect() {
        let policy = OriginPolicy::default();
        let same = upgrade(&[("Host", "127.0.0.1:9000"), ("Origin", "http://127.0.0.1:9000")]);
        assert!(policy.check(&same, false).is_ok());
        assert_eq!(policy.check(&same, true).unwrap_err().status(), 403, "http page, https server");
        let default_port = upgrade(&[("Host", "pa.example.com"), ("Origin", "https://PA.example.com")]);
        assert!(policy.check(&default_port, true).is_ok());
        let ipv6 = upgrade(&[("Host", "[::1]:9000"), ("Origin", "https://[::1]:9000")]);
        assert!(policy.check(&ipv6, true).is_ok());
    }

    #[test]
    fn foreign_pages_are_refused_unless_allowed() {
        let foreign = upgrade(&[("Host", "127.0.0.1:9000"), ("Origin", "https://evil.example")]);
        assert_eq!(OriginPolicy::default().check(&foreign, true).unwrap_err().status(), 403);
        let allowed = OriginPolicy::new(vec![Origin::parse("https://evil.example:443").unwrap()]);
        assert!(allowed.check(&foreign, true).is_ok());
        for origin in ["null", "https://127.0.0.1:9001", "garbage"] {
            let request = upgrade(&[("Host", "127.0.0.1:9000"), ("Origin", origin)]);
            assert_eq!(allowed.check(&request, true).unwrap_err().status(), 403, "{origin}");
        }
        let hostless = upgrade(&[("Origin", "https://127.0.0.1:9000")]);
        assert_eq!(allowed.check(&hostless, true).unwrap_err().status(), 403);
    }

    #[test]
    fn clients_that_are_not_browsers_are_not_checked() {
        assert!(OriginPolicy::default().check(&upgrade(&[("Host", "h")]), true).is_ok());
        assert!(OriginPolicy::default().check(&upgrade(&[]), false).is_ok());
    }
}
