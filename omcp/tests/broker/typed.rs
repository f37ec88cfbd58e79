//! A module defined with `#[module]`, served through the broker and called with its typed
//! client.

use std::sync::Mutex;
use std::time::Duration;

use omcp::{Client, Created, OmcpError, Server, StatusCode, TypedCallError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::support::{delete, init_logs, require_broker, unique, url, within};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sensor {
    pub id: u32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewSensor {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sample {
    pub sensor: u32,
    pub value: f64,
}

/// The example module.
#[omcp::module(name = "sensornet", crate = "omcp")]
pub trait SensorNet {
    /// Read one sensor.
    #[get("/sensors/{id}")]
    async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError>;
    #[post("/sensors")]
    async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError>;
    #[put("/sensors/{id}")]
    async fn rename_sensor(&self, id: u32, body: NewSensor) -> Result<(), OmcpError>;
    #[delete("/sensors/{id}")]
    async fn delete_sensor(&self, id: u32) -> Result<(), OmcpError>;
    #[get("/labels/{label}")]
    async fn label(&self, label: String) -> Result<String, OmcpError>;
    #[get("/calibration")]
    async fn calibration(&self) -> Result<f64, OmcpError>;
    #[notify("/samples")]
    async fn sample(&self, body: Sample);
}

struct Network {
    sensors: Mutex<Vec<Sensor>>,
    samples: mpsc::UnboundedSender<Sample>,
}

impl SensorNet for Network {
    async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError> {
        let sensors = self.sensors.lock().unwrap();
        sensors
            .iter()
            .find(|sensor| sensor.id == id)
            .cloned()
            .ok_or_else(|| OmcpError::not_found(format!("no sensor {id}")))
    }

    async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError> {
        let mut sensors = self.sensors.lock().unwrap();
        let id = sensors.len() as u32 + 1;
        sensors.push(Sensor { id, name: body.name });
        Ok(Created::at(format!("/sensors/{id}")))
    }

    async fn rename_sensor(&self, id: u32, body: NewSensor) -> Result<(), OmcpError> {
        let mut sensors = self.sensors.lock().unwrap();
        let sensor =
            sensors.iter_mut().find(|sensor| sensor.id == id).ok_or_else(|| OmcpError::not_found("no such sensor"))?;
        sensor.name = body.name;
        Ok(())
    }

    async fn delete_sensor(&self, _id: u32) -> Result<(), OmcpError> {
        Err(OmcpError::internal("the sensor is still measuring"))
    }

    async fn label(&self, label: String) -> Result<String, OmcpError> {
        Ok(label)
    }

    async fn sample(&self, body: Sample) {
        let _ = self.samples.send(body);
    }
}

#[tokio::test]
async fn typed_client_and_server() {
    init_logs();
    require_broker().await;
    let name = unique("sensornet");
    let (samples, mut received) = mpsc::unbounded_channel();
    let network = Network { sensors: Mutex::new(Vec::new()), samples };
    // Served under another name than the trait's, as a second instance would be.
    let server =
        Server::builder(url()).module(SensorNetServer::new(network)).name(&name).build().await.unwrap().spawn();
    let client = Client::builder(url()).source("dashboard").connect().await.unwrap();
    let sensornet = SensorNetClient::with_module(&client, &name);
    assert_eq!(SensorNetClient::new(&client).module(), "sensornet");

    let created = sensornet.create_sensor(&NewSensor { name: "t1".into() }).await.unwrap();
    assert_eq!(created.location(), format!("omcp://{name}/sensors/1"));
    assert_eq!(created.address().unwrap().path, "/sensors/1");
    assert_eq!(sensornet.sensor(1).await.unwrap(), Sensor { id: 1, name: "t1".into() });
    sensornet.rename_sensor(1, &NewSensor { name: "t2".into() }).await.unwrap();
    assert_eq!(sensornet.sensor(1).await.unwrap().name, "t2");
    assert_eq!(sensornet.label("a b/c?d").await.unwrap(), "a b/c?d");

    let status = |result: Result<_, TypedCallError>| match result {
        Err(TypedCallError::Status(error)) => (error.status(), error.message().to_owned()),
        other => panic!("expected an error response, got {other:?}"),
    };
    assert_eq!(status(sensornet.sensor(7).await.map(drop)), (StatusCode::NotFound, "no sensor 7".to_owned()));
    assert_eq!(
        status(sensornet.delete_sensor(1).await),
        (StatusCode::InternalServerError, "the sensor is still measuring".to_owned())
    );
    assert_eq!(
        status(sensornet.calibration().await.map(drop)),
        (StatusCode::NotImplemented, "GET /calibration is not implemented".to_owned())
    );

    sensornet.sample(&Sample { sensor: 1, value: 21.5 }).await.unwrap();
    assert_eq!(within(10, "the sample", received.recv()).await.unwrap(), Sample { sensor: 1, value: 21.5 });

    // The module is gone: the typed call gets the 408 (as an error status).
    server.shutdown().await;
    let impatient = Client::builder(url()).timeout(Duration::from_millis(300)).connect().await.unwrap();
    let error = SensorNetClient::with_module(&impatient, &name).sensor(1).await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::RequestTimeout));

    impatient.close().await;
    client.close().await;
    delete(&[&omcp::queue_name(&name)], &[]).await;
}
