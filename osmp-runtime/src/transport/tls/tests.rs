//! TLS handshakes between the identities and trust policies, in memory and over TCP.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::client_trust::ring_provider;
use super::verifier::NoPkiVerifier;
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
        ServerTls::from_pem(generated.cert.pem().as_bytes(), generated.signing_key.serialize_pem().as_bytes()).unwrap();
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
    let err =
        ServerTls::from_pem(cert_pem.as_bytes(), b"-----BEGIN PRIVATE KEY-----\nAAECAwQF\n-----END PRIVATE KEY-----\n")
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
