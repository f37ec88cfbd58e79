use osmp_runtime::instruction::{CommandContext, CommandError};

#[osmp_runtime::instruction_set(crate = "osmp_runtime", name = "Calls")]
pub trait Calls {
    #[command(alias = "list", colour = "red")]
    fn vcall_list(&self) -> Result<(), CommandError>;

    #[command(name = "list")]
    async fn vcall_all(&mut self, cx: &CommandContext);

    #[event]
    fn vcall_changed(&self) -> u8;
}

fn main() {}
