//! Misspelled helper attributes and keys get a "did you mean".

use osmp_runtime::instruction::CommandError;

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    #[commmand(alias = "vcc")]
    async fn vcall_create(&self) -> Result<(), CommandError>;

    #[command(alais = "vcp")]
    async fn vcall_play(&self, #[parma(doc = "The call")] call_id: String) -> Result<(), CommandError>;

    #[evnet]
    fn vcall_changed(call_id: String);
}

fn main() {}
