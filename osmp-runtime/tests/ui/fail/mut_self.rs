use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_clear(&mut self) -> Result<(), CommandError>;

    async fn vcall_take(self) -> Result<(), CommandError>;
}

fn main() {}
