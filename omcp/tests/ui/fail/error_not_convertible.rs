#[derive(Debug)]
pub struct MyError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/sensors")]
    async fn sensors(&self) -> Result<u32, MyError>;
}

fn main() {}
