//! Connecting as the options say: URL, trust, timeouts, then the login.

use osmp::client::{Client, ClientBuilder};
use osmp::session::CallError;
use osmp::transport::tls::ClientTls;

use crate::exit::{server_text, Failure};
use crate::ConnectionOptions;

/// The environment variable the password is read from.
pub const PASSWORD_VARIABLE: &str = "OSMP_PASSWORD";

/// `HOST:PORT` alone means `wss://HOST:PORT`.
pub fn normalize_url(url: &str) -> String {
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("wss://{url}")
    }
}

fn builder(url: &str, options: &ConnectionOptions) -> Result<ClientBuilder, Failure> {
    let mut builder = Client::builder(normalize_url(url));
    if options.insecure {
        builder = builder.insecure();
    } else if let Some(file) = &options.ca {
        let tls = ClientTls::with_ca_file(file).map_err(|error| Failure::connection(error.to_string()))?;
        builder = builder.tls(tls);
    } else if let Some(fingerprint) = options.fingerprint {
        builder = builder.fingerprint(fingerprint);
    }
    if let Some(timeout) = options.timeout {
        builder = builder.connect_timeout(timeout).call_timeout(timeout);
    }
    Ok(builder)
}

/// The password for `user`: `OSMP_PASSWORD`, or asked on the terminal.
fn password(user: &str) -> Result<String, Failure> {
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
        return Ok(password);
    }
    rpassword::prompt_password(format!("password for {user}: ")).map_err(|error| {
        Failure::usage(format!("no password for {user}: set {PASSWORD_VARIABLE} or run from a terminal ({error})"))
    })
}

/// A user and password to log in with.
pub struct Credentials {
    pub user: String,
    pub password: String,
}

/// The credentials the options ask for: `--user` with the password from `OSMP_PASSWORD` or
/// the terminal.
pub fn credentials(options: &ConnectionOptions) -> Result<Option<Credentials>, Failure> {
    match &options.user {
        Some(user) => Ok(Some(Credentials { user: user.clone(), password: password(user)? })),
        None => Ok(None),
    }
}

/// Connects and logs in.
pub async fn connect(
    url: &str,
    options: &ConnectionOptions,
    credentials: Option<Credentials>,
) -> Result<Client, Failure> {
    let client = builder(url, options)?.connect().await.map_err(|error| Failure::from_client(error, options))?;
    if let Some(Credentials { user, password }) = credentials {
        client.login(&user, &password).await.map_err(|error| login_failure(&user, &error))?;
    }
    Ok(client)
}

fn login_failure(user: &str, error: &CallError) -> Failure {
    match error.response() {
        Some(response) => Failure::connection(format!(
            "login as '{user}' failed: {}",
            server_text(response.result.as_deref().unwrap_or("no reason given"))
        )),
        None => Failure::connection(format!("login as '{user}' failed: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_address_means_wss() {
        assert_eq!(normalize_url("127.0.0.1:9000"), "wss://127.0.0.1:9000");
        assert_eq!(normalize_url("ws://h:1/osmp/v1"), "ws://h:1/osmp/v1");
    }
}
