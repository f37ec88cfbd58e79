//! The living system: device statuses, IO contacts and calls, the clock that plays the
//! calls, the faults that come and go, and the events that report all of it.
//!
//! [`PaSystem`] keeps everything in one [`State`] behind one lock. Every change goes
//! through [`PaSystem::update`]: it lets the calls play up to the present, applies the
//! change, hands the outputs out again and emits what changed — `vcall-status-changed` to
//! every subscribed session, `vdevice-status-changed` to each subscribed session through
//! that session's own filter (`vdevice-status-filter`). Events are emitted under the lock,
//! so every session sees the changes in the order they happened.
//!
//! [`PaSystem::run`] is the clock. It sleeps until a source comes to its end or a random
//! device change is due, or until a command changed the plan, and updates. The random
//! changes come from a seeded generator: half of them repair a device in trouble, the other
//! half break one that works (an amplifier running low or distorting, a line without
//! setpoint or shorted, a broken microphone) or, one time in ten, take a controller off the
//! network or bring it back. A controller with a sub-device in `Error` is in `Error`
//! itself; an amplifier in `Error`, or a controller `Offline`, takes its outputs off the
//! air, which the calls playing there notice.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use osmp::instruction::ErrorKind;
use osmp::prelude::*;
use osmp::session::SessionId;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::calls::{CallDefinition, Calls};
use super::installation::{Address, DeviceStatus, Installation, Length, Status, SubStatus};
use super::logging::{DEVICES, DIRECTOR};
use super::vd1::{CallStatusChanged, DeviceFilter, DeviceStatusChanged, Empty, Vd1Events};

/// How the simulation behaves.
#[derive(Debug, Clone)]
pub struct SimulationConfig {
    /// Seed of the random device changes: the same seed, the same changes.
    pub seed: u64,
    /// How often a random device changes its status; `None`: statuses change only when told.
    pub device_changes: Option<Duration>,
    /// Simulated seconds per real second: at 10, a 30 s text plays in 3 s.
    pub time_scale: f64,
    /// Calls kept at most: a new one replaces the oldest that is not playing, and when all
    /// play, creating one more fails (a client cannot grow the simulator without end).
    pub max_calls: usize,
}

impl Default for SimulationConfig {
    fn default() -> SimulationConfig {
        SimulationConfig { seed: 1, device_changes: Some(Duration::from_secs(10)), time_scale: 1.0, max_calls: 1000 }
    }
}

/// What went wrong, in the words the specification uses where it has any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaError {
    NoSuchCall(String),
    NoSuchZone(String),
    NoSuchSource(String),
    NoSuchDevice(String),
    NothingToPlay(String),
    NotAnIoContact(String),
    UnsupportedSystem(String),
    TooManyCalls(usize),
}

impl std::fmt::Display for PaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaError::NoSuchCall(call) => write!(f, "No such call: {call}"),
            PaError::NoSuchZone(zone) => write!(f, "No such zone: {zone}"),
            PaError::NoSuchSource(source) => write!(f, "No such source: {source}"),
            PaError::NoSuchDevice(device) => write!(f, "No such device: {device}"),
            PaError::NothingToPlay(call) => write!(f, "Call {call} has no sources or no zones to play to"),
            PaError::NotAnIoContact(address) => write!(f, "Not an IO contact address: {address}"),
            PaError::UnsupportedSystem(system) => write!(f, "System '{system}' is not simulated (use vd1 or auto)"),
            PaError::TooManyCalls(limit) => {
                write!(f, "Too many calls (limit {limit}), all of them playing: stop or remove one first")
            }
        }
    }
}

/// Domain errors answer `ERROR` with the text as `result` and, as the specification's
/// `vcall-play` example shows, an empty `data` object.
impl From<PaError> for CommandError {
    fn from(error: PaError) -> CommandError {
        let kind = match error {
            PaError::NotAnIoContact(_) | PaError::UnsupportedSystem(_) => ErrorKind::InvalidParams,
            PaError::NothingToPlay(_) => ErrorKind::Failed,
            _ => ErrorKind::NotFound,
        };
        CommandError::with_kind(kind, error.to_string()).with_data(&Empty {})
    }
}

/// The simulated public-address system, shared by the instruction sets and the clock.
pub struct PaSystem {
    config: SimulationConfig,
    state: Mutex<State>,
    /// Tells the clock that the plan changed.
    wake: Notify,
}

/// Everything that changes.
pub struct State {
    pub installation: Installation,
    pub devices: Devices,
    pub contacts: BTreeMap<String, bool>,
    pub calls: Calls,
    /// The sessions that subscribed device status changes or set a filter, with their filters.
    watchers: HashMap<SessionId, (Session, DeviceFilter)>,
    time_scale: f64,
    random: Random,
}

impl PaSystem {
    pub fn new(installation: Installation, config: SimulationConfig) -> Arc<PaSystem> {
        let state = State {
            devices: Devices::new(installation.devices()),
            contacts: installation.contacts(),
            installation,
            calls: Calls::new(Instant::now(), config.max_calls),
            watchers: HashMap::new(),
            time_scale: config.time_scale,
            random: Random(config.seed),
        };
        for controller in &state.installation.controllers {
            tracing::info!(target: DIRECTOR, "DOM {} ({}) installed", controller.nr, controller.name);
        }
        Arc::new(PaSystem { config, state: Mutex::new(state), wake: Notify::new() })
    }

    /// The state as it is, for reading.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the system (or just looks at it at the present time) and emits what changed.
    pub fn update<R>(&self, bus: &EventBus, change: impl FnOnce(&mut State) -> R) -> R {
        let result = self.update_quietly(bus, change);
        self.wake.notify_one();
        result
    }

    /// [`update`](PaSystem::update) without waking the clock (which is what calls this).
    fn update_quietly<R>(&self, bus: &EventBus, change: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.lock();
        let state = &mut *guard;
        state.calls.advance(Instant::now(), &|output| state.devices.available(output));
        let result = change(state);
        state.calls.arbitrate(&|output| state.devices.available(output));
        state.publish(bus);
        result
    }

    /// The clock: runs until the task is aborted.
    pub async fn run(self: Arc<Self>, bus: EventBus) {
        let every = self.config.device_changes;
        let mut next_change = every.map(|every| Instant::now() + every);
        loop {
            let next_end = self.update_quietly(&bus, |state| state.calls.next_end());
            let wake_at = next_end.into_iter().chain(next_change).min();
            tokio::select! {
                () = sleep_until(wake_at) => {}
                () = self.wake.notified() => {}
            }
            if let (Some(due), Some(every)) = (next_change, every) {
                if Instant::now() >= due {
                    self.update_quietly(&bus, State::random_device_change);
                    next_change = Some(Instant::now() + every);
                }
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl State {
    /// Creates or redefines a call, and starts it if asked to. Its zones and sources must
    /// exist; if anything is wrong, nothing changes. A playing call left with nothing to play
    /// (its sources or zones edited to empty lists) stops.
    pub fn define_call(&mut self, definition: CallDefinition, start: bool) -> Result<(), PaError> {
        let mut outputs: Vec<String> = Vec::new();
        for zone in &definition.zones {
            let zone_outputs = self.installation.outputs_of(zone).ok_or_else(|| PaError::NoSuchZone(zone.clone()))?;
            outputs.extend(zone_outputs.into_iter().filter(|output| !outputs.contains(output)).collect::<Vec<_>>());
        }
        let lengths = (definition.sources.iter())
            .map(|source| match self.installation.source(source) {
                Some(Length::Finite(length)) => Ok(Length::Finite(length.div_f64(self.time_scale))),
                Some(Length::Endless) => Ok(Length::Endless),
                None => Err(PaError::NoSuchSource(source.clone())),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let call_id = definition.call_id.clone();
        if start && (outputs.is_empty() || lengths.is_empty()) {
            return Err(PaError::NothingToPlay(call_id));
        }
        let playable = !(outputs.is_empty() || lengths.is_empty());
        self.calls.define(definition, outputs, lengths)?;
        match (start, playable) {
            (true, _) => self.calls.start(&call_id),
            (false, false) => self.calls.stop(&call_id),
            (false, true) => {}
        }
        Ok(())
    }

    /// The calls a `call-id` parameter names: `*` for all of them.
    pub fn calls_named(&self, call_id: &str) -> Result<Vec<String>, PaError> {
        if call_id == "*" {
            return Ok(self.calls.iter().map(|call| call.definition.call_id.clone()).collect());
        }
        match self.calls.get(call_id) {
            Some(_) => Ok(vec![call_id.to_owned()]),
            None => Err(PaError::NoSuchCall(call_id.to_owned())),
        }
    }

    /// Starts a call; it must have something to play and somewhere to play it.
    pub fn start_call(&mut self, call_id: &str) -> Result<(), PaError> {
        let call = self.calls.get(call_id).ok_or_else(|| PaError::NoSuchCall(call_id.to_owned()))?;
        if call.definition.sources.is_empty() || call.definition.zones.is_empty() {
            return Err(PaError::NothingToPlay(call_id.to_owned()));
        }
        self.calls.start(call_id);
        Ok(())
    }

    /// Applies device statuses: a controller's `Online` or `Offline` sets whether it is
    /// reachable (its `Error` follows from its sub-devices), a sub-device's status is taken
    /// as given.
    pub fn set_devices(&mut self, updates: &[DeviceStatus]) -> Result<(), PaError> {
        for update in updates {
            self.devices.set(update)?;
        }
        Ok(())
    }

    /// A random device change, as the clock makes them.
    fn random_device_change(&mut self) {
        let Some(change) = self.random.device_change(&self.devices) else { return };
        if let Err(error) = self.set_devices(&[change]) {
            tracing::error!(target: DEVICES, %error, "random device change failed");
        }
    }

    /// The state of an IO contact: `None` if it cannot be reached (its controller offline,
    /// its call station not installed).
    pub fn contact(&self, address: &str) -> Result<Option<bool>, PaError> {
        let contact = Address::parse(address)
            .filter(|contact| contact.devtype == "io" && matches!(contact.numbers.len(), 1 | 2))
            .ok_or_else(|| PaError::NotAnIoContact(address.to_owned()))?;
        if !self.devices.reachable(contact.sysno) {
            return Ok(None);
        }
        Ok(self.contacts.get(address).copied())
    }

    /// Switches an IO contact; returns its state as [`contact`](State::contact) does.
    pub fn set_contact(&mut self, address: &str, on: bool) -> Result<Option<bool>, PaError> {
        let Some(state) = self.contact(address)? else { return Ok(None) };
        if state != on {
            self.contacts.insert(address.to_owned(), on);
            tracing::info!(target: super::logging::IO, contact = address, on, "IO contact switched");
        }
        Ok(Some(on))
    }

    /// The device status filter of a session, made (with the default settings) when it has
    /// none yet.
    pub fn filter_of(&mut self, session: &Session) -> &mut DeviceFilter {
        self.watchers.retain(|_, (watcher, _)| !watcher.is_closed());
        let (_, filter) =
            self.watchers.entry(session.id()).or_insert_with(|| (session.clone(), DeviceFilter::default()));
        filter
    }

    /// Emits the changes made since the last time.
    fn publish(&mut self, bus: &EventBus) {
        let calls = Vd1Events::new(bus);
        for change in self.calls.take_changes() {
            let _ =
                calls.vcall_status_changed(CallStatusChanged::now(&change.call_id, change.status, change.last_started));
        }
        let changes = self.devices.take_changes();
        if changes.is_empty() {
            return;
        }
        let date_time = Timestamp::now();
        self.watchers.retain(|_, (session, _)| !session.is_closed());
        for (session, filter) in self.watchers.values() {
            let stati: Vec<DeviceStatus> = changes.iter().filter(|status| filter.admits(status)).cloned().collect();
            if !stati.is_empty() {
                let _ = Vd1Events::session(session).vdevice_status_changed(&DeviceStatusChanged { date_time, stati });
            }
        }
    }
}

/// The status of every device, and the changes not reported yet.
pub struct Devices {
    list: Vec<DeviceStatus>,
    index: HashMap<String, usize>,
    /// Whether each controller is on the network.
    reachable: HashMap<u16, bool>,
    changes: Vec<DeviceStatus>,
}

impl Devices {
    fn new(list: Vec<DeviceStatus>) -> Devices {
        let index = list.iter().enumerate().map(|(index, device)| (device.device_id.clone(), index)).collect();
        let reachable = (list.iter())
            .filter_map(|device| Some((Address::parse(&device.device_id).filter(|a| a.devtype == "sc")?.sysno, device)))
            .map(|(controller, device)| (controller, device.status != Status::Offline))
            .collect::<HashMap<u16, bool>>();
        let mut devices = Devices { list, index, reachable, changes: Vec::new() };
        let controllers: Vec<u16> = devices.reachable.keys().copied().collect();
        for controller in controllers {
            devices.derive_controller_status(controller);
        }
        devices.changes.clear();
        devices
    }

    /// Every device, controller by controller.
    pub fn all(&self) -> &[DeviceStatus] {
        &self.list
    }

    pub fn get(&self, device_id: &str) -> Option<&DeviceStatus> {
        self.index.get(device_id).map(|index| &self.list[*index])
    }

    pub fn reachable(&self, controller: u16) -> bool {
        self.reachable.get(&controller).copied().unwrap_or(false)
    }

    /// Whether an output can play: its controller reachable, its amplifier working.
    pub fn available(&self, output: &str) -> bool {
        let Some(address) = Address::parse(output) else { return false };
        let amplifier_works = |amplifier: String| {
            self.get(&amplifier).is_some_and(|amp| !matches!(amp.status, Status::Error | Status::NotInstalled))
        };
        self.reachable(address.sysno) && Installation::amplifier_of(output).is_none_or(amplifier_works)
    }

    fn set(&mut self, update: &DeviceStatus) -> Result<(), PaError> {
        let no_such_device = || PaError::NoSuchDevice(update.device_id.clone());
        let address = Address::parse(&update.device_id).ok_or_else(no_such_device)?;
        let index = *self.index.get(&update.device_id).ok_or_else(no_such_device)?;
        if address.devtype == "sc" {
            self.reachable.insert(address.sysno, update.status != Status::Offline);
        } else if self.list[index] != *update {
            self.list[index] = update.clone();
            self.changed(index);
        }
        self.derive_controller_status(address.sysno);
        Ok(())
    }

    /// `Offline` if not reachable, else `Error` if a sub-device is in error, else `Online`.
    fn derive_controller_status(&mut self, controller: u16) {
        let prefix = format!("lo.{controller}.");
        let sub_device_error = (self.list.iter()).any(|device| {
            device.device_id.starts_with(&prefix)
                && !device.device_id.contains(".sc.")
                && device.status == Status::Error
        });
        let status = match (self.reachable(controller), sub_device_error) {
            (false, _) => Status::Offline,
            (true, true) => Status::Error,
            (true, false) => Status::Online,
        };
        let Some(&index) = self.index.get(&format!("lo.{controller}.sc.0")) else { return };
        if self.list[index].status != status {
            self.list[index].status = status;
            self.changed(index);
        }
    }

    fn changed(&mut self, index: usize) {
        let device = self.list[index].clone();
        tracing::info!(target: DEVICES, device = %device.device_id, status = ?device.status, sub_status = ?device.sub_status, "device status changed");
        match self.changes.iter_mut().find(|change| change.device_id == device.device_id) {
            Some(change) => *change = device,
            None => self.changes.push(device),
        }
    }

    fn take_changes(&mut self) -> Vec<DeviceStatus> {
        std::mem::take(&mut self.changes)
    }
}

/// A small seeded random generator (SplitMix64): the same seed gives the same changes.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn percent(&mut self, chance: u64) -> bool {
        self.next() % 100 < chance
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let count = u64::try_from(items.len()).ok().filter(|count| *count > 0)?;
        items.get(usize::try_from(self.next() % count).ok()?)
    }

    /// One device status change (none in an installation without devices).
    fn device_change(&mut self, devices: &Devices) -> Option<DeviceStatus> {
        if self.percent(10) {
            let mut controllers: Vec<u16> = devices.reachable.keys().copied().collect();
            controllers.sort_unstable();
            let offline: Vec<u16> = controllers.iter().copied().filter(|nr| !devices.reachable(*nr)).collect();
            if let (true, Some(&controller)) = (self.percent(50), self.pick(&offline)) {
                return Some(DeviceStatus::new(format!("lo.{controller}.sc.0"), Status::Online, None));
            }
            if let Some(&controller) = self.pick(&controllers) {
                return Some(DeviceStatus::new(format!("lo.{controller}.sc.0"), Status::Offline, None));
            }
        }
        let sub_devices =
            devices.list.iter().filter(|d| !d.device_id.contains(".sc.") && d.status != Status::NotInstalled);
        let (troubled, fine): (Vec<&DeviceStatus>, Vec<&DeviceStatus>) =
            sub_devices.partition(|device| device.status == Status::Error || device.sub_status.is_some());
        if let (true, Some(device)) = (fine.is_empty() || self.percent(50), self.pick(&troubled)) {
            return Some(DeviceStatus::new(device.device_id.clone(), Status::Ok, None));
        }
        let device = self.pick(&fine).or_else(|| self.pick(&troubled))?;
        let devtype = Address::parse(&device.device_id).map(|address| address.devtype).unwrap_or_default();
        let faults: &[(Status, SubStatus)] = match devtype {
            "pa" => &[
                (Status::Ok, SubStatus::AmplificationLow),
                (Status::Ok, SubStatus::AmplificationHigh),
                (Status::Ok, SubStatus::DistortionHigh),
                (Status::Error, SubStatus::DistortionHigh),
            ],
            "lr" => &[
                (Status::Ok, SubStatus::NoSetpoint),
                (Status::Error, SubStatus::ImpedanceHigh),
                (Status::Error, SubStatus::ImpedanceLow),
            ],
            "ds" => &[(Status::Error, SubStatus::MicDefect)],
            _ => &[(Status::Ok, SubStatus::ValueLow), (Status::Ok, SubStatus::ValueHigh)],
        };
        let (status, sub_status) = *self.pick(faults)?;
        Some(DeviceStatus::new(device.device_id.clone(), status, Some(sub_status)))
    }
}
