use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_play(&self) -> Result<(), CommandError>;

    #[command(name = "vcall-play")]
    async fn play_again(&self) -> Result<(), CommandError>;
}

fn main() {}
