//! Two servers acting as one through RabbitMQ: a set served on one node is used, and its
//! events heard, through the other.
//!
//! ```text
//! scripts/rabbitmq.sh                                   # a local broker
//! cargo run --example cluster --features cluster
//! ```
//!
//! The broker is `OMCP_AMQP_URL` (default `amqp://127.0.0.1:5672/%2f`). For the
//! public-address example as three nodes, see the README's "Several nodes".

use std::time::Duration;

use osmp::cluster::Cluster;
use osmp::prelude::*;

/// The thermostats of one floor.
#[osmp::instruction_set(name = "floor")]
pub trait Floor {
    /// Sets a room's temperature.
    async fn set_temperature(&self, cx: CommandContext, room: String, celsius: f64) -> Result<Outcome, CommandError>;

    /// Sent when a room's temperature was set.
    #[event]
    fn temperature_set(room: String, celsius: f64);
}

struct Thermostats;

impl Floor for Thermostats {
    async fn set_temperature(&self, cx: CommandContext, room: String, celsius: f64) -> Result<Outcome, CommandError> {
        FloorEvents::new(cx.events()).temperature_set(&room, celsius)?;
        Ok(Outcome::text(format!("{room} set to {celsius} °C")))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("OMCP_AMQP_URL").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".to_owned());
    // Clusters sharing a broker are kept apart by a namespace (or a virtual host).
    let namespace = format!("example-{}", std::process::id());

    // The node that serves the floor set…
    let server = Server::builder()
        .no_tls()
        .instruction_set(FloorServer::new(Thermostats))
        .cluster(Cluster::rabbitmq(&url).namespace(&namespace).node_name("floor-1"))
        .build()
        .await?
        .spawn();
    // …and one that serves only the standard set.
    let front = Server::builder()
        .no_tls()
        .cluster(Cluster::rabbitmq(&url).namespace(&namespace).node_name("front"))
        .build()
        .await?
        .spawn();

    // The front learns of the floor set from the other node's announcement.
    let mut waited = Duration::ZERO;
    while front.registry().resolve("set-temperature").is_none() && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    let client = Client::connect(front.url()).await?;
    let mut changes = client.subscribe("temperature-set").await?;
    tokio::time::sleep(Duration::from_millis(300)).await; // the front binds the event
    let answer = client.call("set-temperature", &serde_json::json!({"room": "lab", "celsius": 21.5})).await?;
    println!("through the front: {}", answer.result.unwrap_or_default());
    if let Ok(Some(change)) = tokio::time::timeout(Duration::from_secs(5), changes.next()).await {
        println!("event {} heard at the front: {:?}", change.event, change.data);
    }

    client.close().await;
    front.shutdown().await;
    server.shutdown().await;
    Ok(())
}

/// The test suite runs this example as it is (tests/integration/main.rs includes the file),
/// against the broker `scripts/test` starts.
#[cfg(test)]
#[test]
fn runs() {
    main().expect("the example runs to the end (with a broker: `scripts/rabbitmq.sh` starts one)");
}
