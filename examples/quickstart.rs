//! OSMP in one run: a server with a small instruction set starts in this process (TLS with
//! a certificate generated at start-up), a typed client pins its fingerprint, connects, and
//! walks through what the protocol does. Run with `cargo run --example quickstart`.

use std::time::Duration;

use osmp::prelude::*;
use osmp::standard::Help;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Temperature {
    /// The room
    pub room: String,
    /// Degrees Celsius
    pub celsius: f64,
}

/// A tiny building: copy files with progress, restart with confirmation, report temperatures.
#[osmp::instruction_set(name = "building")]
pub trait Building {
    /// Copy files, reporting progress.
    async fn copy(
        &self,
        cx: CommandContext,
        #[param(doc = "How many files")] files: u32,
    ) -> Result<Outcome, CommandError>;

    /// Restart the building's controller, after the client confirms.
    async fn restart(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// A room's temperature changed.
    #[event]
    fn temperature_changed(#[flatten] temperature: Temperature);
}

struct Controller;

impl Building for Controller {
    async fn copy(&self, cx: CommandContext, files: u32) -> Result<Outcome, CommandError> {
        for file in 1..=files {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(40)) => {}
                () = cx.cancelled() => return Ok(Outcome::text(format!("Cancelled after {} files", file - 1))),
            }
            cx.progress_message(u64::from(file), u64::from(files), format!("file {file}")).await?;
        }
        Ok(Outcome::text(format!("{files} files copied")))
    }

    async fn restart(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        // A server-to-client command: the server asks, the client answers.
        let answer = cx.ask("confirm", &serde_json::json!({"question": "Restart the controller?"})).await?;
        let confirmed = answer.data.is_some_and(|data| data.to_value()["confirmed"] == true);
        Ok(Outcome::text(if confirmed { "Restarting." } else { "Restart declined." }))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = Server::builder().instruction_set(BuildingServer::new(Controller)).build().await?.spawn();
    let fingerprint = server.fingerprint().ok_or("the server has a certificate")?;
    println!("server listening on {} (certificate SHA-256 {fingerprint})", server.url());

    let client = Client::builder(server.url())
        .fingerprint(fingerprint)
        .on_command("confirm", |command| async move {
            println!(
                "  the server asks: {}",
                command.data().map(|d| d.to_value()["question"].to_string()).unwrap_or_default()
            );
            Outcome::data(&serde_json::json!({"confirmed": true}))
        })
        .connect()
        .await?;
    let building = BuildingClient::new(&client);

    println!("\n1. help: every command the server offers");
    if let Help::List(list) = client.standard().help(None).await? {
        for command in list.commands {
            println!("  {:<18} {:<9} {}", command.command, command.instruction_set, command.description);
        }
    }

    println!("\n2. a call: echo");
    let echo = client.standard().echo(Some(&serde_json::json!("Hello, OSMP!"))).await?;
    println!("  {}", echo.map(|echo| echo.token.to_string()).unwrap_or_default());

    println!("\n3. a command with progress");
    let mut copy = building.start_copy(&10).await?;
    while let Some(item) = copy.next().await {
        if let osmp::wire::StreamItem::Progress { value, total, .. } = item? {
            let done = (value / total * 20.0) as usize;
            print!("\r  [{}{}] {value}/{total}", "#".repeat(done), " ".repeat(20 - done));
            std::io::Write::flush(&mut std::io::stdout())?;
        }
    }
    println!("\n  {}", copy.response().await?.result.unwrap_or_default());

    println!("\n4. a cancellation");
    let long_copy = building.start_copy(&1000).await?;
    tokio::time::sleep(Duration::from_millis(150)).await;
    long_copy.cancel();
    println!("  {}", long_copy.response().await?.result.unwrap_or_default());

    println!("\n5. an event subscription");
    let mut temperatures = building.subscribe_temperature_changed().await?;
    BuildingEvents::new(server.events()).temperature_changed(&Temperature { room: "lab".into(), celsius: 21.5 })?;
    if let Some(Ok(change)) = temperatures.next().await {
        println!("  temperature-changed: {} is {} °C", change.room, change.celsius);
    }

    println!("\n6. a server-to-client command");
    println!("  {}", building.restart().await?.result.unwrap_or_default());

    client.close().await;
    server.shutdown().await;
    println!("\ndone");
    Ok(())
}

/// The test suite runs this example as it is (tests/integration/main.rs includes the file).
#[cfg(test)]
#[test]
fn runs() {
    main().expect("the example runs to the end");
}
