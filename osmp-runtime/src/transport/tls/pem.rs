//! Reading certificates and keys from PEM, and writing a certificate as PEM.

use std::path::Path;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::TlsError;

pub(super) fn read_file(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::ReadFile { what, path: path.to_owned(), source })
}

pub(super) fn parse_certificates(pem: &[u8], origin: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::InvalidPem { origin: origin.to_owned(), source })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { origin: origin.to_owned() });
    }
    Ok(certs)
}

pub(super) fn parse_private_key(pem: &[u8], origin: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey { origin: origin.to_owned() },
        source => TlsError::InvalidPem { origin: origin.to_owned(), source },
    })
}

/// Encodes a DER certificate as PEM (64-column lines, LF endings).
pub(super) fn pem_encode_certificate(der: &[u8]) -> String {
    let config = ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF);
    ::pem::encode_config(&::pem::Pem::new("CERTIFICATE", der), config)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
