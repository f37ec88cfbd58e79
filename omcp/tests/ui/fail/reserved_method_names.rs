use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/new")]
    async fn new(&self) -> Result<(), OmcpError>;
    #[get("/module")]
    async fn module(&self) -> Result<(), OmcpError>;
}

fn main() {}
