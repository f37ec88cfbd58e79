use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[notify("/samples")]
    async fn sample(&self, body: String) -> Result<u32, OmcpError>;
    #[notify("/other")]
    async fn other(&self, body: String) -> u32;
}

fn main() {}
