//! `login` and `logout`: the reference's password and public-key authentication.
//!
//! Both ask the client to prove something about a fresh single-use token: that it can
//! encrypt `password + token` for the server's key, or sign the token with the private key
//! of a configured public key. The answer never tells whether the user exists: an unknown
//! user costs the same work and fails with the same words.
//!
//! Attempts are counted when they start, per session and per address, so that a burst of
//! concurrent logins is held to the limits exactly; password checks run in the
//! authenticator's bounded pool. When the identity of a session changes, what the new
//! identity may not have (subscriptions, running commands) ends at once.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{new_token, parse_public_key, verify_token_signature, Authenticator, ChecksBusy, LoginAttempt};
use crate::instruction::{CommandContext, CommandError, ErrorKind, Outcome};
use crate::session::{Identity, Session};
use crate::transport::CloseReason;
use crate::wire::CancelTarget;

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
    let attempt = Attempt::begin(cx, auth)?;
    let verified = match method {
        LoginMethod::Password => password(cx, auth, &username).await?,
        LoginMethod::PublicKey => signature(cx, auth, &username, public_key.as_deref()).await,
    };
    if cx.is_cancelled() {
        // Neither a success nor a failure: the attempt is given back.
        return Ok(Outcome::text("Cancelled"));
    }
    let session = cx.session();
    if verified {
        let roles = auth.users().roles(&username);
        tracing::info!(user = %username, ?method, "login successful");
        attempt.succeeded();
        change_identity(cx, Some(Identity { name: username, roles }), auth.is_required());
        Ok(Outcome::text("Login successful!"))
    } else {
        tracing::warn!(user = %username, ?method, peer = ?session.peer_addr(), "login failed");
        attempt.failed();
        Err(failed())
    }
}

pub(super) fn logout(cx: &CommandContext, auth: Option<&Arc<Authenticator>>) -> Outcome {
    if let Some(user) = cx.session().user() {
        tracing::info!(user = %user.name, "logout");
    }
    change_identity(cx, None, auth.is_some_and(|auth| auth.is_required()));
    Outcome::text("Logout successful!")
}

fn failed() -> CommandError {
    CommandError::with_kind(ErrorKind::LoginFailed, "Login failed!")
}

/// One login attempt, counted against the session and its address from its start.
struct Attempt {
    session: Session,
    address: Option<LoginAttempt>,
    finished: bool,
}

impl Attempt {
    /// Too many attempts end the session (a brute force gets a few tries per connection)
    /// or refuse the address for a while (a brute force over many connections).
    fn begin(cx: &CommandContext, auth: &Authenticator) -> Result<Attempt, CommandError> {
        let session = cx.session();
        let limits = auth.limiter().limits();
        if session.0.login_attempts.fetch_add(1, Ordering::Relaxed) >= limits.per_session {
            session.0.login_attempts.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(peer = ?session.peer_addr(), "too many failed logins in one session; closing it");
            let error = CommandError::limit_exceeded("Too many failed logins");
            return Err(error.and_close_session(CloseReason::policy("too many failed logins")));
        }
        let mut attempt = Attempt { session: session.clone(), address: None, finished: false };
        if let Some(address) = session.peer_addr().map(|peer| peer.ip()) {
            let Some(counted) = auth.begin_attempt(address) else {
                tracing::warn!(peer = ?session.peer_addr(), "login refused: too many failures from this address");
                return Err(CommandError::limit_exceeded("Too many failed logins; try again later"));
            };
            attempt.address = Some(counted);
        }
        Ok(attempt)
    }

    fn succeeded(mut self) {
        self.finished = true;
        self.session.0.login_attempts.store(0, Ordering::Relaxed);
        if let Some(address) = self.address.take() {
            address.succeeded();
        }
    }

    fn failed(mut self) {
        self.finished = true;
        if let Some(address) = self.address.take() {
            address.failed();
        }
    }
}

impl Drop for Attempt {
    /// An attempt that ended otherwise (cancelled, refused by a busy pool) does not count.
    fn drop(&mut self) {
        if !self.finished {
            self.session.0.login_attempts.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Logs the session in as `identity` (or out), then ends what the new identity may not
/// have: subscriptions of events it may not receive and commands it may not run (with
/// logins required, an anonymous session may have neither).
fn change_identity(cx: &CommandContext, identity: Option<Identity>, login_required: bool) {
    let session = cx.session();
    session.set_user(identity);
    let barred = login_required && session.user().is_none();
    let registry = cx.registry();
    let mut unsubscribed = 0;
    for subscription in session.subscriptions() {
        let requires = registry.event(&subscription.event).and_then(|event| event.schema().requires.as_deref());
        if (barred || !session.is_permitted(requires)) && session.unsubscribe(&subscription.event) {
            unsubscribed += 1;
        }
    }
    let mut cancelled = Vec::new();
    for command in session.active_commands() {
        let Some(found) = registry.resolve(&command.name) else { continue };
        let schema = found.schema();
        let own = command.nr == cx.nr();
        let may_run = if barred { schema.name == "login" } else { session.is_permitted(schema.requires.as_deref()) };
        if !own && !may_run {
            cancelled.push(command.nr);
        }
    }
    if !cancelled.is_empty() {
        session.cancel(&CancelTarget::Commands(cancelled.clone()));
    }
    if unsubscribed > 0 || !cancelled.is_empty() {
        tracing::info!(unsubscribed, cancelled = cancelled.len(), "identity changed: ended what it may not have");
    }
}

/// Asks for `password + token` encrypted for the server, and checks it.
async fn password(cx: &CommandContext, auth: &Arc<Authenticator>, username: &str) -> Result<bool, CommandError> {
    let token = new_token();
    let Some(encrypted) = challenge(cx, "password-request", &token, "encrypted-password").await else {
        return Ok(false);
    };
    auth.check_password(username, encrypted, token).await.map_err(|ChecksBusy| {
        tracing::warn!(peer = ?cx.session().peer_addr(), "login refused: too many password checks waiting");
        CommandError::limit_exceeded("Too many logins in progress; try again later")
    })
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

/// Sends a challenge command to the client and reads one text field of its answer; `None`
/// when the client does not answer usefully or the login is cancelled meanwhile.
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
