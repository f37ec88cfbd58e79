use osmp_runtime::instruction::{CommandContext, CommandError, Outcome};

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Logs {
    async fn log_stream(&self, cx: &CommandContext, logger: String) -> Result<Outcome, CommandError>;
}

fn main() {}
