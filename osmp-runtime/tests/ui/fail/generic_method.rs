use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_create<T: serde::de::DeserializeOwned>(&self, call: T) -> Result<(), CommandError>;
}

fn main() {}
