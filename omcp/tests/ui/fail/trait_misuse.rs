use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub unsafe trait Capteurs
where
    Self: Sized,
{
    #[get("/a")]
    async fn a(&self) -> Result<(), OmcpError>;
}

#[omcp::module(crate = "omcp")]
pub trait Température {
    #[get("/a")]
    async fn a(&self) -> Result<(), OmcpError>;
}

fn main() {}
