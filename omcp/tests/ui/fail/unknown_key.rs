#[omcp::module(crate = "omcp", nmae = "sensornet", client = "no")]
pub trait SensorNet {}

fn main() {}
