//! A domain instruction set in a few lines: define it, serve it, call it through its
//! generated typed client. Run with `cargo run --example custom_set`.
//!
//! With `--serve` it keeps serving the set instead, for `osmp` to call (the demo server's
//! flags apply: `--bind`, `--no-tls`, `--cert`/`--key`, …):
//!
//! ```text
//! cargo run --example custom_set -- --serve --bind 127.0.0.1:9002 --no-tls
//! osmp call ws://127.0.0.1:9002 setpoint-set room=lab celsius=21.5
//! osmp call ws://127.0.0.1:9002 setpoint-get room=lab
//! ```

use osmp::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

#[path = "support/server_args.rs"]
mod server_args;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Setpoint {
    /// Room the setpoint applies to
    pub room: String,
    /// Target temperature in degrees Celsius
    pub celsius: f64,
}

/// Heating control of a small building.
#[osmp::instruction_set(name = "heating")]
pub trait Heating {
    /// Set the target temperature of a room.
    #[command(alias = "set")]
    async fn setpoint_set(&self, cx: CommandContext, #[flatten] setpoint: Setpoint) -> Result<(), CommandError>;

    /// Read the target temperature of a room.
    async fn setpoint_get(&self, #[param(doc = "Room name")] room: String) -> Result<Setpoint, CommandError>;

    /// Sent when a setpoint changes.
    #[event]
    fn setpoint_changed(#[flatten] setpoint: Setpoint);
}

#[derive(Default)]
struct Building {
    setpoints: Mutex<HashMap<String, f64>>,
}

impl Heating for Building {
    async fn setpoint_set(&self, cx: CommandContext, setpoint: Setpoint) -> Result<(), CommandError> {
        self.setpoints.lock().unwrap().insert(setpoint.room.clone(), setpoint.celsius);
        HeatingEvents::new(cx.events()).setpoint_changed(&setpoint)?;
        Ok(())
    }

    async fn setpoint_get(&self, room: String) -> Result<Setpoint, CommandError> {
        let celsius = self.setpoints.lock().unwrap().get(&room).copied();
        let celsius = celsius.ok_or_else(|| CommandError::not_found(format!("no setpoint for room '{room}'")))?;
        Ok(Setpoint { room, celsius })
    }
}

/// `--serve`: the set on its own, until Ctrl-C.
#[derive(clap::Parser)]
#[command(about = "The heating instruction set, served until Ctrl-C")]
struct Serve {
    /// Keep serving the set (for `osmp`) instead of calling it once.
    #[arg(long)]
    serve: bool,
    #[command(flatten)]
    server: server_args::ServerArgs,
}

async fn serve(args: Serve) -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .with_ansi(server_args::log_in_colour())
        .init();
    let server = args.server.builder()?.instruction_set(HeatingServer::new(Building::default())).build().await?;
    args.server.announce(&server);
    let server = server.spawn();
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|arg| arg == "--serve") {
        return serve(clap::Parser::parse()).await;
    }
    let server = Server::builder().instruction_set(HeatingServer::new(Building::default())).build().await?.spawn();
    let fingerprint = server.fingerprint().expect("a TLS server");
    let client = Client::builder(server.url()).fingerprint(fingerprint).connect().await?;
    let heating = HeatingClient::new(&client);

    let mut changes = heating.subscribe_setpoint_changed().await?;
    heating.setpoint_set(Setpoint { room: "lab".into(), celsius: 21.5 }).await?;
    println!("lab is set to {} °C", heating.setpoint_get("lab").await?.celsius);
    if let Some(Ok(change)) = changes.next().await {
        println!("event setpoint-changed: {} → {} °C", change.room, change.celsius);
    }
    if let Err(error) = heating.setpoint_get("attic").await {
        println!("attic: {error}");
    }

    client.close().await;
    server.shutdown().await;
    Ok(())
}

/// The test suite runs this example as it is (tests/integration/main.rs includes the file).
#[cfg(test)]
#[test]
fn runs() {
    main().expect("the example runs to the end");
}
