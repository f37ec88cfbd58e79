//! A module defined with `#[module]`, served by its router without a broker: every status
//! the router answers, the schema, and what the trait declares.

use std::collections::HashMap;
use std::sync::Mutex;

use omcp::{Created, Handler, Method, OmcpError, Request, Response, Router, StatusCode};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A sensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sensor {
    /// Identifier.
    pub id: u32,
    /// What it is called.
    pub name: String,
}

/// A sensor to add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NewSensor {
    /// What it is called.
    pub name: String,
}

/// A measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Sample {
    pub sensor: u32,
    pub value: f64,
}

/// Sensors of a network.
///
/// Reads and changes the sensors of one network.
#[omcp::module(name = "sensornet", crate = "omcp")]
pub trait SensorNet {
    /// Read one sensor.
    #[get("/sensors/{id}")]
    async fn sensor(&self, #[param(doc = "The sensor's identifier")] id: u32) -> Result<Sensor, OmcpError>;

    /// List the sensors.
    #[get("/sensors")]
    async fn sensors(&self) -> Result<Vec<Sensor>, OmcpError>;

    /// Count the sensors (a literal segment wins over `{id}`).
    #[get("/sensors/count")]
    async fn count(&self) -> Result<usize, OmcpError>;

    /// Add a sensor.
    #[post("/sensors")]
    async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError>;

    /// Rename a sensor.
    #[put("/sensors/{id}")]
    async fn update_sensor(&self, id: u32, body: NewSensor) -> Result<(), OmcpError>;

    /// Remove a sensor.
    #[delete("/sensors/{id}")]
    async fn delete_sensor(&self, id: u32) -> Result<(), OmcpError>;

    /// Declared here, implemented nowhere: 501.
    #[get("/calibration/{id}")]
    async fn calibration(&self, id: u32) -> Result<f64, OmcpError>;

    /// Who asks, with what query.
    #[get("/whoami")]
    async fn whoami(&self, request: Request) -> Result<String, OmcpError>;

    /// A measurement arrives.
    #[notify("/samples")]
    async fn sample(&self, body: Sample);

    /// A file by name (a `String` path parameter, percent-decoded).
    #[get("/files/{name}")]
    async fn file(&self, name: String) -> Result<String, OmcpError>;
}

#[derive(Default)]
struct Network {
    sensors: Mutex<HashMap<u32, Sensor>>,
    samples: Mutex<Vec<Sample>>,
}

impl SensorNet for Network {
    async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError> {
        let sensors = self.sensors.lock().unwrap();
        sensors.get(&id).cloned().ok_or_else(|| OmcpError::not_found(format!("no sensor {id}")))
    }

    async fn sensors(&self) -> Result<Vec<Sensor>, OmcpError> {
        let mut sensors: Vec<Sensor> = self.sensors.lock().unwrap().values().cloned().collect();
        sensors.sort_by_key(|sensor| sensor.id);
        Ok(sensors)
    }

    async fn count(&self) -> Result<usize, OmcpError> {
        Ok(self.sensors.lock().unwrap().len())
    }

    async fn create_sensor(&self, body: NewSensor) -> Result<Created, OmcpError> {
        if body.name.is_empty() {
            return Err(OmcpError::internal("a sensor needs a name"));
        }
        let mut sensors = self.sensors.lock().unwrap();
        let id = sensors.len() as u32 + 1;
        sensors.insert(id, Sensor { id, name: body.name });
        Ok(Created::at(format!("/sensors/{id}")))
    }

    async fn update_sensor(&self, id: u32, body: NewSensor) -> Result<(), OmcpError> {
        let mut sensors = self.sensors.lock().unwrap();
        let sensor = sensors.get_mut(&id).ok_or_else(|| OmcpError::not_found(format!("no sensor {id}")))?;
        sensor.name = body.name;
        Ok(())
    }

    async fn delete_sensor(&self, id: u32) -> Result<(), OmcpError> {
        self.sensors.lock().unwrap().remove(&id).map(drop).ok_or_else(|| OmcpError::forbidden("keep it"))
    }

    async fn whoami(&self, request: Request) -> Result<String, OmcpError> {
        Ok(format!("{} {}", request.source.as_deref().unwrap_or_default(), request.query().unwrap_or_default()))
    }

    async fn sample(&self, body: Sample) {
        self.samples.lock().unwrap().push(body);
    }

    async fn file(&self, name: String) -> Result<String, OmcpError> {
        Ok(name)
    }
}

fn request(method: Method, resource: &str) -> Request {
    Request::new(method, "sensornet", resource).source("test")
}

async fn answer(router: &impl Handler, request: Request) -> Response {
    router.handle(request).await
}

#[tokio::test]
async fn the_router_answers_every_status() {
    let router = Router::new(SensorNetServer::new(Network::default()));
    let json = |body: &str| request(Method::Post, "/sensors").body("application/json", body);

    // 201 and the location (completed with omcp://sensornet by the server that sends it).
    let created = answer(&router, json(r#"{"name":"t1"}"#)).await;
    assert_eq!((created.status, created.location.as_deref()), (StatusCode::Created, Some("/sensors/1")));
    // 200 with JSON.
    let sensor = answer(&router, request(Method::Get, "/sensors/1")).await;
    assert_eq!((sensor.status, sensor.content_type.as_deref()), (StatusCode::Ok, Some("application/json")));
    assert_eq!(sensor.decode_body::<Sensor>().unwrap(), Sensor { id: 1, name: "t1".into() });
    assert_eq!(answer(&router, request(Method::Get, "/sensors/count")).await.body, "1");
    assert_eq!(answer(&router, request(Method::Get, "/sensors")).await.body, r#"[{"id":1,"name":"t1"}]"#);
    // An empty 200.
    let renamed =
        answer(&router, request(Method::Put, "/sensors/1").body("application/json", r#"{"name":"t2"}"#)).await;
    assert_eq!((renamed.status, renamed.body.as_str()), (StatusCode::Ok, ""));
    assert_eq!(answer(&router, request(Method::Get, "/sensors/1")).await.body, r#"{"id":1,"name":"t2"}"#);
    assert_eq!(answer(&router, request(Method::Delete, "/sensors/1")).await.status, StatusCode::Ok);

    // The handler's errors with their status and message.
    let missing = answer(&router, request(Method::Get, "/sensors/7")).await;
    assert_eq!((missing.status, missing.error.as_deref()), (StatusCode::NotFound, Some("no sensor 7")));
    let forbidden = answer(&router, request(Method::Delete, "/sensors/7")).await;
    assert_eq!((forbidden.status, forbidden.error.as_deref()), (StatusCode::Forbidden, Some("keep it")));
    let failed = answer(&router, json(r#"{"name":""}"#)).await;
    assert_eq!(
        (failed.status, failed.error.as_deref()),
        (StatusCode::InternalServerError, Some("a sensor needs a name"))
    );

    // 400: a path parameter or a body that does not decode.
    let bad_id = answer(&router, request(Method::Get, "/sensors/three")).await;
    assert_eq!(bad_id.status, StatusCode::BadRequest);
    assert_eq!(bad_id.error.as_deref(), Some("invalid path parameter `id` `three`: invalid digit found in string"));
    let bad_body = answer(&router, json(r#"{"nom":"t1"}"#)).await;
    assert_eq!(bad_body.status, StatusCode::BadRequest);
    assert_eq!(bad_body.error.as_deref(), Some("invalid body: missing field `name` at line 1 column 12"));

    // 404 unknown path, 405 known path with another method, 501 declared but not implemented.
    let unknown = answer(&router, request(Method::Get, "/actuators/1")).await;
    assert_eq!((unknown.status, unknown.error.as_deref()), (StatusCode::NotFound, Some("no resource /actuators/1")));
    let not_allowed = answer(&router, request(Method::Post, "/sensors/1")).await;
    assert_eq!(not_allowed.status, StatusCode::MethodNotAllowed);
    assert_eq!(not_allowed.error.as_deref(), Some("POST is not allowed on /sensors/1; allowed: GET, PUT, DELETE"));
    let unimplemented = answer(&router, request(Method::Get, "/calibration/1")).await;
    assert_eq!(unimplemented.status, StatusCode::NotImplemented);
    assert_eq!(unimplemented.error.as_deref(), Some("GET /calibration/{id} is not implemented"));

    // The request itself, and percent-decoded string parameters.
    assert_eq!(answer(&router, request(Method::Get, "/whoami?verbose=1")).await.body, r#""test verbose=1""#);
    assert_eq!(answer(&router, request(Method::Get, "/files/a%20b%2Fc")).await.body, r#""a b/c""#);
}

#[tokio::test]
async fn notifications_run_the_route() {
    let network = std::sync::Arc::new(Network::default());
    let router = Router::new(SensorNetServer::from_arc(std::sync::Arc::clone(&network)));
    let sample = request(Method::Notify, "/samples").body("application/json", r#"{"sensor":1,"value":21.5}"#);
    assert_eq!(answer(&router, sample).await.status, StatusCode::Ok);
    assert_eq!(*network.samples.lock().unwrap(), [Sample { sensor: 1, value: 21.5 }]);
}

/// A module implemented by nobody: every route answers 501 (NOTIFY ignores).
struct Nothing;
impl SensorNet for Nothing {}

#[tokio::test]
async fn every_route_is_501_until_implemented() {
    let router = Router::new(SensorNetServer::new(Nothing));
    for (method, path) in [(Method::Get, "/sensors/1"), (Method::Post, "/sensors"), (Method::Delete, "/sensors/1")] {
        let body = if method == Method::Post { r#"{"name":"x"}"# } else { "" };
        let response = answer(&router, request(method, path).body("application/json", body)).await;
        assert_eq!(response.status, StatusCode::NotImplemented, "{method} {path}");
    }
    let notified =
        answer(&router, request(Method::Notify, "/samples").body("application/json", r#"{"sensor":1,"value":1}"#))
            .await;
    assert_eq!(notified.status, StatusCode::Ok);
}

#[test]
fn the_schema() {
    let schema = sensor_net_schema();
    assert_eq!(schema.name, "sensornet");
    assert_eq!(
        (schema.description.as_ref(), schema.long_description.as_ref()),
        ("Sensors of a network.", "Reads and changes the sensors of one network.")
    );
    let routes: Vec<String> = schema.routes.iter().map(|route| format!("{} {}", route.method, route.path)).collect();
    assert_eq!(
        routes,
        [
            "GET /sensors/{id}",
            "GET /sensors",
            "GET /sensors/count",
            "POST /sensors",
            "PUT /sensors/{id}",
            "DELETE /sensors/{id}",
            "GET /calibration/{id}",
            "GET /whoami",
            "NOTIFY /samples",
            "GET /files/{name}",
        ]
    );
    let sensor = schema.route(Method::Get, "/sensors/{id}").unwrap();
    assert_eq!((sensor.name.as_ref(), sensor.description.as_ref()), ("sensor", "Read one sensor."));
    assert_eq!(
        (sensor.params[0].name.as_ref(), sensor.params[0].description.as_ref()),
        ("id", "The sensor's identifier")
    );
    assert_eq!(sensor.success, Some(StatusCode::Ok));
    assert_eq!(schema.route(Method::Post, "/sensors").unwrap().success, Some(StatusCode::Created));
    assert_eq!(schema.route(Method::Notify, "/samples").unwrap().success, None);

    let document = schema.to_json();
    let module = &document["modules"][0];
    assert_eq!(module["queue"], "osiris.sensornet");
    let get = &module["routes"][0];
    assert_eq!(get["params"][0]["schema"]["type"], "integer");
    assert_eq!(get["response-schema"]["properties"]["name"]["description"], "What it is called.");
    let post = &module["routes"][3];
    assert_eq!(post["body-schema"]["required"], serde_json::json!(["name"]));
    assert_eq!(post["success"], 201);
    assert!(post.get("response-schema").is_none());
    assert_eq!(module["routes"][1]["response-schema"]["items"]["$ref"], "#/$defs/Sensor");
}
