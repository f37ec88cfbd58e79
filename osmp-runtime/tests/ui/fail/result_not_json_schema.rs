//! A result type without `JsonSchema` is one error at the type, naming the derive.

use osmp_runtime::instruction::CommandError;

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub id: String,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_get(&self, id: String) -> Result<Call, CommandError>;
}

fn main() {}
