use osmp_runtime::instruction::CommandError;

#[derive(schemars::JsonSchema)]
pub struct Call {
    pub id: String,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_get(&self) -> Result<Call, CommandError>;
}

fn main() {}
