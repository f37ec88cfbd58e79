pub struct DeviceError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_play(&self) -> Result<(), DeviceError>;
}

fn main() {}
