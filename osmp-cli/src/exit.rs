//! Exit codes, and the one-line errors that go with them.

use osmp::session::CallError;
use osmp::transport::ClientError;

use crate::ConnectionOptions;

/// What the process exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Exit {
    /// Everything answered OK.
    Ok = 0,
    /// The command answered `ERROR`.
    CommandFailed = 1,
    /// The command line (or a shell line) is wrong. Clap's own usage errors exit 2 as well.
    Usage = 2,
    /// Connecting, TLS, logging in failed, the connection was lost, or no answer came in time.
    Connection = 3,
    /// Interrupted (a second Ctrl-C while cancelling, or Ctrl-C while connecting).
    Interrupted = 130,
}

/// Why a run ends unsuccessfully: the exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(code: Exit, message: impl Into<String>) -> Failure {
        Failure { code, message: message.into() }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Exit::Usage, message)
    }

    pub fn connection(message: impl Into<String>) -> Failure {
        Failure::new(Exit::Connection, message)
    }

    pub fn interrupted() -> Failure {
        Failure::new(Exit::Interrupted, "interrupted")
    }

    /// Prints `error: …` on stderr.
    pub fn report(&self) {
        eprintln!("error: {}", self.message);
    }

    /// A connection that could not be made, with a hint at what to do about it.
    pub fn from_client(error: ClientError, options: &ConnectionOptions) -> Failure {
        let message = error.to_string();
        match &error {
            ClientError::InvalidUrl { .. } => Failure::usage(message),
            ClientError::TlsHandshake(cause) => Failure::connection(match tls_hint(cause, options) {
                Some(hint) => format!("{message} ({hint})"),
                None => message,
            }),
            _ => Failure::connection(message),
        }
    }

    /// A call that did not end with an OK response.
    pub fn from_call(error: &CallError) -> Failure {
        match error {
            CallError::Failed { response, .. } => {
                let text = response.result.as_deref().unwrap_or("the command failed (no reason given)");
                Failure::new(Exit::CommandFailed, server_text(text))
            }
            CallError::Timeout { .. } => Failure::connection(format!("{error} (see --timeout)")),
            CallError::InvalidParams { .. } => Failure::usage(error.to_string()),
            CallError::InvalidData { .. } => Failure::new(Exit::CommandFailed, error.to_string()),
            _ => Failure::connection(error.to_string()),
        }
    }
}

/// The command that makes a development certificate rustls accepts: a server (not a CA)
/// certificate for the names clients use.
const CERTIFICATE_RECIPE: &str = "openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
     -addext basicConstraints=critical,CA:FALSE -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
     -keyout key.pem -out cert.pem";

/// What to do about a failed TLS handshake, as far as its cause tells.
fn tls_hint(cause: &std::io::Error, options: &ConnectionOptions) -> Option<String> {
    let text = cause.to_string();
    // rustls reports webpki's reasons in Debug form; say what they mean.
    if text.contains("CaUsedAsEndEntity") {
        return Some(format!(
            "the server's certificate is a CA certificate (basicConstraints CA:TRUE, which `openssl req -x509` \
             sets by default), and a CA certificate cannot identify a server: make a server certificate, for \
             instance with `{CERTIFICATE_RECIPE}`, or sign one with that CA and give the CA with --ca"
        ));
    }
    if text.contains("NotValidForName") || text.contains("not valid for name") {
        return Some(
            "the server's certificate does not name the host in the URL (its subjectAltName must list it): \
             connect by a name it lists, or make it with -addext subjectAltName=DNS:HOST,IP:ADDRESS"
                .to_owned(),
        );
    }
    if text.contains("Expired") || text.contains("NotValidYet") {
        return Some("the server's certificate is outside its validity period: renew it".to_owned());
    }
    // A plain `ws://` server answers a TLS hello with HTTP, or hangs up.
    if cause.kind() == std::io::ErrorKind::UnexpectedEof || text.contains("InvalidContentType") || text.contains("eof")
    {
        return Some("is it an unencrypted server? then use ws://HOST:PORT".to_owned());
    }
    if !text.contains("certificate") {
        return None;
    }
    Some(if options.ca.is_some() {
        "the server's certificate is not signed by the CA given with --ca: give the certificate that signed it, \
         or pin the server with --fingerprint SHA256"
            .to_owned()
    } else {
        "trust the server with --ca FILE or --fingerprint SHA256, or skip the check with --insecure".to_owned()
    })
}

/// The server's error text without its own `Error: ` prefix (we print `error: `).
pub fn server_text(text: &str) -> &str {
    match text.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("error:") => text[6..].trim_start(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_error_prefix_is_not_doubled() {
        assert_eq!(server_text("Error: command 'x' not found"), "command 'x' not found");
        assert_eq!(server_text("Login failed!"), "Login failed!");
        assert_eq!(server_text("Err"), "Err");
    }
}
