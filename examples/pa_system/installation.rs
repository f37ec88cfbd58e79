//! The simulated installation: which controllers, devices, zones, sources and IO contacts
//! exist, how they are addressed, and the state they start in.
//!
//! Addresses follow the specification's Director-VD1 address scheme,
//! `lo.<sysno>.<devtype>.<nr>[.<subnr>]`: `lo.64.pa.41.1` is the speaker amplifier on DAL 1
//! of DOM 64. Every controller (a DOM) has the same devices:
//!
//! | address | device |
//! |---|---|
//! | `lo.N.sc.0` | the controller itself |
//! | `lo.N.ds.1` – `ds.4` | the call station (DCS) on DAL 1–4 |
//! | `lo.N.pa.41.1` – `pa.44.1`, `pa.41.2` – `pa.44.2` | the speaker and output 2 amplifiers on DAL 1–4 |
//! | `lo.N.pr.41.1` – `pr.44.1`, `pr.41.2` – `pr.44.2` | the mic and input 2 pre-amplifiers on DAL 1–4 |
//! | `lo.N.pa.1.1` – `pa.4.1` | the amplifiers of channels 1–4 |
//! | `lo.N.lr.1.1` – `lr.4.6` | six line relays per channel |
//! | `lo.N.pr.1` – `pr.4` | the pre-amplifiers of the DOM's inputs |
//!
//! A DAL without a call station has no call station and no mic pre-amplifier installed, and
//! no DAL has an output 2: those devices are `NotInstalled`.
//!
//! Zones are named sets of outputs; a call may also name an output as a zone. Outputs are
//! `lo.N.ao.1–6, 9–14, 17–22, 25–30` (the lines of channels 1–4, each fed by its channel's
//! amplifier), `ao.41–48` (the DAL outputs, fed by the DAL amplifiers) and `ao.51–58` (the
//! DOM's contacts). Sources are recorded texts by name (finite), the signal slots
//! `lo.N.ai.31.0.1–27` (1–3 are chimes, finite; the others generated signals, endless) and
//! the audio inputs `lo.N.ai.1–4` and `ai.41–48` (endless). IO contacts are `lo.N.io.1–8`
//! (the DOM's) and `lo.N.io.<dal>.1–48` (the buttons of the call station on that DAL).

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The main status of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Status {
    /// A controller that is reachable and has no errors in its sub-devices.
    Online,
    /// A controller that is not reachable.
    Offline,
    /// A sub-device that works (possibly with a warning in its sub-status).
    Ok,
    /// A controller with errors in its sub-devices, or a sub-device with a serious problem.
    Error,
    /// A sub-device disabled by the controller's configuration.
    NotInstalled,
}

/// Why a device is in error, or a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SubStatus {
    AmplificationLow,
    AmplificationHigh,
    ValueLow,
    ValueHigh,
    NoSetpoint,
    NotInstalled,
    MicDefect,
    ImpedanceHigh,
    ImpedanceLow,
    DistortionHigh,
}

/// The status of one device, as `vdevice-status` and `vdevice-status-changed` carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct DeviceStatus {
    /// Address of the controller or sub-device.
    pub device_id: String,
    /// Main status: Online, Offline, Error, Ok or NotInstalled.
    pub status: Status,
    /// Reason for status Error, or a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_status: Option<SubStatus>,
}

impl DeviceStatus {
    pub fn new(device_id: impl Into<String>, status: Status, sub_status: Option<SubStatus>) -> DeviceStatus {
        DeviceStatus { device_id: device_id.into(), status, sub_status }
    }
}

/// An address taken apart: `lo.64.pa.41.1` is controller 64, type `pa`, numbers `[41, 1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address<'a> {
    pub sysno: u16,
    pub devtype: &'a str,
    pub numbers: Vec<u16>,
}

impl Address<'_> {
    /// Reads `lo.<sysno>.<devtype>.<nr>[.<subnr>…]`.
    pub fn parse(address: &str) -> Option<Address<'_>> {
        let mut parts = address.split('.');
        if parts.next()? != "lo" {
            return None;
        }
        let sysno = parts.next()?.parse().ok()?;
        let devtype = parts.next()?;
        let numbers: Vec<u16> = parts.map(|part| part.parse().ok()).collect::<Option<_>>()?;
        (!numbers.is_empty()).then_some(Address { sysno, devtype, numbers })
    }
}

/// How long a source plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Finite(Duration),
    /// Audio inputs and generated signals play until the call is stopped.
    Endless,
}

/// One controller (DOM).
#[derive(Debug, Clone)]
pub struct Controller {
    pub nr: u16,
    pub name: &'static str,
    /// The DALs with a call station.
    pub call_stations: Vec<u16>,
}

/// What exists, and the state it starts in.
#[derive(Debug, Clone)]
pub struct Installation {
    pub controllers: Vec<Controller>,
    /// Zone name → the outputs it is made of.
    pub zones: BTreeMap<String, Vec<String>>,
    /// Recorded texts by name.
    pub recordings: BTreeMap<String, Duration>,
    /// Devices that do not start `Ok` (controllers: only `Offline` counts).
    pub initial_faults: Vec<DeviceStatus>,
    /// IO contacts that start closed.
    pub initial_contacts_on: Vec<String>,
}

impl Installation {
    /// A small site: an office building, its entrance hall, a car park, a warehouse and
    /// its yard. DOM 64's amplifiers run low and one of its call stations is broken (as in
    /// the specification's `vdevice-status` example), the warehouse controller is not
    /// reachable, and buttons 4, 9 and 12 of the call station on DAL 1 of DOM 1 are pressed
    /// (the specification's `io-get` example).
    pub fn demo() -> Installation {
        let controllers = vec![
            Controller { nr: 1, name: "Main building", call_stations: vec![1, 2] },
            Controller { nr: 2, name: "Entrance hall", call_stations: vec![1] },
            Controller { nr: 64, name: "Car park", call_stations: vec![1, 2] },
            Controller { nr: 200, name: "Warehouse", call_stations: vec![1] },
            Controller { nr: 201, name: "Yard", call_stations: vec![] },
        ];
        let zones = [
            ("Floor 1", 1, &[1][..]),
            ("Floor 2", 1, &[2]),
            ("Floor 3", 1, &[3]),
            ("Floor 4", 1, &[4]),
            ("Lobby", 2, &[1]),
            ("Staircase", 2, &[2]),
            ("Cafeteria", 2, &[3]),
            ("Parking", 64, &[1, 2]),
            ("Warehouse", 200, &[1, 2]),
            ("Yard", 201, &[1]),
        ];
        let zones = zones
            .into_iter()
            .map(|(name, dom, channels)| {
                let lines = channels.iter().flat_map(|channel| channel_lines(*channel).map(move |nr| (dom, nr)));
                (name.to_owned(), lines.map(|(dom, nr)| format!("lo.{dom}.ao.{nr}")).collect())
            })
            .collect();
        let recordings = [("Gong", 3), ("EvacuationText", 30), ("AllClear", 12)]
            .into_iter()
            .map(|(name, seconds)| (name.to_owned(), Duration::from_secs(seconds)))
            .collect();
        let mut initial_faults: Vec<DeviceStatus> = (1..=4)
            .map(|channel| {
                DeviceStatus::new(format!("lo.64.pa.{channel}.1"), Status::Ok, Some(SubStatus::AmplificationLow))
            })
            .collect();
        initial_faults.push(DeviceStatus::new("lo.64.ds.2", Status::Error, None));
        initial_faults.push(DeviceStatus::new("lo.200.sc.0", Status::Offline, None));
        let initial_contacts_on = [4, 9, 12].iter().map(|button| format!("lo.1.io.1.{button}")).collect();
        Installation { controllers, zones, recordings, initial_faults, initial_contacts_on }
    }

    pub fn controller(&self, nr: u16) -> Option<&Controller> {
        self.controllers.iter().find(|controller| controller.nr == nr)
    }

    /// Every device with its initial status, controller by controller, each controller
    /// first. Controllers start `Online` (the simulation works out `Error` from their
    /// sub-devices) unless they start `Offline`.
    pub fn devices(&self) -> Vec<DeviceStatus> {
        let mut devices = Vec::new();
        for controller in &self.controllers {
            let dom = controller.nr;
            let has_station = |dal: &u16| controller.call_stations.contains(dal);
            let mut add = |address: String, installed: bool| {
                let status = if installed { Status::Ok } else { Status::NotInstalled };
                devices.push(DeviceStatus::new(address, status, None));
            };
            add(format!("lo.{dom}.sc.0"), true);
            for dal in 1..=4 {
                add(format!("lo.{dom}.ds.{dal}"), has_station(&dal));
            }
            for output in 1..=2 {
                for dal in 1..=4 {
                    add(format!("lo.{dom}.pa.{}.{output}", 40 + dal), output == 1);
                }
            }
            for input in 1..=2 {
                for dal in 1..=4 {
                    add(format!("lo.{dom}.pr.{}.{input}", 40 + dal), input == 1 && has_station(&dal));
                }
            }
            for channel in 1..=4 {
                add(format!("lo.{dom}.pa.{channel}.1"), true);
            }
            for channel in 1..=4 {
                for line in 1..=6 {
                    add(format!("lo.{dom}.lr.{channel}.{line}"), true);
                }
            }
            for input in 1..=4 {
                add(format!("lo.{dom}.pr.{input}"), true);
            }
        }
        for fault in &self.initial_faults {
            if let Some(device) = devices.iter_mut().find(|device| device.device_id == fault.device_id) {
                *device = fault.clone();
            }
        }
        devices
    }

    /// Every IO contact with its initial state.
    pub fn contacts(&self) -> BTreeMap<String, bool> {
        let mut contacts = BTreeMap::new();
        for controller in &self.controllers {
            let dom = controller.nr;
            contacts.extend((1..=8).map(|nr| (format!("lo.{dom}.io.{nr}"), false)));
            for dal in &controller.call_stations {
                contacts.extend((1..=48).map(|button| (format!("lo.{dom}.io.{dal}.{button}"), false)));
            }
        }
        for contact in &self.initial_contacts_on {
            contacts.insert(contact.clone(), true);
        }
        contacts
    }

    /// The outputs of a zone: a zone's name, or an output's address.
    pub fn outputs_of(&self, zone: &str) -> Option<Vec<String>> {
        if let Some(outputs) = self.zones.get(zone) {
            return Some(outputs.clone());
        }
        let address = Address::parse(zone)?;
        let exists = address.devtype == "ao"
            && self.controller(address.sysno).is_some()
            && matches!(address.numbers[..], [nr] if is_line(nr) || (41..=48).contains(&nr) || (51..=58).contains(&nr));
        exists.then(|| vec![zone.to_owned()])
    }

    /// How long a source plays, if it exists.
    pub fn source(&self, source: &str) -> Option<Length> {
        if let Some(duration) = self.recordings.get(source) {
            return Some(Length::Finite(*duration));
        }
        let address = Address::parse(source)?;
        if address.devtype != "ai" || self.controller(address.sysno).is_none() {
            return None;
        }
        match address.numbers[..] {
            [31, 0, chime @ 1..=3] => Some(Length::Finite(Duration::from_secs(u64::from(chime) + 1))),
            [31, 0, 4..=27] | [1..=4] | [41..=48] => Some(Length::Endless),
            _ => None,
        }
    }

    /// The amplifier that feeds an output (`None` for a contact, which needs none).
    pub fn amplifier_of(output: &str) -> Option<String> {
        let address = Address::parse(output)?;
        let dom = address.sysno;
        match address.numbers[..] {
            [nr] if is_line(nr) => Some(format!("lo.{dom}.pa.{}.1", (nr - 1) / 8 + 1)),
            [nr @ 41..=48] => Some(format!("lo.{dom}.pa.{}.{}", 41 + (nr - 41) / 2, (nr - 41) % 2 + 1)),
            _ => None,
        }
    }
}

/// The outputs of a channel's six lines: channel 1 is `ao.1–6`, channel 2 `ao.9–14`, …
fn channel_lines(channel: u16) -> impl Iterator<Item = u16> {
    let first = (channel - 1) * 8 + 1;
    first..first + 6
}

fn is_line(nr: u16) -> bool {
    (1..=30).contains(&nr) && (nr - 1) % 8 < 6
}
