//! A parameter struct without any derive: one error per missing derive, at the type.

use osmp_runtime::instruction::CommandError;

pub struct NewCall {
    pub id: String,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_create(&self, #[flatten] call: NewCall) -> Result<(), CommandError>;
}

fn main() {}
