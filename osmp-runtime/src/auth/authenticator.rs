//! The server side of login: the server's key, the accounts, the limits, and the checks
//! every command passes.

use std::net::IpAddr;
use std::sync::Arc;

use rsa::RsaPrivateKey;

use super::checks::{CheckPool, ChecksBusy};
use super::limiter::LoginAttempt;
use super::{decrypt_password, public_key_to_xml, LoginLimiter, Users};
use crate::limits::LoginLimits;

/// A server's authentication: its RSA key, its accounts and how strictly it applies them.
pub struct Authenticator {
    users: Users,
    key: RsaPrivateKey,
    public_key_xml: String,
    required: bool,
    limiter: LoginLimiter,
    checks: CheckPool,
}

impl Authenticator {
    pub(crate) fn new(users: Users, key: RsaPrivateKey, required: bool, limits: LoginLimits) -> Authenticator {
        let public_key_xml = public_key_to_xml(&key.to_public_key());
        let checks = CheckPool::new(&limits);
        Authenticator { users, key, public_key_xml, required, limiter: LoginLimiter::new(limits), checks }
    }

    /// The accounts.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// The server's public key as announced in `session-initiated`.
    pub fn public_key_xml(&self) -> &str {
        &self.public_key_xml
    }

    /// Whether every command but `login` requires a logged-in session.
    pub fn is_required(&self) -> bool {
        self.required
    }

    pub(crate) fn limiter(&self) -> &LoginLimiter {
        &self.limiter
    }

    /// Begins a login attempt of `address`, counted from its start; `None` when the
    /// address has reached its limit.
    pub(crate) fn begin_attempt(&self, address: IpAddr) -> Option<LoginAttempt> {
        self.limiter.begin(address)
    }

    /// Checks a password answer: decrypts `password + token` and verifies the password,
    /// in the bounded pool of checks. An undecryptable answer still costs a password check,
    /// so that its timing does not differ from a wrong password's.
    pub(crate) async fn check_password(
        self: &Arc<Self>,
        username: &str,
        encrypted: String,
        token: String,
    ) -> Result<bool, ChecksBusy> {
        let (auth, username) = (self.clone(), username.to_owned());
        self.checks
            .run(move |memory| {
                let password = decrypt_password(&auth.key, &encrypted, &token);
                let matches = auth.users.verify_password_in(&username, password.as_deref().unwrap_or(""), memory);
                matches && password.is_some()
            })
            .await
    }
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("required", &self.required).finish_non_exhaustive()
    }
}
