use osmp_runtime::instruction::CommandError;

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Call {
    pub id: String,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_create(&self, #[flatten] call: Call, priority: u8) -> Result<(), CommandError>;
}

fn main() {}
