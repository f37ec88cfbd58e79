//! Logging in from the client, as the reference's `OsmpClient.Login` does: the server
//! challenges with `password-request` or `sign-request`, and the client answers from the
//! credentials of the login in progress.

use rsa::RsaPrivateKey;
use serde_json::json;

use super::handler::PeerCommand;
use super::ClientShared;
use crate::auth::{encrypt_password, parse_public_key, public_key_to_xml, sign_token};
use crate::instruction::{CommandError, CommandFuture, Outcome};
use crate::session::CallError;
use crate::sync::lock;
use crate::wire::{Payload, Response};

/// What proves a user's identity.
#[derive(Clone)]
pub(crate) enum Secret {
    Password(String),
    Key(Box<RsaPrivateKey>),
}

/// A user and its secret, kept to log in again after a reconnect.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) user: String,
    pub(crate) secret: Secret,
}

impl ClientShared {
    /// Logs in; on success the credentials are kept for reconnects.
    pub(crate) async fn login(&self, credentials: Credentials) -> Result<Response, CallError> {
        // One login at a time: the challenge handlers answer from the one in progress.
        let _one_at_a_time = self.login_lock.lock().await;
        let data = match &credentials.secret {
            Secret::Password(_) => json!({"username": credentials.user, "method": "password"}),
            Secret::Key(key) => json!({
                "username": credentials.user,
                "method": "public-key",
                "public-key": public_key_to_xml(&key.to_public_key()),
            }),
        };
        *lock(&self.pending_login) = Some(credentials.secret.clone());
        let result = self.call("login", Some(Payload::from_value(&data))).await;
        *lock(&self.pending_login) = None;
        if result.is_ok() {
            *lock(&self.credentials) = Some(credentials);
        }
        result
    }

    pub(crate) async fn logout(&self) -> Result<Response, CallError> {
        *lock(&self.credentials) = None;
        self.call("logout", None).await
    }

    /// Logs in again with the credentials of the last successful login, if any.
    pub(crate) async fn relogin(&self) {
        let Some(credentials) = lock(&self.credentials).clone() else { return };
        let user = credentials.user.clone();
        if let Err(error) = self.login(credentials).await {
            tracing::warn!(%user, %error, "could not log in again after reconnecting");
        }
    }

    /// Answers the server's `password-request` or `sign-request`, if a login is in progress.
    pub(crate) fn answer_challenge(&self, command: &PeerCommand) -> Option<CommandFuture> {
        let kind = command.command().to_ascii_lowercase();
        if kind != "password-request" && kind != "sign-request" {
            return None;
        }
        let answer = self.challenge_answer(&kind, command);
        Some(Box::pin(std::future::ready(answer)))
    }

    fn challenge_answer(&self, kind: &str, command: &PeerCommand) -> Result<Outcome, CommandError> {
        let token: String = command.params()?.required("token")?;
        let secret = lock(&self.pending_login).clone();
        match (kind, secret) {
            ("password-request", Some(Secret::Password(password))) => {
                let key = self
                    .connection()
                    .and_then(|connection| connection.info.public_key.clone())
                    .ok_or_else(|| CommandError::new("the server announced no public key in session-initiated"))?;
                let key = parse_public_key(&key)
                    .map_err(|error| CommandError::new(format!("the server's public key is unusable: {error}")))?;
                let encrypted = encrypt_password(&key, &password, &token)
                    .map_err(|error| CommandError::internal(format!("encryption failed: {error}")))?;
                Outcome::data(&json!({ "encrypted-password": encrypted }))
            }
            ("sign-request", Some(Secret::Key(key))) => {
                Outcome::data(&json!({ "signature": sign_token(&key, &token) }))
            }
            _ => Err(CommandError::new(format!("no login in progress that answers '{kind}'"))),
        }
    }
}
