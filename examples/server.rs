//! The demo server: serves the standard instruction set.
//!
//! ```text
//! cargo run --release --example server -- --bind 127.0.0.1:9000            # wss://, self-signed
//! cargo run --release --example server -- --bind 127.0.0.1:9000 --no-tls   # ws://
//! cargo run --release --example server -- --cert cert.pem --key key.pem    # wss://, your certificate
//! cargo run --release --example server -- --require-auth --user jon:secret  # logins required
//! cargo run --release --example server -- --console                        # and open https://127.0.0.1:9000/
//! ```
//!
//! When ready it prints `listening on wss://127.0.0.1:9000/osmp/v1` (after the certificate
//! fingerprint, when the certificate is generated). Ctrl-C shuts it down gracefully.

use clap::Parser;

#[path = "support/server_args.rs"]
mod server_args;

#[derive(Parser)]
#[command(about = "OSMP demo server: the standard instruction set over secure WebSocket")]
struct Args {
    #[command(flatten)]
    server: server_args::ServerArgs,
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
        .with_ansi(server_args::log_in_colour())
        .init();

    let server = args.server.builder()?.build().await?;
    args.server.announce(&server);

    let server = server.spawn();
    tokio::signal::ctrl_c().await?;
    eprintln!("shutting down");
    server.shutdown().await;
    Ok(())
}
