use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/sensors/{id}/samples/{sample}")]
    async fn sample(&self, id: u32) -> Result<u32, OmcpError>;
}

fn main() {}
