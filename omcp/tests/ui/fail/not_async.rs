use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/sensors")]
    fn sensors(&self) -> Result<u32, OmcpError>;
}

fn main() {}
