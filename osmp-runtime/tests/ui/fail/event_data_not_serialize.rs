#[derive(schemars::JsonSchema)]
pub struct CallStatus {
    pub status: String,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    #[event]
    fn vcall_status_changed(#[flatten] status: CallStatus);

    #[event]
    fn vcall_moved(call_id: String, to: CallStatus);
}

fn main() {}
