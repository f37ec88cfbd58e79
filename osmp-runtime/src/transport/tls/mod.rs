//! TLS for the secure WebSocket transport: server identities, client trust policies,
//! certificate fingerprints.
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

mod client_trust;
mod error;
mod fingerprint;
mod pem;
mod server_identity;
#[cfg(test)]
mod tests;
mod verifier;

pub use client_trust::ClientTls;
pub use error::TlsError;
pub use fingerprint::Fingerprint;
pub use server_identity::ServerTls;
