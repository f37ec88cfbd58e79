//! `login` and `logout`: the reference's password and public-key authentication.
//!
//! Both ask the client to prove something about a fresh single-use token: that it can
//! encrypt `password + token` for the server's key, or sign the token with the private key
//! of a configured public key. The answer never tells whether the user exists: an unknown
//! user costs the same work and fails with the same words.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{decrypt_password, new_token, parse_public_key, verify_token_signature, Authenticator};
use crate::instruction::{CommandContext, CommandError, ErrorKind, Outcome};
use crate::session::Identity;
use crate::transport::CloseReason;

/// How a client proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum LoginMethod {
    /// The password, RSA-encrypted for the server together with a fresh token.
    Password,
    /// A signature of a fresh token with the private key of a configured public key.
    PublicKey,
}

pub(super) async fn login(
    cx: &CommandContext,
    auth: Option<&Arc<Authenticator>>,
    username: String,
    method: LoginMethod,
    public_key: Option<String>,
) -> Result<Outcome, CommandError> {
    // Without accounts nobody can log in, and the answer is the same as for a wrong password.
    let Some(auth) = auth else { return Err(failed()) };
    check_limits(cx, auth)?;
    let verified = match method {
        LoginMethod::Password => password(cx, auth, &username).await,
        LoginMethod::PublicKey => signature(cx, auth, &username, public_key.as_deref()).await,
    };
    let session = cx.session();
    let peer = session.peer_addr().map(|address| address.ip());
    if verified {
        let roles = auth.users().roles(&username);
        tracing::info!(user = %username, ?method, "login successful");
        session.set_user(Some(Identity { name: username, roles }));
        session.0.login_failures.store(0, std::sync::atomic::Ordering::Relaxed);
        if let Some(peer) = peer {
            auth.limiter().succeeded(peer);
        }
        Ok(Outcome::text("Login successful!"))
    } else {
        tracing::warn!(user = %username, ?method, ?peer, "login failed");
        session.0.login_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(peer) = peer {
            auth.limiter().failed(peer);
        }
        Err(failed())
    }
}

pub(super) fn logout(cx: &CommandContext) -> Outcome {
    let session = cx.session();
    if let Some(user) = session.user() {
        tracing::info!(user = %user.name, "logout");
    }
    session.set_user(None);
    Outcome::text("Logout successful!")
}

fn failed() -> CommandError {
    CommandError::with_kind(ErrorKind::LoginFailed, "Login failed!")
}

/// Too many failures end the session (a brute force gets a few tries per connection) or
/// refuse the address for a while (a brute force over many connections).
fn check_limits(cx: &CommandContext, auth: &Authenticator) -> Result<(), CommandError> {
    let session = cx.session();
    let limits = auth.limiter().limits();
    if session.0.login_failures.load(std::sync::atomic::Ordering::Relaxed) >= limits.per_session {
        tracing::warn!(peer = ?session.peer_addr(), "too many failed logins in one session; closing it");
        let error = CommandError::limit_exceeded("Too many failed logins");
        return Err(error.and_close_session(CloseReason::policy("too many failed logins")));
    }
    if !auth.allows_attempt(session.peer_addr().map(|address| address.ip())) {
        tracing::warn!(peer = ?session.peer_addr(), "login refused: too many failures from this address");
        return Err(CommandError::limit_exceeded("Too many failed logins; try again later"));
    }
    Ok(())
}

/// Asks for `password + token` encrypted for the server, and checks it. The RSA and argon2
/// work runs off the async threads.
async fn password(cx: &CommandContext, auth: &Arc<Authenticator>, username: &str) -> bool {
    let token = new_token();
    let Some(encrypted) = challenge(cx, "password-request", &token, "encrypted-password").await else { return false };
    let auth = auth.clone();
    let username = username.to_owned();
    tokio::task::spawn_blocking(move || {
        // An undecryptable answer still costs a password check, so that its timing does
        // not differ from a wrong password's.
        let password = decrypt_password(auth.key(), &encrypted, &token);
        let matches = auth.users().verify_password(&username, password.as_deref().unwrap_or(""));
        matches && password.is_some()
    })
    .await
    .unwrap_or(false)
}

/// Asks for a signature of a token with the key the client named, and checks that the key
/// is one of the user's.
async fn signature(cx: &CommandContext, auth: &Authenticator, username: &str, public_key: Option<&str>) -> bool {
    let key = public_key.and_then(|text| parse_public_key(text).ok());
    let token = new_token();
    let Some(signature) = challenge(cx, "sign-request", &token, "signature").await else { return false };
    match key {
        Some(key) => verify_token_signature(&key, &token, &signature) && auth.users().accepts_key(username, &key),
        None => false,
    }
}

/// Sends a challenge command to the client and reads one text field of its answer.
async fn challenge(cx: &CommandContext, command: &str, token: &str, field: &str) -> Option<String> {
    match cx.ask(command, &json!({ "token": token })).await {
        Ok(response) => {
            let data = response.data?.to_value();
            data.get(field)?.as_str().map(str::to_owned)
        }
        Err(error) => {
            tracing::debug!(%error, command, "login challenge not answered");
            None
        }
    }
}
