//! The demo server: serves the standard instruction set.
//!
//! ```text
//! cargo run --release --example server -- --bind 127.0.0.1:9000            # wss://, self-signed
//! cargo run --release --example server -- --bind 127.0.0.1:9000 --no-tls   # ws://
//! cargo run --release --example server -- --cert cert.pem --key key.pem    # wss://, your certificate
//! ```
//!
//! When ready it prints `listening on wss://127.0.0.1:9000/osmp/v1` (after the certificate
//! fingerprint, when the certificate is generated). Ctrl-C shuts it down gracefully.

use std::path::PathBuf;

use clap::Parser;
use osmp::prelude::*;

#[derive(Parser)]
#[command(about = "OSMP demo server: the standard instruction set over secure WebSocket")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    bind: String,
    /// Serve plain ws:// (no encryption). Only for trusted networks.
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    no_tls: bool,
    /// PEM certificate chain (with --key); without both, a self-signed certificate is generated.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key (with --cert).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();

    let mut builder = Server::builder().bind(&args.bind);
    builder = match (&args.cert, &args.key, args.no_tls) {
        (Some(cert), Some(key), _) => builder.tls(ServerTls::from_pem_files(cert, key)?),
        (_, _, true) => builder.no_tls(),
        _ => builder.self_signed(),
    };
    let server = builder.build().await?;
    if let (Some(fingerprint), None) = (server.fingerprint(), &args.cert) {
        println!("self-signed certificate, SHA-256 fingerprint {fingerprint}");
    }
    println!("listening on {}", server.url());

    let server = server.spawn();
    tokio::signal::ctrl_c().await?;
    eprintln!("shutting down");
    server.shutdown().await;
    Ok(())
}
