//! A server's TLS identity: its certificate chain and key, from PEM or generated for
//! development.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{InconsistentKeys, ServerConfig};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::pem::{parse_certificates, parse_private_key, pem_encode_certificate, read_file};
use super::{Fingerprint, TlsError};

/// Names a development certificate is always valid for.
const DEFAULT_DEV_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// TLS identity of a server: its certificate chain and private key, ready to
/// wrap accepted TCP streams.
///
/// Cloning is cheap (the rustls configuration is reference counted).
#[derive(Clone)]
pub struct ServerTls {
    pub(super) config: Arc<ServerConfig>,
    pub(super) fingerprint: Fingerprint,
    pub(super) certificate_pem: Arc<str>,
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

/// Parses an IP literal, allowing brackets around IPv6 addresses.
fn parse_ip(name: &str) -> Option<IpAddr> {
    let unbracketed = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    unbracketed.parse().ok()
}
