use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    #[command(name = "vcall_Create")]
    async fn vcall_create(&self) -> Result<(), CommandError>;
}

fn main() {}
