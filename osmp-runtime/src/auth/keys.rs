//! RSA keys in the forms OSMP peers exchange them: the .NET XML `<RSAKeyValue>` the
//! reference writes (`RSA.ToXmlString`), and PEM for everyone else.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};

/// Why a key could not be read or made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is neither an `<RSAKeyValue>` document nor a PEM key.
    #[error("not an RSA key in .NET XML or PEM form: {0}")]
    Format(String),
    /// The numbers do not make a valid RSA key.
    #[error("invalid RSA key: {0}")]
    Invalid(#[from] rsa::Error),
    /// A key file could not be read.
    #[error("cannot read key file {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Writes a public key as the reference does:
/// `<RSAKeyValue><Modulus>…</Modulus><Exponent>…</Exponent></RSAKeyValue>`.
pub fn public_key_to_xml(key: &RsaPublicKey) -> String {
    format!(
        "<RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent></RSAKeyValue>",
        BASE64.encode(key.n().to_bytes_be()),
        BASE64.encode(key.e().to_bytes_be())
    )
}

/// Writes a private key as .NET's `ToXmlString(true)` does.
pub fn private_key_to_xml(key: &RsaPrivateKey) -> String {
    let number = |n: &BigUint| BASE64.encode(n.to_bytes_be());
    let primes = key.primes();
    let (p, q) = (&primes[0], &primes[1]);
    let one = BigUint::from(1u8);
    let dp = key.d() % (p - &one);
    let dq = key.d() % (q - &one);
    let inverse_q = key.crt_coefficient().map(|c| BASE64.encode(c.to_bytes_be())).unwrap_or_default();
    format!(
        "<RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent><P>{}</P><Q>{}</Q><DP>{}</DP><DQ>{}</DQ><InverseQ>{}</InverseQ><D>{}</D></RSAKeyValue>",
        number(key.n()),
        number(key.e()),
        number(p),
        number(q),
        number(&dp),
        number(&dq),
        inverse_q,
        number(key.d())
    )
}

/// Reads a public key: .NET XML, PEM `PUBLIC KEY` (SPKI) or PEM `RSA PUBLIC KEY` (PKCS#1).
pub fn parse_public_key(text: &str) -> Result<RsaPublicKey, KeyError> {
    let text = text.trim();
    if text.starts_with('<') {
        let n = xml_number(text, "Modulus")?;
        let e = xml_number(text, "Exponent")?;
        return Ok(RsaPublicKey::new(n, e)?);
    }
    RsaPublicKey::from_public_key_pem(text)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(text))
        .map_err(|error| KeyError::Format(error.to_string()))
}

/// Reads a private key: .NET XML (with `P`, `Q` and `D`), PEM PKCS#8 or PEM PKCS#1.
pub fn parse_private_key(text: &str) -> Result<RsaPrivateKey, KeyError> {
    let text = text.trim();
    if text.starts_with('<') {
        let n = xml_number(text, "Modulus")?;
        let e = xml_number(text, "Exponent")?;
        let d = xml_number(text, "D")?;
        let p = xml_number(text, "P")?;
        let q = xml_number(text, "Q")?;
        let key = RsaPrivateKey::from_components(n, e, d, vec![p, q])?;
        key.validate()?;
        return Ok(key);
    }
    RsaPrivateKey::from_pkcs8_pem(text)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(text))
        .map_err(|error| KeyError::Format(error.to_string()))
}

/// Reads a key file (any form [`parse_private_key`] accepts).
pub fn read_private_key(path: impl AsRef<std::path::Path>) -> Result<RsaPrivateKey, KeyError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read { path: path.to_owned(), source })?;
    parse_private_key(&text)
}

/// Reads a public key file (any form [`parse_public_key`] accepts).
pub fn read_public_key(path: impl AsRef<std::path::Path>) -> Result<RsaPublicKey, KeyError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read { path: path.to_owned(), source })?;
    parse_public_key(&text)
}

/// Generates an RSA key (2048 bits is what servers announce; the reference's clients use 1024).
pub fn generate_key(bits: usize) -> Result<RsaPrivateKey, KeyError> {
    Ok(RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits)?)
}

/// The base64 content of `<tag>…</tag>`; line breaks inside are ignored, as .NET does.
fn xml_number(xml: &str, tag: &str) -> Result<BigUint, KeyError> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open).ok_or_else(|| KeyError::Format(format!("<{tag}> is missing")))? + open.len();
    let length = xml[start..].find(&close).ok_or_else(|| KeyError::Format(format!("</{tag}> is missing")))?;
    let text: String = xml[start..start + length].chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = BASE64.decode(text).map_err(|error| KeyError::Format(format!("<{tag}> is not base64: {error}")))?;
    Ok(BigUint::from_bytes_be(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public key printed in the reference implementation's manual (1024 bit), with
    /// its line breaks.
    const MANUAL_KEY: &str = "<RSAKeyValue><Modulus>v+HYa8fTYEkodX/kqMAdaSlvuYj49i9I0kBDJh9vs7qlg0HYjUeO
CRqG1FqzuAI1h22YjbSOo2DtMKMInnuDMakyQjG29Qh3uX0kl64zMtGEC7+bluM/VG4xYz
UlXNs5G0AoJAaI1wMTsD9aPSaZ1llzlGjrZqqXZhI74ktUIV0=</Modulus><Exponent>AQAB
</Exponent></RSAKeyValue>";

    #[test]
    fn reads_the_reference_manuals_key() {
        let key = parse_public_key(MANUAL_KEY).unwrap();
        assert_eq!(key.size(), 128);
        assert_eq!(key.e(), &BigUint::from(65_537u32));
        assert_eq!(parse_public_key(&public_key_to_xml(&key)).unwrap(), key);
    }

    #[test]
    fn round_trips_private_keys_through_xml_and_pem() {
        let key = crate::auth::test_key(1024);
        let xml = private_key_to_xml(&key);
        assert_eq!(parse_private_key(&xml).unwrap(), key);
        let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&key, rsa::pkcs8::LineEnding::LF).unwrap();
        assert_eq!(parse_private_key(&pem).unwrap(), key);
        let public_pem =
            rsa::pkcs8::EncodePublicKey::to_public_key_pem(&key.to_public_key(), rsa::pkcs8::LineEnding::LF).unwrap();
        assert_eq!(parse_public_key(&public_pem).unwrap(), key.to_public_key());
    }

    #[test]
    fn rejects_what_is_not_a_key() {
        for text in [
            "",
            "hello",
            "<RSAKeyValue></RSAKeyValue>",
            "<RSAKeyValue><Modulus>!!</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>",
        ] {
            assert!(parse_public_key(text).is_err(), "{text}");
            assert!(parse_private_key(text).is_err(), "{text}");
        }
    }
}
