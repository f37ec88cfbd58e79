//! The demo server: serves the standard instruction set.
//!
//! ```text
//! cargo run --release --example server -- --bind 127.0.0.1:9000            # wss://, self-signed
//! cargo run --release --example server -- --bind 127.0.0.1:9000 --no-tls   # ws://
//! cargo run --release --example server -- --cert cert.pem --key key.pem    # wss://, your certificate
//! cargo run --release --example server -- --require-auth --user jon:secret  # logins required
//! ```
//!
//! When ready it prints `listening on wss://127.0.0.1:9000/osmp/v1` (after the certificate
//! fingerprint, when the certificate is generated). Ctrl-C shuts it down gracefully.

use std::path::PathBuf;

use clap::Parser;
use osmp::auth::{read_private_key, read_public_key, Users};
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
    /// Require a login before any command but `login`.
    #[arg(long)]
    require_auth: bool,
    /// An account that logs in with a password: NAME:PASSWORD (repeatable).
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    users: Vec<String>,
    /// An account that logs in with a key: NAME:KEYFILE, the public key as .NET XML or PEM (repeatable).
    #[arg(long = "user-key", value_name = "NAME:KEYFILE")]
    user_keys: Vec<String>,
    /// Roles (permissions) of an account: NAME:ROLE[,ROLE…] (repeatable); `*` grants all.
    #[arg(long = "grant", value_name = "NAME:ROLES")]
    grants: Vec<String>,
    /// The RSA key announced for password login (PEM or .NET XML); generated when omitted.
    #[arg(long, value_name = "FILE")]
    rsa_key: Option<PathBuf>,
}

impl Args {
    /// The accounts given on the command line, if any.
    fn users(&self) -> Result<Option<Users>, Box<dyn std::error::Error>> {
        if self.users.is_empty() && self.user_keys.is_empty() {
            return Ok(None);
        }
        let mut users = Users::new();
        for entry in &self.users {
            let (name, password) = split(entry, "--user NAME:PASSWORD")?;
            users.add_password(name, password)?;
        }
        for entry in &self.user_keys {
            let (name, file) = split(entry, "--user-key NAME:KEYFILE")?;
            users.add_public_key(name, read_public_key(file)?);
        }
        for entry in &self.grants {
            let (name, roles) = split(entry, "--grant NAME:ROLE[,ROLE…]")?;
            users.grant(name, roles.split(',').map(str::trim).filter(|role| !role.is_empty()));
        }
        Ok(Some(users))
    }
}

/// `NAME:VALUE`, split at the first colon.
fn split<'a>(entry: &'a str, form: &str) -> Result<(&'a str, &'a str), String> {
    entry.split_once(':').filter(|(name, _)| !name.is_empty()).ok_or_else(|| format!("expected {form}, got '{entry}'"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();

    let mut builder = Server::builder().bind(&args.bind);
    builder = match (&args.cert, &args.key, args.no_tls) {
        (Some(cert), Some(key), _) => builder.tls(ServerTls::from_pem_files(cert, key)?),
        (_, _, true) => builder.no_tls(),
        _ => builder.self_signed(),
    };
    if let Some(users) = args.users()? {
        builder = builder.users(users);
    }
    if args.require_auth {
        builder = builder.require_auth();
    }
    if let Some(file) = &args.rsa_key {
        builder = builder.rsa_key(read_private_key(file)?);
    }
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
