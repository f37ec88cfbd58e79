use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    async fn sensor(&self, id: u32) -> Result<u32, OmcpError>;
}

fn main() {}
