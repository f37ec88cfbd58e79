use osmp_runtime::instruction::{CommandContext, CommandError, Outcome};

#[derive(serde::Serialize)]
pub struct LogEntry {
    pub line: String,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Logs {
    #[command(stream = LogEntry)]
    async fn log_stream(&self, cx: CommandContext) -> Result<Outcome, CommandError>;
}

fn main() {}
