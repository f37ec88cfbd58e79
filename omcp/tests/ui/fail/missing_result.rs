#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/sensors")]
    async fn sensors(&self);
    #[get("/count")]
    async fn count(&self) -> u32;
}

fn main() {}
