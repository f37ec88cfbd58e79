#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    #[event]
    fn vcall_status_changed(&self, call_id: String);
}

fn main() {}
