use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_stop(&self) -> Result<(), CommandError>;

    #[command(alias = "vcall-stop")]
    async fn vcall_delete(&self) -> Result<(), CommandError>;
}

fn main() {}
