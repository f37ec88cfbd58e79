#[omcp::module(crate = "omcp", name = "sensor net")]
pub trait SensorNet {}

#[omcp::module(crate = "omcp", name = "alerts.messagegroup")]
pub trait Alerts {}

fn main() {}
