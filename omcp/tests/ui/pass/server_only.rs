//! `client = false`: types that only serialize, a private module trait, no client.

use omcp::OmcpError;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
struct Reading {
    celsius: f64,
}

#[omcp::module(crate = "omcp", client = false)]
trait Thermometer {
    #[get("/reading")]
    async fn reading(&self) -> Result<Reading, OmcpError>;
}

struct Probe;

impl Thermometer for Probe {
    async fn reading(&self) -> Result<Reading, OmcpError> {
        Ok(Reading { celsius: 21.5 })
    }
}

fn main() {
    assert_eq!(thermometer_schema().name, "thermometer");
    let _server = ThermometerServer::new(Probe);
}
