//! Every kind of route, documented under `#![deny(missing_docs)]`, served by its router and
//! described by its schema.
#![deny(missing_docs)]

use omcp::{Created, Handler, Method, OmcpError, Request, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A sensor.
#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Sensor {
    /// Its identifier.
    pub id: u32,
}

/// A measurement.
#[derive(Deserialize, Serialize, JsonSchema)]
pub struct Sample {
    /// The value.
    pub value: f64,
}

/// An error of the module's own, converted both ways.
#[derive(Debug)]
pub struct Broken(String);

impl From<Broken> for OmcpError {
    fn from(broken: Broken) -> OmcpError {
        OmcpError::internal(broken.0)
    }
}

impl From<OmcpError> for Broken {
    fn from(error: OmcpError) -> Broken {
        Broken(error.to_string())
    }
}

/// An alias without error type.
pub type Result<T> = std::result::Result<T, OmcpError>;

/// Sensors.
#[omcp::module(name = "average.function", crate = "omcp")]
pub trait Average: Clone {
    /// Read one sensor.
    #[get("/sensors/{id}")]
    async fn sensor(&self, #[param(doc = "Identifier")] id: u32) -> Result<Sensor>;
    /// Add a sensor.
    #[post("/sensors")]
    async fn create(&self, body: Sensor) -> std::result::Result<Created, OmcpError>;
    /// Rename a sensor, by its own error type.
    #[put("/sensors/{sensor_id}/names/{type}")]
    async fn rename(&self, sensor_id: u64, r#type: String, body: String) -> std::result::Result<(), Broken>;
    /// Remove, looking at the request.
    #[delete("/")]
    async fn clear(&self, request: Request) -> Result<()>;
    /// A measurement.
    #[notify("/samples/{sensor}")]
    async fn sample(&self, #[param(name = "sensor")] id: u32, body: Sample);
    /// A measurement whose failure is logged.
    #[notify("/checked")]
    async fn checked(&self, body: Sample) -> std::result::Result<(), Broken>;
}

#[derive(Clone)]
struct Averages;

impl Average for Averages {
    async fn sensor(&self, id: u32) -> Result<Sensor> {
        Ok(Sensor { id })
    }

    async fn rename(&self, _: u64, _: String, _: String) -> std::result::Result<(), Broken> {
        Err(Broken("no".into()))
    }
}

fn main() {
    let schema = average_schema();
    assert_eq!(schema.name, "average.function");
    assert_eq!(schema.routes.len(), 6);
    assert_eq!(schema.routes[2].path, "/sensors/{sensor_id}/names/{type}");
    assert_eq!(schema.routes[2].params[1].name, "type");
    assert_eq!(schema.routes[4].params[0].name, "sensor");

    let router = omcp::Router::new(AverageServer::new(Averages));
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let get = router.handle(Request::new(Method::Get, "average.function", "/sensors/3")).await;
        assert_eq!((get.status, get.body.as_str()), (StatusCode::Ok, r#"{"id":3}"#));
        let put = Request::new(Method::Put, "average.function", "/sensors/3/names/x").body("text/plain", "n");
        let put = router.handle(put).await;
        assert_eq!((put.status, put.error.as_deref()), (StatusCode::InternalServerError, Some("no")));
        let delete = router.handle(Request::new(Method::Delete, "average.function", "/")).await;
        assert_eq!(delete.status, StatusCode::NotImplemented);
    });
    // The typed client exists with one method per route.
    let _ = AverageClient::sensor;
    let _ = AverageClient::sample;
}
