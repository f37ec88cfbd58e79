use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls<Id> {
    async fn vcall_play(&self, call_id: String) -> Result<(), CommandError>;
}

fn main() {}
