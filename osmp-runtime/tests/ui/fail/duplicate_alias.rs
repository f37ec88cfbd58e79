use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    #[command(alias = "start")]
    async fn vcall_play(&self) -> Result<(), CommandError>;

    #[command(alias = "start")]
    async fn vcall_resume(&self) -> Result<(), CommandError>;
}

fn main() {}
