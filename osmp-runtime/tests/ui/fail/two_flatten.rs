use osmp_runtime::instruction::CommandError;

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Call {
    pub id: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct Zones {
    pub zones: Vec<String>,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_create(&self, #[flatten] call: Call, #[flatten] zones: Zones) -> Result<(), CommandError>;
}

fn main() {}
