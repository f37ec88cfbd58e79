//! The certificate verifier behind pinning and insecure mode: no PKI checks, but the
//! handshake signatures are verified (see the module documentation of `tls`).

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::Fingerprint;

/// Server certificate verifier that skips PKI validation (chain, name,
/// validity) but still verifies handshake signatures. With `expected` set it
/// only accepts a leaf certificate with that fingerprint.
pub(super) struct NoPkiVerifier {
    pub(super) expected: Option<Fingerprint>,
    pub(super) algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for NoPkiVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoPkiVerifier").field("expected", &self.expected).finish_non_exhaustive()
    }
}

/// Reported (inside `CertificateError::Other`) when a pinned fingerprint does not match.
struct FingerprintMismatch {
    expected: Fingerprint,
    actual: Fingerprint,
}

// rustls displays `CertificateError::Other` with `{:?}`, so Debug is what ends
// up in the user-visible error message: make it the readable text.
impl fmt::Debug for FingerprintMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for FingerprintMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server certificate fingerprint mismatch: expected SHA256 {}, got {}", self.expected, self.actual)
    }
}

impl std::error::Error for FingerprintMismatch {}

impl ServerCertVerifier for NoPkiVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let actual = Fingerprint::of_der(end_entity);
        match self.expected {
            // Fingerprints are hashes of public data: a plain comparison leaks nothing.
            Some(expected) if expected != actual => {
                tracing::warn!(
                    server_name = %server_name.to_str(),
                    %expected,
                    %actual,
                    "pinned TLS certificate mismatch"
                );
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
                    FingerprintMismatch { expected, actual },
                )))))
            }
            Some(_) => Ok(ServerCertVerified::assertion()),
            None => {
                tracing::debug!(
                    server_name = %server_name.to_str(),
                    fingerprint = %actual,
                    "accepting unverified server certificate (insecure mode)"
                );
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
