use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("sensors/{id}")]
    async fn sensor(&self, id: u32) -> Result<u32, OmcpError>;
    #[get("/sensors/{id}x")]
    async fn other(&self, id: u32) -> Result<u32, OmcpError>;
    #[get(path = "/sensors")]
    async fn sensors(&self) -> Result<u32, OmcpError>;
    #[get("/sensors//samples")]
    async fn samples(&self) -> Result<u32, OmcpError>;
    #[get("/sensors/{1d}")]
    async fn numbered(&self) -> Result<u32, OmcpError>;
    #[get("/sensors/{id}/samples/{id}")]
    async fn twice(&self, id: u32) -> Result<u32, OmcpError>;
}

fn main() {}
