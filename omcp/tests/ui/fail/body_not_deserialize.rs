use omcp::{Created, OmcpError};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Serialize, JsonSchema)]
pub struct NewSensor {
    name: String,
}

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[post("/sensors")]
    async fn create(&self, body: NewSensor) -> Result<Created, OmcpError>;
}

fn main() {}
