//! # A public-address system, managed over OSMP
//!
//! The specification's two product chapters, the Director and VD1 instruction sets, served
//! by a simulator of a small Variodyn D1 installation:
//!
//! ```text
//! cargo run --example pa_system -- --bind 127.0.0.1:9001             # wss://, self-signed
//! cargo run --example pa_system -- --bind 127.0.0.1:9001 --no-tls    # ws://
//! cargo run --example pa_system -- --require-auth --user jon:secret   # logins required
//! cargo run --example pa_system -- --no-device-changes --time-scale 10
//! cargo run --example pa_system -- --console                          # and open https://127.0.0.1:9000/
//! ```
//!
//! It takes the demo server's flags (`examples/support/server_args.rs`) and prints the same
//! `listening on wss://…/osmp/v1` line when ready. Then, with any OSMP client:
//!
//! ```text
//! {"type":"cmd","nr":1,"id":"event-subscribe","data":{"event":"*"}}
//! {"type":"cmd","nr":2,"id":"vcall-create","data":{"call-id":"evac","sources":["Gong","EvacuationText"],
//!                                               "zones":["Floor 3","Lobby"],"priority":30,"start":true}}
//! {"type":"cmd","nr":3,"id":"log-stream","data":{"logger":"VD1","level":"INFO"}}
//! ```
//!
//! The modules, one per concern:
//!
//! - [`installation`]: the controllers, devices, zones, sources and IO contacts that exist,
//!   addressed with the specification's Director-VD1 address scheme;
//! - [`calls`]: announcements competing for outputs by priority, playing their sources,
//!   interrupted and resumed, ending by themselves;
//! - [`simulation`]: the living state, its clock and its random device faults, and the
//!   events that report every change;
//! - [`vd1`] and [`director`]: the two instruction sets, written with
//!   `#[osmp::instruction_set]`;
//! - [`logging`]: Director's loggers, bridged from `tracing`, which `log-stream` follows;
//! - [`maintenance`]: a set beside the specification's, whose `line-test` reports its
//!   progress line by line;
//! - [`lenient`]: booleans that .NET clients send as `"True"`.
//!
//! The console shows what the loggers log: set their level over OSMP
//! (`{"type":"cmd","nr":4,"id":"log-level","data":{"logger":"*","level":"INFO"}}`) to watch
//! the simulation there.

// `pub(crate)`: the integration tests include this file as a module and reach the
// simulation and the instruction sets through it.
pub(crate) mod calls;
pub(crate) mod director;
pub(crate) mod installation;
pub(crate) mod lenient;
pub(crate) mod logging;
pub(crate) mod maintenance;
pub(crate) mod simulation;
pub(crate) mod vd1;

#[path = "../support/server_args.rs"]
mod server_args;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use osmp::prelude::*;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use director::DirectorServer;
use installation::Installation;
use maintenance::MaintenanceServer;
use simulation::{PaSystem, SimulationConfig};
use vd1::Vd1Server;

/// Simulated seconds per real second the simulator accepts: beyond these, sources would
/// last longer than a clock can count or less than it can tell apart.
const TIME_SCALES: std::ops::RangeInclusive<f64> = 0.001..=1_000_000.0;

#[derive(Parser)]
#[command(about = "OSMP public-address system simulator: the specification's Director and VD1 instruction sets")]
pub(crate) struct Args {
    #[command(flatten)]
    server: server_args::ServerArgs,
    /// Seed of the random device status changes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds between two random device status changes.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    device_change_every: f64,
    /// Keep device statuses as they are (they change only when a test tells them to).
    #[arg(long)]
    no_device_changes: bool,
    /// Simulated seconds per real second: announcements play this many times faster.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Calls kept at most; a new one replaces the oldest that is not playing.
    #[arg(long, default_value_t = 1000)]
    max_calls: usize,
    /// The instruction sets this server serves besides the standard set (with --cluster,
    /// the others can be served by other nodes).
    #[arg(long, value_delimiter = ',', default_value = "vd1,director")]
    sets: Vec<Served>,
}

/// An instruction set of the example, for `--sets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Served {
    /// The announcements, zones and devices of a Variodyn D1.
    Vd1,
    /// The IO contacts and loggers of the system.
    Director,
    /// Nothing but the standard set.
    None,
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
    // Every tracing event reaches Director's loggers; the console shows what they log.
    let console = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(server_args::log_in_colour())
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| logging::logs().logs(meta.target(), meta.level())));
    tracing_subscriber::registry().with(logging::Bridge).with(console).init();

    let pa = simulation(&args)?;
    let server = with_maintenance(builder(&args, &pa)?, &pa).build().await?;
    args.server.announce(&server);

    let clock = tokio::spawn(pa.run(server.events().clone()));
    let server = server.spawn();
    tokio::signal::ctrl_c().await?;
    eprintln!("shutting down");
    clock.abort();
    server.shutdown().await;
    Ok(())
}

/// The simulated installation, behaving as the flags say. Its clock is not running yet:
/// spawn [`PaSystem::run`] with the server's event bus.
pub(crate) fn simulation(args: &Args) -> Result<Arc<PaSystem>, String> {
    if !TIME_SCALES.contains(&args.time_scale) {
        return Err(format!("--time-scale must be from {} to {}", TIME_SCALES.start(), TIME_SCALES.end()));
    }
    let device_changes = match args.no_device_changes {
        true => None,
        false => Some(
            Duration::try_from_secs_f64(args.device_change_every)
                .ok()
                .filter(|every| !every.is_zero())
                .ok_or("--device-change-every must be a positive number of seconds")?,
        ),
    };
    let config =
        SimulationConfig { seed: args.seed, device_changes, time_scale: args.time_scale, max_calls: args.max_calls };
    Ok(PaSystem::new(Installation::demo(), config))
}

/// A server listening as the flags say, serving the instruction sets `--sets` names (both
/// by default) over the simulation.
pub(crate) fn builder(args: &Args, pa: &Arc<PaSystem>) -> Result<ServerBuilder, Box<dyn std::error::Error>> {
    let mut builder = args.server.builder()?;
    if args.sets.contains(&Served::Director) {
        builder = builder.instruction_set(DirectorServer::from_arc(pa.clone()));
    }
    if args.sets.contains(&Served::Vd1) {
        builder = builder.instruction_set(Vd1Server::from_arc(pa.clone()));
    }
    Ok(builder)
}

/// The server with the maintenance set too, as the binary serves it.
pub(crate) fn with_maintenance(builder: ServerBuilder, pa: &Arc<PaSystem>) -> ServerBuilder {
    builder.instruction_set(MaintenanceServer::from_arc(pa.clone()))
}
