#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Calls {
    async fn vcall_list(&self);

    async fn vcall_count(&self) -> u32;
}

fn main() {}
