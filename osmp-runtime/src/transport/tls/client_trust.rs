//! How a client decides to trust a server: system roots, a CA file, a pinned fingerprint,
//! or (development only) nothing.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::{DnsName, ServerName};

use super::pem::{parse_certificates, read_file};
use super::verifier::NoPkiVerifier;
use super::{Fingerprint, TlsError};

/// How a client decides to trust the server's certificate.
///
/// Cloning is cheap (the rustls configuration is reference counted).
#[derive(Clone)]
pub struct ClientTls {
    pub(super) config: Arc<ClientConfig>,
    pub(super) description: Arc<str>,
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
    /// is not marked `CA:TRUE` (see the [module documentation](super)).
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

pub(super) fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
