//! Certificate fingerprints: what a client pins to trust one server.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use super::TlsError;

/// SHA-256 fingerprint of a certificate's DER encoding.
///
/// Displays (and debug-prints) as uppercase hex pairs separated by `:`, the
/// format of `openssl x509 -noout -fingerprint -sha256`. Parsing with
/// [`FromStr`] accepts upper or lower case, with or without `:` separators, an
/// optional `sha256:` prefix and surrounding whitespace.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Computes the fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    /// The raw 32 digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Fingerprint {
    type Err = TlsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = |msg: String| TlsError::InvalidFingerprint(msg);
        let mut text = s.trim();
        if let Some(prefix) = text.get(..7) {
            if prefix.eq_ignore_ascii_case("sha256:") {
                text = text[7..].trim_start();
            }
        }
        if text.is_empty() {
            return Err(invalid("empty fingerprint".to_owned()));
        }
        if let Some((position, bad)) = text.chars().enumerate().find(|(_, c)| !c.is_ascii_hexdigit() && *c != ':') {
            return Err(invalid(format!("{bad:?} at position {} is not a hexadecimal digit", position + 1)));
        }

        // From here on `text` is ASCII hex digits and ':' only.
        let mut bytes = [0u8; 32];
        if text.contains(':') {
            let groups: Vec<&str> = text.split(':').collect();
            if groups.len() != 32 {
                return Err(invalid(format!("expected 32 ':'-separated bytes, got {} groups", groups.len())));
            }
            for (i, (slot, group)) in bytes.iter_mut().zip(&groups).enumerate() {
                *slot = match group.as_bytes() {
                    [hi, lo] => (hex_value(*hi) << 4) | hex_value(*lo),
                    _ => {
                        return Err(invalid(format!(
                            "byte {} is {group:?}; every ':'-separated group must be exactly \
                             two hex digits",
                            i + 1
                        )))
                    }
                };
            }
        } else {
            if text.len() != 64 {
                return Err(invalid(format!("expected 64 hex digits (32 bytes), got {}", text.len())));
            }
            for (slot, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
                *slot = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
            }
        }
        Ok(Fingerprint(bytes))
    }
}

/// Value of an ASCII hex digit; callers have already checked `c.is_ascii_hexdigit()`.
fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_display_and_parse() {
        let fp = Fingerprint::of_der(b"hello");
        let shown = fp.to_string();
        assert_eq!(shown.len(), 32 * 3 - 1);
        assert_eq!(shown, format!("{fp:?}"));
        assert!(shown.chars().all(|c| c == ':' || c.is_ascii_digit() || c.is_ascii_uppercase()));
        // SHA-256("hello") = 2cf24dba...
        assert!(shown.starts_with("2C:F2:4D:BA:"), "{shown}");
        assert_eq!(fp.as_bytes()[0], 0x2c);

        let plain: String = shown.chars().filter(|c| *c != ':').collect();
        for input in [
            shown.clone(),
            shown.to_lowercase(),
            plain.clone(),
            plain.to_lowercase(),
            format!("sha256:{shown}"),
            format!("SHA256:{plain}"),
            format!("  \tSHA256:{}\n", shown.to_lowercase()),
        ] {
            assert_eq!(input.parse::<Fingerprint>().unwrap(), fp, "{input:?}");
        }

        for (input, needle) in [
            ("", "empty"),
            ("sha256:", "empty"),
            (&plain[..62], "64 hex digits"),
            (&format!("{plain}00"), "64 hex digits"),
            (&shown[..shown.len() - 3], "32"),
            (&format!("{shown}:00"), "32"),
            (&format!("{}G", &plain[..63]), "'G' at position 64 is not a hexadecimal digit"),
            (&format!("ZZ{}", &shown[2..]), "'Z' at position 1 is not a hexadecimal digit"),
            (&format!("{} {}", &plain[..32], &plain[32..]), "' ' at position 33"),
            ("0x2CF24DBA", "'x' at position 2"),
            (&format!("A{}", &shown[2..]), "two hex digits"),
            (&format!("{}é", &plain[..62]), "'é' at position 63 is not a hexadecimal digit"),
            ("md5:00", "'m' at position 1"),
            (&shown.replace(':', "::"), "32"),
        ] {
            match input.parse::<Fingerprint>() {
                Err(TlsError::InvalidFingerprint(msg)) => {
                    assert!(msg.contains(needle), "{input:?}: {msg}")
                }
                other => panic!("{input:?} gave {other:?}"),
            }
        }
    }
}
