use omcp::OmcpError;
use schemars::JsonSchema;

#[derive(JsonSchema)]
pub struct Point {
    x: u8,
}

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/points/{point}")]
    async fn point(&self, point: Point) -> Result<(), OmcpError>;
}

fn main() {}
