use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Logs {
    async fn log_stream(&self, logger: &str) -> Result<(), CommandError>;
}

fn main() {}
