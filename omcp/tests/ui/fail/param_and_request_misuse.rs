use omcp::{OmcpError, Request};

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/a/{id}")]
    #[param(doc = "on the method")]
    async fn a(&self, id: u32) -> Result<(), OmcpError>;
    #[get("/b/{id}")]
    async fn b(&self, #[get("/x")] id: u32) -> Result<(), OmcpError>;
    #[get("/c/{id}")]
    async fn c(&self, #[param(doc = "one")] #[param(doc = "two")] id: u32) -> Result<(), OmcpError>;
    #[post("/d")]
    async fn d(&self, #[param(doc = "the body")] body: String) -> Result<(), OmcpError>;
    #[get("/e")]
    async fn e(&self, #[param(doc = "the request")] request: Request) -> Result<(), OmcpError>;
    #[get("/f")]
    async fn f(&self, first: Request, second: Request) -> Result<(), OmcpError>;
    #[get("/g")]
    async fn g(&self, request: &Request) -> Result<(), OmcpError>;
    #[get("/h/{id}")]
    async fn h(&self, #[param(summary = "?")] id: u32) -> Result<(), OmcpError>;
}

fn main() {}
