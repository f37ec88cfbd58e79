use osmp_runtime::instruction::CommandError;

#[derive(schemars::JsonSchema)]
pub struct Zone {
    pub name: String,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_zone(&self, zone: Zone) -> Result<(), CommandError>;
}

fn main() {}
