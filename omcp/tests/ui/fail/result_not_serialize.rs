use omcp::OmcpError;
use schemars::JsonSchema;

#[derive(JsonSchema)]
pub struct Sensor {
    id: u32,
}

#[omcp::module(crate = "omcp", client = false)]
pub trait SensorNet {
    #[get("/sensors/{id}")]
    async fn sensor(&self, id: u32) -> Result<Sensor, OmcpError>;
}

fn main() {}
