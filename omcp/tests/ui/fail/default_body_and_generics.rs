use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet<T> {
    #[get("/a")]
    async fn a(&self) -> Result<(), OmcpError> {
        Ok(())
    }
    #[get("/b/{id}")]
    async fn b<I>(&self, id: I) -> Result<(), OmcpError>;
    #[post("/c")]
    async fn c(&self, body: &str, #[param] (x, y): (u8, u8)) -> Result<(), OmcpError>;
    const X: u8;
}

fn main() {}
