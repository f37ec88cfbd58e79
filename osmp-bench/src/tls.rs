//! The suite's TLS: one self-signed certificate for every `wss://` server, and the rustls configurations of the servers and the load generator.
//!
//! The load generator makes the certificate once and hands it to each server process it
//! starts with `--tls` through the environment ([`CERT_VAR`], [`KEY_VAR`]), so that its
//! clients can trust exactly that certificate. All servers then share it, and the baseline
//! and jsonrpsee build their rustls `ServerConfig` the way `osmp-runtime` builds its own
//! (`transport/tls/server_identity.rs`): the ring provider passed explicitly, rustls' safe
//! default protocol versions (TLS 1.3 and 1.2) and cipher suites, no client authentication,
//! one ECDSA P-256 certificate. Only the framework then differs between the TLS servers.

use std::sync::{Arc, OnceLock};

use osmp::prelude::ServerTls;
use rustls::client::Resumption;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The environment variable that carries the certificate (PEM) to a server process.
pub const CERT_VAR: &str = "OSMP_BENCH_TLS_CERT";
/// The environment variable that carries the private key (PEM, PKCS#8) to a server process.
pub const KEY_VAR: &str = "OSMP_BENCH_TLS_KEY";

/// The names the certificate is valid for: those of osmp's development certificate.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A certificate and its private key, in PEM.
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Identity {
    /// A new self-signed certificate made like osmp's development one
    /// (`ServerTls::self_signed`): an ECDSA P-256 key, the loopback names as subject
    /// alternative names, serverAuth, and no basicConstraints (webpki refuses a CA as a
    /// server certificate, and the client trusts this very certificate as its root).
    pub fn generate() -> Result<Identity, String> {
        let failed = |error: rcgen::Error| format!("cannot make the TLS certificate: {error}");
        // `generate` is ECDSA P-256 with SHA-256, the key type of osmp's own certificates.
        let key_pair = rcgen::KeyPair::generate().map_err(failed)?;
        let names: Vec<String> = NAMES.iter().map(|name| (*name).to_owned()).collect();
        let mut params = rcgen::CertificateParams::new(names).map_err(failed)?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, "osmp-bench certificate");
        params.extended_key_usages.push(rcgen::ExtendedKeyUsagePurpose::ServerAuth);
        let cert = params.self_signed(&key_pair).map_err(failed)?;
        Ok(Identity { cert_pem: cert.pem(), key_pem: key_pair.serialize_pem() })
    }

    /// The load generator's identity, made on first use: every server it starts with
    /// `--tls` gets this one.
    pub fn shared() -> Result<&'static Identity, String> {
        static SHARED: OnceLock<Result<Identity, String>> = OnceLock::new();
        SHARED.get_or_init(Identity::generate).as_ref().map_err(Clone::clone)
    }

    /// A server process's identity: the one the load generator passed, or a new one when
    /// `osmp-bench serve --tls` runs by hand.
    pub fn for_server() -> Result<Identity, String> {
        match (std::env::var(CERT_VAR), std::env::var(KEY_VAR)) {
            (Ok(cert_pem), Ok(key_pem)) => Ok(Identity { cert_pem, key_pem }),
            _ => Identity::generate(),
        }
    }

    /// Hands this identity to a server process about to be started.
    pub fn pass_to(&self, command: &mut std::process::Command) {
        command.env(CERT_VAR, &self.cert_pem).env(KEY_VAR, &self.key_pem);
    }

    fn certificate(&self) -> Result<CertificateDer<'static>, String> {
        CertificateDer::from_pem_slice(self.cert_pem.as_bytes()).map_err(|e| format!("bench certificate: {e}"))
    }

    fn private_key(&self) -> Result<PrivateKeyDer<'static>, String> {
        PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|e| format!("bench private key: {e}"))
    }

    /// The server configuration of the baseline and jsonrpsee, built with the same calls
    /// as osmp-runtime's (`with_single_cert` loads the key and checks it against the
    /// certificate as the runtime does by hand, then installs the same single-certificate
    /// resolver).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(vec![self.certificate()?], self.private_key()?)
            .map_err(|e| format!("TLS server configuration: {e}"))?;
        Ok(Arc::new(config))
    }

    /// The acceptor for the baseline and jsonrpsee.
    pub fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, String> {
        self.server_config().map(tokio_rustls::TlsAcceptor::from)
    }

    /// The same certificate and key as osmp's own TLS identity.
    pub fn osmp(&self) -> Result<ServerTls, String> {
        ServerTls::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes()).map_err(|e| e.to_string())
    }

    /// The load generator's client configuration: trusts only this certificate.
    ///
    /// Session resumption is off so that every connection makes a full handshake (a
    /// signature by the server, a key exchange on both sides): what a client that starts
    /// afresh costs, and the same work for every server whatever their session caches do.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        let mut roots = RootCertStore::empty();
        roots.add(self.certificate()?).map_err(|e| format!("bench certificate as a root: {e}"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.resumption = Resumption::disabled();
        Ok(Arc::new(config))
    }
}

/// The load generator's client configuration, built once: every TLS connect shares it.
pub fn client_config() -> Result<Arc<ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();
    CONFIG.get_or_init(|| Identity::shared()?.client_config()).clone()
}
