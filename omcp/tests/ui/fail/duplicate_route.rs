use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/sensors/{id}")]
    async fn sensor(&self, id: u32) -> Result<u32, OmcpError>;
    #[get("/sensors/{name}/")]
    async fn by_name(&self, name: String) -> Result<u32, OmcpError>;
    #[put("/sensors/{id}")]
    #[get("/x")]
    async fn two(&self, id: u32) -> Result<(), OmcpError>;
}

fn main() {}
