use omcp::OmcpError;

#[omcp::module(crate = "omcp")]
pub trait SensorNet {
    #[get("/sensors/{id}")]
    async fn sensor(&self, sensor_id: u32) -> Result<u32, OmcpError>;
    #[post("/sensors")]
    async fn create(&self, name: String, place: String) -> Result<(), OmcpError>;
    #[put("/sensors/{id}")]
    async fn rename(&self, id: u32, #[param(name = "sensor")] name: String) -> Result<(), OmcpError>;
}

fn main() {}
