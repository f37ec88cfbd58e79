use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    fn vcall_list(&self) -> Result<(), CommandError>;
}

fn main() {}
