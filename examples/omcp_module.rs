//! An OMCP module in a few lines: define its routes, serve it through RabbitMQ, call it
//! through its generated typed client, as another module of an OSIRIS installation would.
//!
//! ```text
//! scripts/rabbitmq.sh                                               # a local broker
//! cargo run --example omcp_module --features omcp                   # serve, call, stop
//! cargo run --example omcp_module --features omcp -- --serve        # serve until Ctrl-C
//! ```
//!
//! The broker is `OMCP_AMQP_URL` (default `amqp://127.0.0.1:5672/%2f`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use osmp::omcp::{Client, Created, OmcpError, Server};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Sensor {
    /// Identifier, given by the module
    pub id: u32,
    /// What the sensor measures
    pub name: String,
    /// The last value received
    pub last: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NewSensor {
    /// What the sensor measures
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Sample {
    pub sensor: u32,
    pub value: f64,
}

/// The sensors of a network.
#[osmp::module(name = "sensornet")]
pub trait SensorNet {
    /// Read one sensor.
    #[get("/sensors/{id}")]
    async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError>;

    /// Add a sensor.
    #[post("/sensors")]
    async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError>; // 201 + location

    /// Remove a sensor (declared, not implemented here: 501).
    #[delete("/sensors/{id}")]
    async fn delete_sensor(&self, id: u32) -> Result<(), OmcpError>;

    /// A new value of a sensor.
    #[notify("/samples")]
    async fn sample(&self, body: Sample);
}

#[derive(Default)]
struct Network {
    sensors: Mutex<BTreeMap<u32, Sensor>>,
}

impl SensorNet for Network {
    async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError> {
        let sensors = self.sensors.lock().unwrap();
        sensors.get(&id).cloned().ok_or_else(|| OmcpError::not_found(format!("no sensor {id}")))
    }

    async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError> {
        let mut sensors = self.sensors.lock().unwrap();
        let id = sensors.keys().last().map_or(1, |last| last + 1);
        sensors.insert(id, Sensor { id, name: body.name, last: None });
        Ok(Created::at(format!("/sensors/{id}")))
    }

    async fn sample(&self, body: Sample) {
        if let Some(sensor) = self.sensors.lock().unwrap().get_mut(&body.sensor) {
            sensor.last = Some(body.value);
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Not in the test suite, whose process has one global subscriber of its own.
    #[cfg(not(test))]
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let url = std::env::var("OMCP_AMQP_URL").unwrap_or_else(|_| osmp::omcp::broker::DEFAULT_URL.to_owned());
    let server = Server::builder(&url).module(SensorNetServer::new(Network::default())).build().await?.spawn();
    println!("module sensornet serving on queue {}", server.queue());
    if std::env::args().any(|arg| arg == "--serve") {
        tokio::signal::ctrl_c().await?;
        server.shutdown().await;
        return Ok(());
    }

    let client = Client::builder(&url).source("omcp-example").connect().await?;
    let sensornet = SensorNetClient::new(&client);
    let created = sensornet.create_sensor(&NewSensor { name: "temperature".into() }).await?;
    println!("created {}", created.location());
    let id = created.address()?.path.rsplit('/').next().unwrap_or_default().parse::<u32>()?;
    sensornet.sample(&Sample { sensor: id, value: 21.5 }).await?;
    // The notification is not answered: read until the module has applied it.
    let mut sensor = sensornet.sensor(id).await?;
    for _ in 0..100 {
        if sensor.last.is_some() {
            break;
        }
        sensor = sensornet.sensor(id).await?;
    }
    println!("sensor {}: {} = {:?}", sensor.id, sensor.name, sensor.last);
    for (what, result) in
        [("GET /sensors/99", sensornet.sensor(99).await.map(drop)), ("DELETE", sensornet.delete_sensor(id).await)]
    {
        match result {
            Ok(()) => println!("{what}: ok"),
            Err(error) => println!("{what}: {error}"),
        }
    }

    client.close().await;
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
