//! A private set whose program uses only part of the generated API: nothing generated may
//! be reported as dead code.
#![deny(warnings)]

use osmp_runtime::instruction::{CommandError, InstructionSet};

/// Liveness checks.
#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
trait Ping {
    /// Answers pong.
    async fn ping(&self) -> Result<(), CommandError>;

    /// Sent now and then.
    #[event]
    fn tick(count: u64);
}

struct Pinger;

impl Ping for Pinger {
    async fn ping(&self) -> Result<(), CommandError> {
        Ok(())
    }
}

fn main() {
    let server = PingServer::new(Pinger);
    assert_eq!(server.schema().name, "ping");
    assert_eq!(server.schema().commands[0].name, "ping");
}
