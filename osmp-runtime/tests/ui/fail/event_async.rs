#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    #[event]
    async fn vcall_status_changed(call_id: String);
}

fn main() {}
