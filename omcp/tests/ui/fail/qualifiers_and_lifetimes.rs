use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/a")]
    const async fn a(&self) -> Result<(), OmcpError>;
    #[get("/b")]
    async unsafe fn b(&self) -> Result<(), OmcpError>;
    #[get("/c")]
    async extern "C" fn c(&self) -> Result<(), OmcpError>;
    #[get("/d")]
    async fn d<'a>(&'a self) -> Result<(), OmcpError>;
    #[get("/e")]
    async fn e(&self) -> Result<(), OmcpError>
    where
        Self: Sized;
    #[post("/f")]
    async fn f(&self, body: impl serde::de::DeserializeOwned) -> Result<(), OmcpError>;
}

fn main() {}
