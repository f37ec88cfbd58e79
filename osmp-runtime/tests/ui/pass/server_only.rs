//! `client = false`: a set whose types only serialize (no typed client, so no `Deserialize`).

use osmp_runtime::instruction::CommandError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Serialize, JsonSchema)]
pub struct Reading {
    pub celsius: f64,
}

#[derive(Deserialize, JsonSchema)]
pub struct Probe {
    pub id: u32,
}

/// Thermometers.
#[osmp_runtime::instruction_set(name = "thermo", crate = "osmp_runtime", client = false)]
pub trait Thermo {
    /// Reads a probe.
    async fn read(&self, #[flatten] probe: Probe) -> Result<Reading, CommandError>;

    /// A new reading.
    #[event]
    fn measured(#[flatten] reading: Reading);
}

struct Probes;

impl Thermo for Probes {
    async fn read(&self, probe: Probe) -> Result<Reading, CommandError> {
        Ok(Reading { celsius: f64::from(probe.id) })
    }
}

fn main() {
    let _server = ThermoServer::new(Probes);
    assert_eq!(thermo_schema().events[0].name, "measured");
}
