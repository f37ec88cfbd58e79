use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/a")]
    async fn a(&mut self) -> Result<(), OmcpError>;
    #[get("/b")]
    async fn b() -> Result<(), OmcpError>;
    #[get("/c")]
    async fn c(self) -> Result<(), OmcpError>;
}

fn main() {}
