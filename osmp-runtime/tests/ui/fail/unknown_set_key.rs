use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime", verison = 2)]
pub trait Calls {
    async fn vcall_create(&self) -> Result<(), CommandError>;
}

fn main() {}
