use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Clashes {
    /// Uses a name the generated client needs.
    async fn new(&self) -> Result<(), CommandError>;

    /// Fine on its own…
    async fn play(&self) -> Result<(), CommandError>;

    /// …but the client generates `start_play` for `play`.
    async fn start_play(&self) -> Result<(), CommandError>;
}

fn main() {}
