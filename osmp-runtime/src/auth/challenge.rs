//! The two proofs of the reference's login: an RSA-encrypted password bound to a fresh
//! token, and an RSA signature of a fresh token.
//!
//! Password: the client encrypts `utf8(password + token)` with the server's public key
//! (PKCS#1 v1.5) and sends it base64-encoded as `encrypted-password`. Because every login
//! gets a new token, a captured ciphertext is useless later: it decrypts to the old token.
//!
//! Public key: the client signs `utf8(token)` with PKCS#1 v1.5 over SHA-1 (the reference's
//! choice) and sends the base64 signature.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey, RsaPublicKey};
use sha1::Sha1;

/// A fresh single-use login token (a UUID, as the reference sends).
pub fn new_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Client side: encrypts the password for the server's challenge.
pub fn encrypt_password(server_key: &RsaPublicKey, password: &str, token: &str) -> Result<String, rsa::Error> {
    let plain = format!("{password}{token}");
    let encrypted = server_key.encrypt(&mut rsa::rand_core::OsRng, Pkcs1v15Encrypt, plain.as_bytes())?;
    Ok(BASE64.encode(encrypted))
}

/// Server side: recovers the password from the answer to the challenge `token`; `None`
/// unless the answer is a valid encryption of some password followed by exactly this token.
pub fn decrypt_password(server_key: &RsaPrivateKey, encrypted: &str, token: &str) -> Option<String> {
    let encrypted = BASE64.decode(encrypted.trim()).ok()?;
    let plain = server_key.decrypt(Pkcs1v15Encrypt, &encrypted).ok()?;
    let plain = String::from_utf8(plain).ok()?;
    plain.strip_suffix(token).map(str::to_owned)
}

/// Client side: signs the challenge token.
pub fn sign_token(key: &RsaPrivateKey, token: &str) -> String {
    let signer = SigningKey::<Sha1>::new(key.clone());
    BASE64.encode(signer.sign(token.as_bytes()).to_bytes())
}

/// Server side: checks a signature of the challenge token.
pub fn verify_token_signature(key: &RsaPublicKey, token: &str, signature: &str) -> bool {
    let Ok(bytes) = BASE64.decode(signature.trim()) else { return false };
    let Ok(signature) = Signature::try_from(bytes.as_slice()) else { return false };
    VerifyingKey::<Sha1>::new(key.clone()).verify(token.as_bytes(), &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_key;

    #[test]
    fn a_password_answers_only_its_own_challenge() {
        let server = test_key(1024);
        let token = new_token();
        let answer = encrypt_password(&server.to_public_key(), "LordCommanderOfTheWatch", &token).unwrap();
        assert_eq!(decrypt_password(&server, &answer, &token).as_deref(), Some("LordCommanderOfTheWatch"));
        assert_eq!(decrypt_password(&server, &answer, &new_token()), None, "a replayed answer fails");
        assert_eq!(decrypt_password(&server, "not base64!", &token), None);
        assert_eq!(decrypt_password(&test_key(1152), &answer, &token), None, "another server's key");
    }

    #[test]
    fn a_signature_proves_the_private_key() {
        let client = test_key(1024);
        let token = new_token();
        let signature = sign_token(&client, &token);
        assert!(verify_token_signature(&client.to_public_key(), &token, &signature));
        assert!(!verify_token_signature(&client.to_public_key(), &new_token(), &signature));
        assert!(!verify_token_signature(&test_key(1152).to_public_key(), &token, &signature));
        assert!(!verify_token_signature(&client.to_public_key(), &token, "AAAA"));
    }
}
