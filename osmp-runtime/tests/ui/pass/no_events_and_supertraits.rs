//! A set without events (no emitter is generated), with supertraits of its own and the
//! set's default version; `#[command]` is optional.
#![deny(warnings, missing_docs)]

use osmp_runtime::instruction::{CommandError, InstructionSet, Outcome};

/// Something with a name.
pub trait Named {
    /// The name.
    fn name(&self) -> String;
}

/// Device information.
#[osmp_runtime::instruction_set(name = "device-info", version = 3, crate = "osmp_runtime")]
pub trait DeviceInfo: Named {
    /// The device's name.
    async fn device_name(&self) -> Result<Outcome, CommandError>;
}

struct Amplifier;

impl Named for Amplifier {
    fn name(&self) -> String {
        "amp-1".into()
    }
}

impl DeviceInfo for Amplifier {
    async fn device_name(&self) -> Result<Outcome, CommandError> {
        Ok(Outcome::text(self.name()))
    }
}

fn main() {
    let server = DeviceInfoServer::new(Amplifier);
    let command = &server.schema().commands[0];
    assert_eq!((command.name.as_ref(), command.version), ("device-name", 3));
    assert_eq!(device_info_schema().name, "device-info");
}
