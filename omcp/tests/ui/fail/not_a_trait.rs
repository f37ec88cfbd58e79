#[omcp::module(crate = "omcp")]
pub struct SensorNet;

fn main() {}
