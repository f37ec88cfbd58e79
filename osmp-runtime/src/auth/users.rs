//! The accounts a server accepts: argon2 password hashes and public keys, with roles.
//!
//! Passwords are never kept in plain text: [`Users::add_password`] hashes at once. Checking a
//! password costs the same for an unknown user (a dummy hash is verified), so timing does
//! not reveal which users exist.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::Argon2;
use rsa::RsaPublicKey;

use super::hash_memory::{verify_in, PasswordMemory};

/// Why an account could not be added.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// The stored hash is not a PHC string argon2 can read.
    #[error("invalid password hash for '{user}': {reason}")]
    InvalidHash {
        /// The user.
        user: String,
        /// What is wrong.
        reason: String,
    },
    /// Hashing failed.
    #[error("cannot hash the password of '{user}': {reason}")]
    Hashing {
        /// The user.
        user: String,
        /// What failed.
        reason: String,
    },
}

#[derive(Debug, Clone, Default)]
struct Account {
    password_hash: Option<String>,
    public_keys: Vec<RsaPublicKey>,
    roles: BTreeSet<String>,
}

/// User accounts: who may log in, how, and with which roles.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::auth::Users;
///
/// let mut users = Users::new();
/// users.add_password("operator", "s3cret").unwrap();
/// users.grant("operator", ["operator"]);
/// assert!(users.verify_password("operator", "s3cret"));
/// assert!(!users.verify_password("operator", "guess"));
/// assert!(!users.verify_password("nobody", "s3cret"));
/// assert!(users.roles("operator").contains("operator"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Users {
    accounts: HashMap<String, Account>,
}

impl Users {
    /// No accounts.
    pub fn new() -> Users {
        Users::default()
    }

    /// Adds (or replaces) a user's password, stored as an argon2id hash.
    pub fn add_password(&mut self, user: &str, password: &str) -> Result<&mut Users, UserError> {
        let hash = hash_password(password).map_err(|reason| UserError::Hashing { user: user.to_owned(), reason })?;
        self.accounts.entry(user.to_owned()).or_default().password_hash = Some(hash);
        Ok(self)
    }

    /// Adds a user with an existing argon2 hash in PHC form (`$argon2id$v=19$…`).
    pub fn add_password_hash(&mut self, user: &str, hash: &str) -> Result<&mut Users, UserError> {
        PasswordHash::new(hash)
            .map_err(|error| UserError::InvalidHash { user: user.to_owned(), reason: error.to_string() })?;
        self.accounts.entry(user.to_owned()).or_default().password_hash = Some(hash.to_owned());
        Ok(self)
    }

    /// Lets a user log in with the private key of this public key.
    pub fn add_public_key(&mut self, user: &str, key: RsaPublicKey) -> &mut Users {
        self.accounts.entry(user.to_owned()).or_default().public_keys.push(key);
        self
    }

    /// Grants roles (the permissions commands may require).
    pub fn grant<I, S>(&mut self, user: &str, roles: I) -> &mut Users
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.accounts.entry(user.to_owned()).or_default().roles.extend(roles.into_iter().map(Into::into));
        self
    }

    /// Whether the password is the user's. Costs one argon2 verification either way.
    pub fn verify_password(&self, user: &str, password: &str) -> bool {
        self.verify_password_in(user, password, &mut PasswordMemory::default())
    }

    /// [`verify_password`](Self::verify_password) in memory kept between checks.
    pub(crate) fn verify_password_in(&self, user: &str, password: &str, memory: &mut PasswordMemory) -> bool {
        let stored = self.accounts.get(user).and_then(|account| account.password_hash.as_deref());
        let hash = stored.unwrap_or_else(|| dummy_hash());
        verify_in(hash, password, memory) && stored.is_some()
    }

    /// Whether the user may log in with this public key.
    pub fn accepts_key(&self, user: &str, key: &RsaPublicKey) -> bool {
        self.accounts.get(user).is_some_and(|account| account.public_keys.contains(key))
    }

    /// The user's roles (empty for unknown users).
    pub fn roles(&self, user: &str) -> BTreeSet<String> {
        self.accounts.get(user).map(|account| account.roles.clone()).unwrap_or_default()
    }

    /// Whether there are no accounts.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|e| e.to_string())
}

/// A hash verified for unknown users, so that they cost as much as known ones.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default())
}
