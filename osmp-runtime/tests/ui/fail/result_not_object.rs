//! A command's result is the response's `data`, a JSON object: results that are plainly
//! something else are refused, with what to write instead.

use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Names {
    async fn names(&self) -> Result<Vec<String>, CommandError>;
    async fn title(&self) -> Result<String, CommandError>;
    async fn count(&self) -> Result<Option<u32>, CommandError>;
    async fn pair(&self) -> Result<(u8, u8), CommandError>;
    async fn ready(&self) -> Result<bool, CommandError>;
}

fn main() {}
