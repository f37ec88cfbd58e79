//! TLS configuration for the secure WebSocket transport.
//!
//! This module builds the [`rustls`] configurations used on both ends of a
//! `wss://` connection and hides the rustls builder API behind a handful of
//! purpose-named constructors:
//!
//! * [`ServerTls`] is a server identity: a certificate chain plus private key,
//!   either loaded from PEM ([`ServerTls::from_pem_files`], [`ServerTls::from_pem`])
//!   or generated on the fly for development ([`ServerTls::self_signed`]).
//! * [`ClientTls`] is a trust policy: the operating system's roots, an explicit
//!   CA file, a pinned leaf-certificate [`Fingerprint`], or (development only)
//!   no certificate check at all.
//!
//! # Crypto provider
//!
//! Every configuration is built with
//! [`rustls::crypto::ring::default_provider()`] passed explicitly to
//! `ServerConfig::builder_with_provider` / `ClientConfig::builder_with_provider`.
//! Only the `ring` backend is compiled in (`aws-lc-rs` is not), and relying on
//! rustls' process-wide default provider would make behaviour depend on which
//! other crates happen to install one first (or panic when none is installed).
//! Being explicit keeps the module self-contained and deterministic.
//!
//! # Why pinning and "insecure" still verify handshake signatures
//!
//! A certificate is public: anyone can present the server's certificate. What
//! proves that the peer is the server is the handshake signature
//! (`CertificateVerify` in TLS 1.3, the signed `ServerKeyExchange` in TLS 1.2),
//! made with the private key that matches the certificate. The custom verifiers
//! here therefore only replace the *certificate* decision (chain building, name
//! and validity checks) and delegate the *signature* checks to
//! [`rustls::crypto::verify_tls12_signature`] /
//! [`rustls::crypto::verify_tls13_signature`] with the ring provider's
//! algorithms. Without that, a fingerprint pin would be worthless: an attacker
//! could replay the pinned certificate without owning its key.
//!
//! # Self-signed certificates as a CA file
//!
//! [`ServerTls::self_signed`] produces a single self-signed leaf certificate and
//! [`ServerTls::certificate_pem`] returns that same certificate. This was
//! decided by testing (see `tests::self_signed_leaf_is_accepted_as_its_own_trust_anchor`):
//! webpki 0.103 turns a trust-anchor certificate into just (subject, public
//! key, name constraints) and then accepts an end-entity certificate whose
//! issuer equals that subject and whose signature verifies with that key. A
//! self-signed leaf satisfies this, so no ephemeral CA is needed, and the pinned
//! fingerprint and the CA file are the very same certificate, which keeps the
//! development story simple. OpenSSL 3 (`s_client -CAfile`) and curl
//! (`--cacert`) accept such a file as well (checked by hand).
//!
//! The generated leaf deliberately has no basicConstraints extension: webpki
//! refuses a `CA:TRUE` certificate as a server certificate
//! (`CaUsedAsEndEntity`). Note that `openssl req -x509` adds `CA:TRUE` by
//! default, so an OpenSSL-made self-signed certificate loaded with
//! [`ServerTls::from_pem_files`] can be pinned but not used as its own CA file
//! (generate it with `-addext basicConstraints=critical,CA:FALSE` instead).

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, InconsistentKeys, OtherError, RootCertStore, ServerConfig,
    SignatureScheme,
};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, DnsName, PrivateKeyDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

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

// ---------------------------------------------------------------------------
// Fingerprint
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Server side
// ---------------------------------------------------------------------------

/// Names a development certificate is always valid for.
const DEFAULT_DEV_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// TLS identity of a server: its certificate chain and private key, ready to
/// wrap accepted TCP streams.
///
/// Cloning is cheap (the rustls configuration is reference counted).
#[derive(Clone)]
pub struct ServerTls {
    config: Arc<ServerConfig>,
    fingerprint: Fingerprint,
    certificate_pem: Arc<str>,
}

impl ServerTls {
    /// Generates a self-signed certificate (ECDSA P-256) for development.
    ///
    /// The certificate is always valid for `localhost`, `127.0.0.1` and `::1`,
    /// plus the `extra_names` given; each extra name is used as an IP address
    /// SAN if it parses as one (IPv6 may be written in brackets) and as a DNS
    /// name SAN otherwise. Blank and duplicate names are ignored.
    ///
    /// Clients can trust the result by pinning [`ServerTls::fingerprint`] or by
    /// using [`ServerTls::certificate_pem`] as a CA file.
    pub fn self_signed<I, S>(extra_names: I) -> Result<ServerTls, TlsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut sans: Vec<rcgen::SanType> = Vec::new();
        let names = DEFAULT_DEV_NAMES
            .iter()
            .map(|n| (*n).to_owned())
            .chain(extra_names.into_iter().map(|n| n.as_ref().to_owned()));
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let san = match parse_ip(name) {
                Some(ip) => rcgen::SanType::IpAddress(ip),
                None => rcgen::SanType::DnsName(rcgen::string::Ia5String::try_from(name)?),
            };
            if !sans.contains(&san) {
                sans.push(san);
            }
        }

        let key_pair = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::default();
        params.subject_alt_names = sans;
        // A per-key subject keeps distinct development certificates apart: with
        // a shared subject, trusting server A and connecting to server B yields
        // a confusing "BadSignature" instead of "UnknownIssuer".
        let key_id = Fingerprint::of_der(key_pair.public_key_raw());
        let key_id: String = key_id.to_string().split(':').take(8).collect();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, format!("osmp development certificate {key_id}"));
        params.extended_key_usages.push(rcgen::ExtendedKeyUsagePurpose::ServerAuth);

        let cert = params.self_signed(&key_pair)?;
        let cert_der = cert.der().clone();
        let key_der = PrivateKeyDer::Pkcs8(key_pair.serialize_der().into());

        let tls = Self::build(vec![cert_der], key_der, "generated certificate")?;
        tracing::info!(
            fingerprint = %tls.fingerprint,
            names = ?params.subject_alt_names,
            "generated self-signed development TLS certificate"
        );
        Ok(tls)
    }

    /// Loads a certificate chain (leaf first) and its private key (PKCS#8,
    /// PKCS#1 or SEC1) from PEM files.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<ServerTls, TlsError> {
        let (cert, key) = (cert.as_ref(), key.as_ref());
        let cert_pem = read_file("certificate", cert)?;
        let key_pem = read_file("private key", key)?;
        let chain = parse_certificates(&cert_pem, &cert.display().to_string())?;
        let key_der = parse_private_key(&key_pem, &key.display().to_string())?;
        let tls = Self::build(chain, key_der, &cert.display().to_string())?;
        tracing::info!(
            cert = %cert.display(),
            key = %key.display(),
            fingerprint = %tls.fingerprint,
            "loaded TLS certificate"
        );
        Ok(tls)
    }

    /// Loads a certificate chain (leaf first) and its private key (PKCS#8,
    /// PKCS#1 or SEC1) from PEM bytes.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<ServerTls, TlsError> {
        let chain = parse_certificates(cert_pem, "certificate PEM data")?;
        let key_der = parse_private_key(key_pem, "private key PEM data")?;
        let tls = Self::build(chain, key_der, "certificate PEM data")?;
        tracing::debug!(fingerprint = %tls.fingerprint, "loaded TLS certificate from PEM data");
        Ok(tls)
    }

    /// SHA-256 fingerprint of the leaf certificate (what clients pin).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The leaf certificate in PEM form, e.g. to write to a file that clients
    /// use as their CA file.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The acceptor that performs the server side of the TLS handshake on
    /// accepted TCP streams.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.config))
    }

    fn build(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        origin: &str,
    ) -> Result<ServerTls, TlsError> {
        let Some(leaf) = chain.first() else {
            return Err(TlsError::NoCertificate { origin: origin.to_owned() });
        };
        let fingerprint = Fingerprint::of_der(leaf);
        let certificate_pem: Arc<str> = pem_encode_certificate(leaf).into();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        // Load the key and check it against the certificate ourselves (rather
        // than via `with_single_cert`) so that both failures get a precise
        // error variant.
        let signing_key = provider.key_provider.load_private_key(key).map_err(TlsError::InvalidKey)?;
        let certified = CertifiedKey::new(chain, signing_key);
        match certified.keys_match() {
            // `Unknown` means the key type cannot report its public key: rustls
            // itself does not treat that as an error either.
            Ok(()) | Err(rustls::Error::InconsistentKeys(InconsistentKeys::Unknown)) => {}
            Err(rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch)) => return Err(TlsError::KeyMismatch),
            Err(other) => return Err(TlsError::Config(other)),
        }

        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(SingleCertAndKey::from(certified)));
        Ok(ServerTls { config: Arc::new(config), fingerprint, certificate_pem })
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------

/// How a client decides to trust the server's certificate.
///
/// Cloning is cheap (the rustls configuration is reference counted).
#[derive(Clone)]
pub struct ClientTls {
    config: Arc<ClientConfig>,
    description: Arc<str>,
}

impl ClientTls {
    /// Verifies the server against the operating system's root certificates
    /// (via `rustls-native-certs`, which honours `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    ///
    /// Fails with [`TlsError::NoSystemRoots`] if not a single root could be loaded.
    pub fn system_roots() -> Result<ClientTls, TlsError> {
        let loaded = rustls_native_certs::load_native_certs();
        for error in &loaded.errors {
            tracing::warn!(%error, "error while loading system root certificates");
        }
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
        if ignored > 0 {
            tracing::debug!(ignored, "skipped unparsable system root certificates");
        }
        if added == 0 {
            let mut details = String::new();
            if ignored > 0 {
                details.push_str(&format!(" ({ignored} certificates could not be parsed)"));
            }
            for error in &loaded.errors {
                details.push_str(&format!("; {error}"));
            }
            return Err(TlsError::NoSystemRoots { details });
        }
        tracing::debug!(roots = added, "loaded system root certificates");
        Self::with_roots(roots, format!("system roots ({added} certificates)"))
    }

    /// Verifies the server against the CA certificates in a PEM file, and only those.
    ///
    /// The server's chain, name (SAN) and validity period are checked. A
    /// self-signed server certificate can be used as its own CA file only if it
    /// is not marked `CA:TRUE` (see the [module documentation](self)).
    pub fn with_ca_file(path: impl AsRef<Path>) -> Result<ClientTls, TlsError> {
        let path = path.as_ref();
        let pem = read_file("CA certificate", path)?;
        let origin = path.display().to_string();
        Self::from_ca_pem(&pem, &origin, format!("CA file {origin}"))
    }

    /// Verifies the server against the CA certificates in PEM bytes, and only those.
    pub fn with_ca_pem(pem: &[u8]) -> Result<ClientTls, TlsError> {
        Self::from_ca_pem(pem, "CA certificate PEM data", "CA certificates from PEM data".into())
    }

    /// Trusts exactly the server whose leaf certificate has this SHA-256
    /// fingerprint.
    ///
    /// Neither the chain nor the server name nor the validity period is
    /// checked, but the handshake signatures are, so the server must hold the
    /// private key of the pinned certificate.
    pub fn pinned(fingerprint: Fingerprint) -> ClientTls {
        let verifier = Arc::new(NoPkiVerifier {
            expected: Some(fingerprint),
            algorithms: ring_provider().signature_verification_algorithms,
        });
        Self::with_verifier(verifier, format!("pinned certificate {fingerprint}"))
    }

    /// Accepts any server certificate. **Development only**: this offers no
    /// protection against an active attacker.
    ///
    /// Handshake signatures are still verified (against whatever certificate
    /// the server presents). A warning is logged each time such a
    /// configuration is created.
    pub fn insecure() -> ClientTls {
        tracing::warn!(
            "TLS certificate verification is DISABLED: any server certificate will be accepted \
             (development only)"
        );
        let verifier =
            Arc::new(NoPkiVerifier { expected: None, algorithms: ring_provider().signature_verification_algorithms });
        Self::with_verifier(verifier, "insecure (certificate not verified)".to_owned())
    }

    /// The connector that performs the client side of the TLS handshake.
    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(Arc::clone(&self.config))
    }

    /// Parses the host part of a URL into a rustls [`ServerName`]: an IP
    /// literal (IPv6 with or without brackets) or a DNS name.
    pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
        let trimmed = host.trim();
        if trimmed.starts_with('[') || trimmed.ends_with(']') {
            // Brackets are only legal around an IPv6 literal.
            return match trimmed
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse::<std::net::Ipv6Addr>().ok())
            {
                Some(ip) => Ok(ServerName::IpAddress(IpAddr::V6(ip).into())),
                None => Err(TlsError::InvalidServerName(host.to_owned())),
            };
        }
        if let Ok(ip) = trimmed.parse::<IpAddr>() {
            return Ok(ServerName::IpAddress(ip.into()));
        }
        DnsName::try_from(trimmed.to_owned())
            .map(ServerName::DnsName)
            .map_err(|_| TlsError::InvalidServerName(host.to_owned()))
    }

    fn from_ca_pem(pem: &[u8], origin: &str, description: String) -> Result<ClientTls, TlsError> {
        let certs = parse_certificates(pem, origin)?;
        let mut roots = RootCertStore::empty();
        for cert in certs {
            roots.add(cert).map_err(TlsError::InvalidCaCertificate)?;
        }
        Self::with_roots(roots, description)
    }

    fn with_roots(roots: RootCertStore, description: String) -> Result<ClientTls, TlsError> {
        let config = ClientConfig::builder_with_provider(ring_provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(ClientTls { config: Arc::new(config), description: description.into() })
    }

    fn with_verifier(verifier: Arc<NoPkiVerifier>, description: String) -> ClientTls {
        let builder = ClientConfig::builder_with_provider(ring_provider());
        let config = match builder.with_safe_default_protocol_versions() {
            Ok(builder) => builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth(),
            // Cannot happen: the ring default provider has TLS 1.2 and TLS 1.3
            // cipher suites, and this crate enables both protocol versions. A
            // plain `ClientTls` constructor has no error channel, so fail loudly.
            Err(error) => unreachable!("ring provider rejected default protocol versions: {error}"),
        };
        ClientTls { config: Arc::new(config), description: description.into() }
    }
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientTls").field(&self.description).finish()
    }
}

impl fmt::Display for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

/// Server certificate verifier that skips PKI validation (chain, name,
/// validity) but still verifies handshake signatures. With `expected` set it
/// only accepts a leaf certificate with that fingerprint.
struct NoPkiVerifier {
    expected: Option<Fingerprint>,
    algorithms: WebPkiSupportedAlgorithms,
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

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parses an IP literal, allowing brackets around IPv6 addresses.
fn parse_ip(name: &str) -> Option<IpAddr> {
    let unbracketed = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    unbracketed.parse().ok()
}

fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::ReadFile { what, path: path.to_owned(), source })
}

fn parse_certificates(pem: &[u8], origin: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::InvalidPem { origin: origin.to_owned(), source })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { origin: origin.to_owned() });
    }
    Ok(certs)
}

fn parse_private_key(pem: &[u8], origin: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey { origin: origin.to_owned() },
        source => TlsError::InvalidPem { origin: origin.to_owned(), source },
    })
}

/// Encodes a DER certificate as PEM (64-column lines, LF endings).
fn pem_encode_certificate(der: &[u8]) -> String {
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new("CERTIFICATE", der), config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const TIMEOUT: Duration = Duration::from_secs(10);

    /// Runs a full TLS handshake over an in-memory duplex pipe, then round-trips
    /// a few bytes. Returns the client-side result (the server result is only
    /// required to succeed when the client succeeded).
    async fn handshake(server: &ServerTls, client: &ClientTls, server_name: &str) -> Result<(), std::io::Error> {
        let name = ClientTls::server_name(server_name).expect("valid server name");
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let acceptor = server.acceptor();
        let connector = client.connector();

        let server_side = async move {
            let mut stream = acceptor.accept(server_io).await?;
            let mut buf = [0u8; 4];
            stream.read_exact(&mut buf).await?;
            stream.write_all(&buf).await?;
            stream.flush().await?;
            Ok::<_, std::io::Error>(buf)
        };
        let client_side = async move {
            let mut stream = connector.connect(name, client_io).await?;
            stream.write_all(b"ping").await?;
            stream.flush().await?;
            let mut buf = [0u8; 4];
            stream.read_exact(&mut buf).await?;
            Ok::<_, std::io::Error>(buf)
        };

        let (server_result, client_result) =
            tokio::time::timeout(TIMEOUT, async { tokio::join!(server_side, client_side) })
                .await
                .expect("handshake timed out");
        let echoed = client_result?;
        assert_eq!(&echoed, b"ping");
        assert_eq!(&server_result.expect("server side failed"), b"ping");
        Ok(())
    }

    fn unique_temp_dir(tag: &str) -> PathBuf {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after epoch").as_nanos();
        let dir = std::env::temp_dir().join(format!("osmp-tls-test-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        dir
    }

    #[tokio::test]
    async fn pinned_with_right_fingerprint_succeeds() {
        let server = ServerTls::self_signed(["osmp.test"]).unwrap();
        let client = ClientTls::pinned(server.fingerprint());
        handshake(&server, &client, "localhost").await.unwrap();
        // Pinning ignores the name entirely.
        handshake(&server, &client, "unrelated.example").await.unwrap();
    }

    #[tokio::test]
    async fn pinned_over_real_tcp() {
        let server = ServerTls::self_signed(Vec::<String>::new()).unwrap();
        let client = ClientTls::pinned(server.fingerprint());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = server.acceptor();
        let server_task = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await?;
            let mut tls = acceptor.accept(tcp).await?;
            let mut buf = [0u8; 5];
            tls.read_exact(&mut buf).await?;
            tls.write_all(&buf).await?;
            tls.shutdown().await?;
            Ok::<_, std::io::Error>(())
        });
        let result = tokio::time::timeout(TIMEOUT, async {
            let tcp = tokio::net::TcpStream::connect(addr).await?;
            let name = ClientTls::server_name("127.0.0.1").unwrap();
            let mut tls = client.connector().connect(name, tcp).await?;
            tls.write_all(b"hello").await?;
            let mut buf = [0u8; 5];
            tls.read_exact(&mut buf).await?;
            Ok::<_, std::io::Error>(buf)
        })
        .await
        .expect("timed out");
        assert_eq!(&result.unwrap(), b"hello");
        tokio::time::timeout(TIMEOUT, server_task).await.expect("server timed out").unwrap().unwrap();
    }

    #[tokio::test]
    async fn pinned_works_over_tls12() {
        // Exercises `verify_tls12_signature`, which TLS 1.3 never calls.
        let server = ServerTls::self_signed(Vec::<String>::new()).unwrap();
        let verifier = Arc::new(NoPkiVerifier {
            expected: Some(server.fingerprint()),
            algorithms: ring_provider().signature_verification_algorithms,
        });
        let config = ClientConfig::builder_with_provider(ring_provider())
            .with_protocol_versions(&[&rustls::version::TLS12])
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        let client = ClientTls { config: Arc::new(config), description: "tls12 pinned".into() };
        handshake(&server, &client, "localhost").await.unwrap();
    }

    #[tokio::test]
    async fn pinned_with_wrong_fingerprint_fails() {
        let server = ServerTls::self_signed(Vec::<String>::new()).unwrap();
        let other = ServerTls::self_signed(Vec::<String>::new()).unwrap();
        let client = ClientTls::pinned(other.fingerprint());
        let err = handshake(&server, &client, "localhost").await.expect_err("handshake must fail");
        let msg = err.to_string();
        assert!(msg.contains("certificate"), "unexpected error: {msg}");
        assert!(msg.contains(&server.fingerprint().to_string()), "{msg}");
        assert!(msg.contains(&other.fingerprint().to_string()), "{msg}");
        assert!(msg.contains("fingerprint mismatch"), "{msg}");
    }

    /// A server that presents the pinned certificate but signs the handshake
    /// with a different key must be rejected: pinning is not just a hash check.
    #[tokio::test]
    async fn pinned_rejects_certificate_without_matching_key() {
        #[derive(Debug)]
        struct Impostor(Arc<CertifiedKey>);
        impl rustls::server::ResolvesServerCert for Impostor {
            fn resolve(&self, _: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
                Some(Arc::clone(&self.0))
            }
        }

        let victim = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let attacker_key = rcgen::KeyPair::generate().unwrap();
        let signing_key = ring_provider()
            .key_provider
            .load_private_key(PrivateKeyDer::Pkcs8(attacker_key.serialize_der().into()))
            .unwrap();
        let impostor = CertifiedKey::new(vec![victim.cert.der().clone()], signing_key);
        let config = ServerConfig::builder_with_provider(ring_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Impostor(Arc::new(impostor))));
        let server = ServerTls {
            config: Arc::new(config),
            fingerprint: Fingerprint::of_der(victim.cert.der()),
            certificate_pem: victim.cert.pem().into(),
        };

        let client = ClientTls::pinned(Fingerprint::of_der(victim.cert.der()));
        let err = handshake(&server, &client, "localhost").await.expect_err("impostor must be rejected");
        assert!(err.to_string().contains("Signature"), "{err}");

        // The insecure client still verifies signatures too.
        let err = handshake(&server, &ClientTls::insecure(), "localhost").await.expect_err("impostor must be rejected");
        assert!(err.to_string().contains("Signature"), "{err}");
    }

    #[tokio::test]
    async fn insecure_client_succeeds() {
        let server = ServerTls::self_signed(Vec::<String>::new()).unwrap();
        let client = ClientTls::insecure();
        handshake(&server, &client, "localhost").await.unwrap();
        handshake(&server, &client, "example.com").await.unwrap();
    }

    #[tokio::test]
    async fn self_signed_leaf_is_accepted_as_its_own_trust_anchor() {
        let server = ServerTls::self_signed(["osmp.test", "10.1.2.3", "[fd00::1]"]).unwrap();
        let client = ClientTls::with_ca_pem(server.certificate_pem().as_bytes()).unwrap();
        for name in ["localhost", "127.0.0.1", "::1", "[::1]", "osmp.test", "10.1.2.3", "fd00::1"] {
            handshake(&server, &client, name).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let err = handshake(&server, &client, "example.com").await.expect_err("wrong name must fail");
        assert!(err.to_string().contains("certificate"), "{err}");
        let err = handshake(&server, &client, "10.9.9.9").await.expect_err("wrong IP must fail");
        assert!(err.to_string().contains("certificate"), "{err}");
    }

    #[tokio::test]
    async fn ca_of_a_different_server_fails() {
        let server = ServerTls::self_signed(Vec::<String>::new()).unwrap();
        let other = ServerTls::self_signed(Vec::<String>::new()).unwrap();
        let client = ClientTls::with_ca_pem(other.certificate_pem().as_bytes()).unwrap();
        let err = handshake(&server, &client, "localhost").await.expect_err("untrusted server must fail");
        assert!(err.to_string().contains("certificate"), "{err}");
        assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    }

    #[tokio::test]
    async fn from_pem_files_round_trip() {
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let dir = unique_temp_dir("pem");
        let cert_path = dir.join("cert.pem");
        let key_path = dir.join("key.pem");
        std::fs::write(&cert_path, generated.cert.pem()).unwrap();
        std::fs::write(&key_path, generated.signing_key.serialize_pem()).unwrap();

        let server = ServerTls::from_pem_files(&cert_path, &key_path).unwrap();
        assert_eq!(server.fingerprint(), Fingerprint::of_der(generated.cert.der()));
        // Our own PEM encoder agrees with rcgen's (modulo line endings).
        assert_eq!(server.certificate_pem().replace("\r\n", "\n"), generated.cert.pem().replace("\r\n", "\n"));

        handshake(&server, &ClientTls::pinned(server.fingerprint()), "localhost").await.unwrap();
        let ca_client = ClientTls::with_ca_file(&cert_path).unwrap();
        handshake(&server, &ca_client, "localhost").await.unwrap();

        // Same material from bytes.
        let from_bytes =
            ServerTls::from_pem(generated.cert.pem().as_bytes(), generated.signing_key.serialize_pem().as_bytes())
                .unwrap();
        assert_eq!(from_bytes.fingerprint(), server.fingerprint());

        let missing = ServerTls::from_pem_files(dir.join("nope.pem"), &key_path).unwrap_err();
        assert!(matches!(missing, TlsError::ReadFile { what: "certificate", .. }));
        assert!(missing.to_string().contains("nope.pem"), "{missing}");
        let missing = ClientTls::with_ca_file(dir.join("nope.pem")).unwrap_err();
        assert!(matches!(missing, TlsError::ReadFile { .. }), "{missing}");

        std::fs::remove_dir_all(&dir).unwrap();
    }

    // Fixtures generated once with OpenSSL 3.0 (rcgen only writes PKCS#8):
    //   openssl ecparam -name prime256v1 -genkey -noout -out ec.key        (SEC1)
    //   openssl genrsa -traditional -out rsa.key 2048                      (PKCS#1)
    //   openssl req -new -x509 -key KEY -days 36500 -subj /CN=localhost \\
    //       -addext subjectAltName=DNS:localhost
    const SEC1_KEY: &str = "\
-----BEGIN EC PRIVATE KEY-----\n\
MHcCAQEEILu5A6uroTx9mPDAxYFKsnydwwo3CkrZ3gMG3cDvaaSzoAoGCCqGSM49\n\
AwEHoUQDQgAEvVqNOvRlSLNsoSPX8h+KyPDp1nRp2JbEBSt0zne4HKM+eKpR3+kK\n\
mI6TE7KzFcg0+3szZDsjwlBHn16gdGL7KQ==\n\
-----END EC PRIVATE KEY-----\n\
";
    const SEC1_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBljCCATugAwIBAgIUORFdMJQpD74alUVRHe5jtzCgal8wCgYIKoZIzj0EAwIw\n\
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjAwMTYzOFoYDzIxMjYxMDI5\n\
MDAxNjM4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n\
PQMBBwNCAAS9Wo069GVIs2yhI9fyH4rI8OnWdGnYlsQFK3TOd7gcoz54qlHf6QqY\n\
jpMTsrMVyDT7ezNkOyPCUEefXqB0Yvspo2kwZzAdBgNVHQ4EFgQUTrD7vdXFCd4h\n\
g8vLnEK/Um4tJcIwHwYDVR0jBBgwFoAUTrD7vdXFCd4hg8vLnEK/Um4tJcIwDwYD\n\
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID\n\
SQAwRgIhANhyU2qkAK9KeXSokPrhrpYpzBblEO8cbKzaH7QAehWfAiEA8MbJ+mDd\n\
5+ARYKoU7qBdaNiIoU9diEJRc6LjZ1ONQe0=\n\
-----END CERTIFICATE-----\n\
";
    const PKCS1_KEY: &str = "\
-----BEGIN RSA PRIVATE KEY-----\n\
MIIEowIBAAKCAQEA5QmoRjmnzigTMLa8NC22J/iSMrodGXYcN4J7GpBdTW9eXDLr\n\
0IG6yOoj2CtrycbZ0m0Xg8S8zutLeUfF6DrPZspdEdctsbKESiZhv8UMy0ntRwnF\n\
MxTaFyKxXBF8dOacKLSw3AnZPy+AgNbOFwyrGViI+C0NLGkhGsCF+/MJqSruSNsy\n\
Fz3Y2+vXSSF/F0YgxL9mT0APFLkJZzuCAvl8a9WxLWniKlgt0qYPKlkxAU3ANjxp\n\
Q/p22no+M2DCOZ/3dkpM171H590PB7YRSsaG8iZIr7eFI6tDbcjvCKKNPyQxJdGr\n\
P/tNr7mB5MsCuCK2PDSmmQrhoVV2LdjAdyHNKwIDAQABAoIBAAqb55Mr09hacNvJ\n\
IG9GTXFiiTBtAIYPu3+IErhd8YRxtoGMy5wtNiqySxYV73iO4Ri8fDdaoz2ZFouN\n\
Rd8w7NnKYS8/XrAkIGPoN+TlyrxBNgrGqr9n+tt8Jueog7GihknjEhd5zqSnnaCE\n\
0qesquGSAUja8Ajw7FtMiahBpLPqNl3/R9is8S31uwc1car3QAgZK+oyWdQRKxfY\n\
ie9Dkn18DT2G7umdlAfoRVNPs6dvEcMcxofXzUtZAY6uo/e3Z1H8rOeig8394+DN\n\
8zqz0E9GHLV2lwUhp3VwQ1yMqsLDcxzunXczsh85aJmaUvYARrjZTUW06X9SM+pb\n\
ll9p9KkCgYEA/rHIof3/ZEnGhJviw3/V1O2FqgGyWQTLU6A+TdLpw7Sdfy42vEXJ\n\
DaxpIygVU1L0QSk58SOmYxiBZOTr7kto792nqKAovB5q5Sh5ZD2wO5Q8kjMf05Dt\n\
ex5xQ4CYCIaOEBuQCIo/d7Ivov/zVuwm9sSJwoQH0TT9O7GeVv7ArB0CgYEA5jY0\n\
yUdObydkAoLta5VWWcg5wzcSMVGJw780mXxPU+EkdP2yACaTpy2bA/ATUo1QtZj0\n\
DPleIQqONONIjj5FDbgs5ZNL9NkvcNkYaTG2Cz1wKmSW3aU8vBoua8sNsmRZs9Pi\n\
0HXwHysITBnrx1FDHXUitvbj7czCjLBGKB0iS+cCgYEA+vS0SyGZxviGmd17t8Q7\n\
Lv4HCTd4wwvdSH4JRed/HK3Xzhv8JNDiRQ3P3qs9MAf50kbL59WHufbIcGC8M+Wr\n\
9UVDUPzWhl22WCvkSKgcAOiUMj4bqvwPc5PQaIHJzATA8BAogLGvzcIN/B8UZ15z\n\
Gg0X7Ejp5vK+XlYqPW/w6uUCgYAQND6Q8GD39/jVKGwXx4I1fZ97OzQfnpKo4ZuN\n\
Ni/LQqyzQ2w1EIISIWao50wk4meM8MA07ZSPlNOfq2PfB0kLByy52B1fla3+LnnG\n\
ZcZfkiqEAWKRJWFaCCm+UqObK+8YdlCfxb1qJDhISwbKl9C2kRkpccVnZqNHDd1S\n\
U4KnfwKBgFArY8aKz/EcRQv0cZ6co1xs+NbbiSEoZ0BOwwcuZCl8J8J8WCJix2SY\n\
BUnnRE4mHJD3HMeuwiYP3tPwW1/nhc+p7WEtQo3+C8fM5C1mmrafTPL/bHV15pa1\n\
qoYpxBFmZSNQqW7ONX/JUjJX0QMn2lCBCaGbQMZNdTfnUvdGBlxc\n\
-----END RSA PRIVATE KEY-----\n\
";
    const PKCS1_CERT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDITCCAgmgAwIBAgIUYtYFjCEW87xh/brYsPnlIZi9uo0wDQYJKoZIhvcNAQEL\n\
BQAwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjAwMTYzOFoYDzIxMjYx\n\
MDI5MDAxNjM4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwggEiMA0GCSqGSIb3DQEB\n\
AQUAA4IBDwAwggEKAoIBAQDlCahGOafOKBMwtrw0LbYn+JIyuh0Zdhw3gnsakF1N\n\
b15cMuvQgbrI6iPYK2vJxtnSbReDxLzO60t5R8XoOs9myl0R1y2xsoRKJmG/xQzL\n\
Se1HCcUzFNoXIrFcEXx05pwotLDcCdk/L4CA1s4XDKsZWIj4LQ0saSEawIX78wmp\n\
Ku5I2zIXPdjb69dJIX8XRiDEv2ZPQA8UuQlnO4IC+Xxr1bEtaeIqWC3Spg8qWTEB\n\
TcA2PGlD+nbaej4zYMI5n/d2SkzXvUfn3Q8HthFKxobyJkivt4Ujq0NtyO8Ioo0/\n\
JDEl0as/+02vuYHkywK4IrY8NKaZCuGhVXYt2MB3Ic0rAgMBAAGjaTBnMB0GA1Ud\n\
DgQWBBQpc0ikyQXenW5IHzqvPtR4gciLmjAfBgNVHSMEGDAWgBQpc0ikyQXenW5I\n\
HzqvPtR4gciLmjAPBgNVHRMBAf8EBTADAQH/MBQGA1UdEQQNMAuCCWxvY2FsaG9z\n\
dDANBgkqhkiG9w0BAQsFAAOCAQEA4O1AUklATSEfNiFyZnXe2TGKzKchYY7iIVN4\n\
4+8+7eyWj2n7MkcXuLbH6RP6SPzFowOX3hXbHjTQty6D2QoWG6SKX2HVvRpL/CMr\n\
NGpdkqO3MRBWmEz2ltEHqJ58VsUrRwF+VlKdmxKkstyYhVHGOwjxFa1VQXv4lYtx\n\
dMFh+8+wLDTdc3NvHxdXgXg/ikbJhqBLvuUB6TBVRrGiRQA3aeoBkOyi+tCEAIvX\n\
L05LmYD6akOdcGE6zN/7LytGGIiDTSBWWVgxQN3BqyxmcxNnS6cX8ixB8pyyN80M\n\
3SsQAITMolmtmWBa3Kg4frJRrVWuU3MV12u7yBQREg3qXzRtbg==\n\
-----END CERTIFICATE-----\n\
";

    #[tokio::test]
    async fn from_pem_accepts_sec1_and_pkcs1_keys() {
        for (cert, key) in [(SEC1_CERT, SEC1_KEY), (PKCS1_CERT, PKCS1_KEY)] {
            let server = ServerTls::from_pem(cert.as_bytes(), key.as_bytes()).unwrap();
            let der = CertificateDer::from_pem_slice(cert.as_bytes()).unwrap();
            assert_eq!(server.fingerprint(), Fingerprint::of_der(&der));
            handshake(&server, &ClientTls::pinned(server.fingerprint()), "localhost").await.unwrap();
        }
        // `openssl req -x509` marks its certificates CA:TRUE, which webpki refuses
        // as a server certificate even when it is also the trust anchor.
        let server = ServerTls::from_pem(SEC1_CERT.as_bytes(), SEC1_KEY.as_bytes()).unwrap();
        let as_ca = ClientTls::with_ca_pem(SEC1_CERT.as_bytes()).unwrap();
        let err = handshake(&server, &as_ca, "localhost").await.expect_err("CA:TRUE leaf is rejected by webpki");
        assert!(err.to_string().contains("CaUsedAsEndEntity"), "{err}");

        // Both fixtures are parsed but the keys belong to the other certificate.
        let err = ServerTls::from_pem(SEC1_CERT.as_bytes(), PKCS1_KEY.as_bytes()).unwrap_err();
        assert!(matches!(err, TlsError::KeyMismatch), "{err}");
    }

    #[test]
    fn from_pem_errors() {
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert_pem = generated.cert.pem();
        let key_pem = generated.signing_key.serialize_pem();

        let err = ServerTls::from_pem(cert_pem.as_bytes(), b"").unwrap_err();
        assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err}");
        let err = ServerTls::from_pem(cert_pem.as_bytes(), b"garbage\x00\xff not pem").unwrap_err();
        assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err}");
        // A certificate is not a key.
        let err = ServerTls::from_pem(cert_pem.as_bytes(), cert_pem.as_bytes()).unwrap_err();
        assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err}");

        let err =
            ServerTls::from_pem(cert_pem.as_bytes(), b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n")
                .unwrap_err();
        assert!(matches!(err, TlsError::InvalidPem { .. }), "{err}");
        let err = ServerTls::from_pem(
            cert_pem.as_bytes(),
            b"-----BEGIN PRIVATE KEY-----\nAAECAwQF\n-----END PRIVATE KEY-----\n",
        )
        .unwrap_err();
        assert!(matches!(err, TlsError::InvalidKey(_)), "{err}");

        let err = ServerTls::from_pem(b"", key_pem.as_bytes()).unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err}");
        let err = ServerTls::from_pem(key_pem.as_bytes(), key_pem.as_bytes()).unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err}");

        let other_key = rcgen::KeyPair::generate().unwrap().serialize_pem();
        let err = ServerTls::from_pem(cert_pem.as_bytes(), other_key.as_bytes()).unwrap_err();
        assert!(matches!(err, TlsError::KeyMismatch), "{err}");

        let err = ClientTls::with_ca_pem(b"").unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err}");
        let err =
            ClientTls::with_ca_pem(b"-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n").unwrap_err();
        assert!(matches!(err, TlsError::InvalidCaCertificate(_)), "{err}");
    }

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

    #[test]
    fn pem_encoder_round_trips_every_padding_case() {
        for len in 1..=200u8 {
            let der: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ len).collect();
            let pem = pem_encode_certificate(&der);
            assert!(pem.lines().all(|l| l.len() <= 64), "{pem}");
            let parsed = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
            assert_eq!(parsed.as_ref(), &der[..], "len {len}");
        }
    }

    #[test]
    fn server_names() {
        use rustls_pki_types::IpAddr as PkiIp;
        assert!(matches!(
            ClientTls::server_name("localhost").unwrap(),
            ServerName::DnsName(d) if d.as_ref() == "localhost"
        ));
        assert!(matches!(ClientTls::server_name("127.0.0.1").unwrap(), ServerName::IpAddress(PkiIp::V4(_))));
        assert!(matches!(ClientTls::server_name("[::1]").unwrap(), ServerName::IpAddress(PkiIp::V6(_))));
        assert!(matches!(ClientTls::server_name("::1").unwrap(), ServerName::IpAddress(PkiIp::V6(_))));
        for bad in ["", "[localhost]", "[::1", "exa mple.com", "a..b", "[127.0.0.1]"] {
            assert!(matches!(ClientTls::server_name(bad), Err(TlsError::InvalidServerName(_))), "{bad:?}");
        }
    }

    #[test]
    fn self_signed_rejects_invalid_names() {
        let err = ServerTls::self_signed(["bad\u{e9}name"]).unwrap_err();
        assert!(matches!(err, TlsError::CertificateGeneration(_)), "{err}");
    }

    #[test]
    fn system_roots_do_not_panic() {
        // The result depends on the machine; it must be Ok or NoSystemRoots.
        match ClientTls::system_roots() {
            Ok(client) => assert!(client.to_string().starts_with("system roots")),
            Err(TlsError::NoSystemRoots { .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
        }
    }
}
