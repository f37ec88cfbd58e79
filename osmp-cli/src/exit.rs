//! Exit codes, and the one-line errors that go with them.

use osmp::session::CallError;
use osmp::transport::ClientError;

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

    /// A connection that could not be made.
    pub fn from_client(error: ClientError) -> Failure {
        let message = error.to_string();
        match error {
            ClientError::InvalidUrl { .. } => Failure::usage(message),
            ClientError::TlsHandshake(_) if message.contains("certificate") => Failure::connection(format!(
                "{message} (trust the server with --ca FILE or --fingerprint SHA256, or skip the check with --insecure)"
            )),
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
