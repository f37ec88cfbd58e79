#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub struct Calls {
    pub count: u32,
}

fn main() {}
