//! Authentication as the reference does it (password and public-key login over RSA), and
//! the accounts, roles and limits behind it.

mod authenticator;
mod challenge;
mod checks;
mod hash_memory;
mod keys;
mod limiter;
mod users;

pub use authenticator::Authenticator;
pub use challenge::{decrypt_password, encrypt_password, new_token, sign_token, verify_token_signature};
pub use keys::{
    generate_key, parse_private_key, parse_public_key, private_key_to_xml, public_key_to_xml, read_private_key,
    read_public_key, KeyError,
};
pub use rsa::{RsaPrivateKey, RsaPublicKey};
pub use users::{hash_password, UserError, Users};

pub(crate) use checks::ChecksBusy;
pub(crate) use limiter::{LoginAttempt, LoginLimiter};

/// A key for tests, generated once per size and process (RSA generation is slow); use
/// different sizes for different keys.
#[cfg(test)]
pub(crate) fn test_key(bits: usize) -> RsaPrivateKey {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static KEYS: Mutex<Option<HashMap<usize, RsaPrivateKey>>> = Mutex::new(None);
    let mut keys = crate::sync::lock(&KEYS);
    keys.get_or_insert_with(HashMap::new)
        .entry(bits)
        .or_insert_with(|| generate_key(bits).expect("key generation"))
        .clone()
}
