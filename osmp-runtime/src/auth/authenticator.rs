//! The server side of login: the server's key, the accounts, the limits, and the checks
//! every command passes.

use std::net::IpAddr;

use rsa::RsaPrivateKey;

use super::{public_key_to_xml, LoginLimiter, Users};
use crate::limits::LoginLimits;

/// A server's authentication: its RSA key, its accounts and how strictly it applies them.
pub struct Authenticator {
    users: Users,
    key: RsaPrivateKey,
    public_key_xml: String,
    required: bool,
    limiter: LoginLimiter,
}

impl Authenticator {
    pub(crate) fn new(users: Users, key: RsaPrivateKey, required: bool, limits: LoginLimits) -> Authenticator {
        let public_key_xml = public_key_to_xml(&key.to_public_key());
        Authenticator { users, key, public_key_xml, required, limiter: LoginLimiter::new(limits) }
    }

    /// The accounts.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// The server's private key (password answers are encrypted for it).
    pub(crate) fn key(&self) -> &RsaPrivateKey {
        &self.key
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

    /// Whether this peer may try to log in now.
    pub(crate) fn allows_attempt(&self, peer: Option<IpAddr>) -> bool {
        peer.is_none_or(|address| self.limiter.allows(address))
    }
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("required", &self.required).finish_non_exhaustive()
    }
}
