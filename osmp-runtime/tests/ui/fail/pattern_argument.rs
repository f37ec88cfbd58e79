use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_move(&self, (from, to): (String, String)) -> Result<(), CommandError>;
}

fn main() {}
