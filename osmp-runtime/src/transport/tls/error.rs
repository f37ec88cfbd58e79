//! Why a TLS configuration could not be built.

use std::path::PathBuf;

use rustls_pki_types::pem;

/// Errors produced while building TLS configurations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A certificate or key file could not be read.
    #[error("cannot read {what} file {}: {source}", path.display())]
    ReadFile {
        /// What the file was supposed to contain ("certificate", "private key", "CA certificate").
        what: &'static str,
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// PEM data was syntactically invalid (bad base64, missing end marker, ...).
    #[error("invalid PEM in {origin}: {source}")]
    InvalidPem {
        /// Where the PEM came from (a file path or a description of in-memory data).
        origin: String,
        /// The PEM parser's error.
        source: pem::Error,
    },
    /// The PEM data contained no `CERTIFICATE` section.
    #[error("no certificate found in {origin}")]
    NoCertificate {
        /// Where the PEM came from (a file path or a description of in-memory data).
        origin: String,
    },
    /// The PEM data contained no private key section (PKCS#8, PKCS#1 or SEC1).
    #[error(
        "no private key found in {origin} (expected a PKCS#8 \"PRIVATE KEY\", \
         PKCS#1 \"RSA PRIVATE KEY\" or SEC1 \"EC PRIVATE KEY\" PEM section)"
    )]
    NoPrivateKey {
        /// Where the PEM came from (a file path or a description of in-memory data).
        origin: String,
    },
    /// The private key could not be loaded by the crypto provider (corrupt or
    /// unsupported key type).
    #[error("invalid private key: {0}")]
    InvalidKey(#[source] rustls::Error),
    /// The private key does not belong to the leaf certificate.
    #[error("the private key does not match the leaf certificate's public key")]
    KeyMismatch,
    /// A certificate given as a trust anchor could not be parsed.
    #[error("invalid CA certificate: {0}")]
    InvalidCaCertificate(#[source] rustls::Error),
    /// Generating a self-signed certificate failed.
    #[error("certificate generation failed: {0}")]
    CertificateGeneration(#[from] rcgen::Error),
    /// rustls rejected the configuration.
    #[error("TLS configuration error: {0}")]
    Config(#[from] rustls::Error),
    /// A textual fingerprint could not be parsed; the message says what was wrong.
    #[error("invalid certificate fingerprint: {0}")]
    InvalidFingerprint(String),
    /// No usable root certificate could be loaded from the operating system.
    #[error("no usable root certificates found in the system store{details}")]
    NoSystemRoots {
        /// Loader errors and skipped certificates, pre-formatted (possibly empty).
        details: String,
    },
    /// A host name is neither a valid DNS name nor an IP address literal.
    #[error("invalid server name {0:?}: not a DNS name or IP address")]
    InvalidServerName(String),
}
