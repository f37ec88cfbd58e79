//! The VD1 instruction set: announcements and device status of a Variodyn D1 system, as the
//! specification's chapters "VD1 Instruction Set" and "VD1 Events" define them.
//!
//! The trait is the whole interface: `#[osmp::instruction_set]` turns its methods into the
//! commands (kebab-case names, parameters from the arguments or from a `#[flatten]` struct,
//! descriptions from the doc comments) and its `#[event]`s into the events. The types below
//! are the JSON shapes the specification prints; [`PaSystem`] implements the set.

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use osmp::prelude::*;

use super::calls::{Announcement, CallDefinition, CallStatus, DEFAULT_PRIORITY};
use super::installation::{DeviceStatus, Status};
use super::lenient::Bool;
use super::logging::CALLS;
use super::simulation::PaSystem;

/// Variodyn D1: announcements, and the status of controllers and their devices.
///
/// Director's instruction set for management, maintenance and control of Variodyn
/// installations. The term call is used synonymously for announcement.
#[osmp::instruction_set(name = "vd1")]
pub trait Vd1 {
    /// Create a new or change an existing announcement.
    ///
    /// Creates a call object with a unique id chosen by the client (a name like "Evacuation"
    /// or a new GUID), or changes the given fields of an existing one: fields not given keep
    /// their values. Delete calls that are no longer needed with vcall-delete.
    // The alias is the one the specification's `apropos` example shows.
    #[command(alias = "vcc")]
    async fn vcall_create(
        &self,
        cx: CommandContext,
        #[flatten] call: CallSettings,
    ) -> Result<CallCreated, CommandError>;

    /// Start an existing announcement.
    ///
    /// Starts a call created with vcall-create; a no-op if it is playing already. The call
    /// ends on its own when all its sources are finite (pre-recorded texts); with an endless
    /// source (an audio input or a generated signal) it plays until stopped with vcall-stop.
    #[command(alias = "vcall-start")]
    async fn vcall_play(
        &self,
        cx: CommandContext,
        #[param(doc = "Unique identifier of the announcement to be started")] call_id: String,
    ) -> Result<Empty, CommandError>;

    /// Stop an existing announcement.
    ///
    /// Stops a call started with vcall-play or vcall-start; a no-op if it is not playing.
    async fn vcall_stop(
        &self,
        cx: CommandContext,
        #[param(doc = "A unique identifier by which the call can be addressed (or * for all)")] call_id: String,
    ) -> Result<Empty, CommandError>;

    /// List all announcements and show their status.
    ///
    /// With a filter, returns only the calls of which at least one field (call-id, a source,
    /// a zone, the priority, the owner or the status) matches the regular expression.
    async fn vcall_list(
        &self,
        cx: CommandContext,
        #[param(doc = "Optional regex filter to match the announcements against")] filter: Option<String>,
    ) -> Result<CallList, CommandError>;

    /// Query the status of an announcement.
    ///
    /// Disconnected: not active. Connected: playing to all zones. PartiallyConnected: playing
    /// to some zones. Interrupted: active but not able to play, overruled by calls of higher
    /// priority or for a resource conflict.
    async fn vcall_status(
        &self,
        cx: CommandContext,
        #[param(doc = "A unique identifier by which the call can be addressed")] call_id: String,
    ) -> Result<CallStatusAnswer, CommandError>;

    /// Delete an existing announcement.
    ///
    /// Deletes a call, stopping it if necessary, and frees its resources. Returns the number
    /// of deleted calls in the result text.
    async fn vcall_delete(
        &self,
        cx: CommandContext,
        #[param(doc = "A unique identifier by which the call can be addressed (or * for all)")] call_id: String,
    ) -> Result<Outcome, CommandError>;

    /// Query the status of one or many devices.
    ///
    /// The status of a controller or sub-device, or of all of them (device-id *), filtered by
    /// the parameters for this query only (devices with status NotInstalled are left out
    /// unless ignore-not-installed is False); vdevice-status-filter sets the filter of the
    /// events.
    async fn vdevice_status(&self, #[flatten] query: DeviceQuery) -> Result<DeviceStati, CommandError>;

    /// Configure filter settings for event vdevice-status-changed.
    ///
    /// Changes the given settings of this session's filter and returns them all; without
    /// parameters only returns them. By default devices with status NotInstalled are left out.
    async fn vdevice_status_filter(
        &self,
        cx: CommandContext,
        #[flatten] settings: FilterChange,
    ) -> Result<FilterSettings, CommandError>;

    // The description is the one the specification's `event-list` example shows.
    /// Sent with every call status change
    ///
    /// Sent whenever a call created by vcall-create changes its status; on subscription, the
    /// current status of every call.
    #[event]
    fn vcall_status_changed(#[flatten] change: CallStatusChanged);

    /// Informs about status changes
    ///
    /// On subscription the status of every device, then only the devices that changed, both
    /// passed through the session's vdevice-status-filter.
    #[event]
    fn vdevice_status_changed(#[flatten] change: DeviceStatusChanged);
}

/// The parameters of `vcall-create`: all but `call-id` optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CallSettings {
    /// Unique identifier of the announcement to be created (or manipulated). The id is chosen by the client.
    pub call_id: String,
    /// List of audio sources to play in sequence
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<String>>,
    /// List of zones to announce to
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<String>>,
    /// Announcement priority (1..255; 0, which the specification's `vcall-list` example shows, is the highest).
    /// Calls with a lower priority number overrule calls with a higher one. 20..40 are alarm priorities, 41 is
    /// default, 41..255 are normal call priorities
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Informative id or name of the client which created this announcement
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Set this to true if the call should be started immediately. Otherwise, the call object will just be
    /// created and can be started by a subsequent vcall-play command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Bool>,
}

impl CallSettings {
    /// The definition of the call after this change: the given fields replace those of
    /// `existing` (or of a new call's defaults).
    fn apply_to(self, existing: Option<CallDefinition>) -> CallDefinition {
        let existing = existing.unwrap_or_else(|| CallDefinition {
            call_id: self.call_id.clone(),
            sources: Vec::new(),
            zones: Vec::new(),
            priority: DEFAULT_PRIORITY,
            owner: None,
        });
        CallDefinition {
            call_id: self.call_id,
            sources: self.sources.unwrap_or(existing.sources),
            zones: self.zones.unwrap_or(existing.zones),
            priority: self.priority.unwrap_or(existing.priority),
            owner: self.owner.or(existing.owner),
        }
    }
}

/// The answer of `vcall-create`: the call as it is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CallCreated {
    /// The announcement
    pub call: CallDefinition,
}

/// The empty `data` object of the answers of `vcall-play` and `vcall-stop` (`"data":{}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Empty {}

/// The answer of `vcall-list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CallList {
    /// The announcements
    pub calls: Vec<ListedCall>,
}

/// A call as `vcall-list` shows it: its definition and its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListedCall {
    #[serde(flatten)]
    pub definition: CallDefinition,
    /// Disconnected, Connected, PartiallyConnected or Interrupted
    pub status: CallStatus,
}

impl ListedCall {
    fn of(call: &Announcement) -> ListedCall {
        ListedCall { definition: call.definition.clone(), status: call.status }
    }

    /// Whether at least one field matches.
    fn matches(&self, filter: &Regex) -> bool {
        let call = &self.definition;
        let texts = [call.call_id.clone(), call.priority.to_string(), format!("{:?}", self.status)]
            .into_iter()
            .chain(call.sources.iter().cloned())
            .chain(call.zones.iter().cloned())
            .chain(call.owner.clone());
        texts.into_iter().any(|text| filter.is_match(&text))
    }
}

/// The answer of `vcall-status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CallStatusAnswer {
    /// The call's id and status
    pub call: CallState,
}

/// A call's id and status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CallState {
    /// Call id
    pub call_id: String,
    /// Disconnected, Connected, PartiallyConnected or Interrupted
    pub status: CallStatus,
}

/// The data of `vcall-status-changed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CallStatusChanged {
    /// Time stamp of the change
    pub date_time: Timestamp,
    /// Call id
    pub call_id: String,
    /// Call status (Disconnected, Connected, PartiallyConnected or Interrupted)
    pub status: CallStatus,
    /// Time stamp of last start (0001-01-01T00:00:00 if never started)
    #[serde(with = "never")]
    #[schemars(with = "Timestamp")]
    pub last_started: Option<Timestamp>,
}

impl CallStatusChanged {
    pub fn now(call_id: &str, status: CallStatus, last_started: Option<Timestamp>) -> CallStatusChanged {
        CallStatusChanged { date_time: Timestamp::now(), call_id: call_id.to_owned(), status, last_started }
    }
}

/// The data of `vdevice-status-changed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct DeviceStatusChanged {
    /// Time stamp of the change
    pub date_time: Timestamp,
    /// List of device status objects
    pub stati: Vec<DeviceStatus>,
}

/// "Never" as .NET writes it: `DateTime.MinValue`, `0001-01-01T00:00:00`.
mod never {
    use super::*;

    const NEVER: &str = "0001-01-01T00:00:00";

    pub fn serialize<S: serde::Serializer>(value: &Option<Timestamp>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(timestamp) => timestamp.serialize(serializer),
            None => serializer.serialize_str(NEVER),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Timestamp>, D::Error> {
        let timestamp = Timestamp::deserialize(deserializer)?;
        let min_value: Timestamp = NEVER.parse().map_err(serde::de::Error::custom)?;
        Ok((timestamp != min_value).then_some(timestamp))
    }
}

/// The parameters of `vdevice-status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct DeviceQuery {
    /// Controller or device address (* for all)
    pub device_id: String,
    /// Don't return devices with status NotInstalled (applied only if device-id is *); True unless given, as the
    /// reference client sends it
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_not_installed: Option<Bool>,
    /// Regex specifying which devices to include, omit to include all (applied only if device-id is *)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_filter: Option<String>,
    /// Regex specifying which devices to exclude (applied only if device-id is *)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_filter: Option<String>,
}

/// The answer of `vdevice-status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeviceStati {
    /// List of device status objects
    pub stati: Vec<DeviceStatus>,
}

/// The parameters of `vdevice-status-filter`: a setting not given is left as it is; a
/// filter given as `null` is removed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct FilterChange {
    /// Don't notify about devices with status NotInstalled if True
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_not_installed: Option<Bool>,
    /// Regex specifying which devices to include, set null to include all
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub include_filter: Option<Option<String>>,
    /// Regex specifying which devices to exclude, set null to exclude none
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub exclude_filter: Option<Option<String>>,
}

/// A field that is present, even as `null` (`Some(None)`); absent ones are `None` by default.
fn given<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// The settings of a device status filter, as `vdevice-status-filter` returns them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct FilterSettings {
    /// Devices with status NotInstalled are left out
    pub ignore_not_installed: bool,
    /// Regex specifying which devices to include (null: all)
    pub include_filter: Option<String>,
    /// Regex specifying which devices to exclude (null: none)
    pub exclude_filter: Option<String>,
}

/// A device status filter: of a session's events, or of one `vdevice-status` query.
#[derive(Debug, Clone)]
pub struct DeviceFilter {
    settings: FilterSettings,
    include: Option<Regex>,
    exclude: Option<Regex>,
}

impl Default for DeviceFilter {
    /// What a session starts with: devices that are not installed are left out.
    fn default() -> DeviceFilter {
        let settings = FilterSettings { ignore_not_installed: true, include_filter: None, exclude_filter: None };
        DeviceFilter { settings, include: None, exclude: None }
    }
}

impl DeviceFilter {
    pub fn new(settings: FilterSettings) -> Result<DeviceFilter, CommandError> {
        let compile = |pattern: &Option<String>| pattern.as_deref().map(Regex::new).transpose();
        Ok(DeviceFilter {
            include: compile(&settings.include_filter)?,
            exclude: compile(&settings.exclude_filter)?,
            settings,
        })
    }

    pub fn admits(&self, device: &DeviceStatus) -> bool {
        let id = device.device_id.as_str();
        !(self.settings.ignore_not_installed && device.status == Status::NotInstalled)
            && self.include.as_ref().is_none_or(|include| include.is_match(id))
            && !self.exclude.as_ref().is_some_and(|exclude| exclude.is_match(id))
    }
}

impl Vd1 for PaSystem {
    async fn vcall_create(&self, cx: CommandContext, call: CallSettings) -> Result<CallCreated, CommandError> {
        let start = call.start.is_some_and(bool::from);
        let call_id = call.call_id.clone();
        let definition = self.update(cx.events(), |state| {
            let existing = state.calls.get(&call_id).map(|call| call.definition.clone());
            let definition = call.apply_to(existing);
            state.define_call(definition.clone(), start)?;
            Ok::<_, CommandError>(definition)
        })?;
        Ok(CallCreated { call: definition })
    }

    async fn vcall_play(&self, cx: CommandContext, call_id: String) -> Result<Empty, CommandError> {
        self.update(cx.events(), |state| state.start_call(&call_id))?;
        Ok(Empty {})
    }

    async fn vcall_stop(&self, cx: CommandContext, call_id: String) -> Result<Empty, CommandError> {
        self.update(cx.events(), |state| {
            for call in state.calls_named(&call_id)? {
                state.calls.stop(&call);
            }
            Ok::<_, CommandError>(())
        })?;
        Ok(Empty {})
    }

    async fn vcall_list(&self, cx: CommandContext, filter: Option<String>) -> Result<CallList, CommandError> {
        let filter = filter.as_deref().map(Regex::new).transpose()?;
        let calls: Vec<ListedCall> = self.update(cx.events(), |state| state.calls.iter().map(ListedCall::of).collect());
        let calls =
            calls.into_iter().filter(|call| filter.as_ref().is_none_or(|filter| call.matches(filter))).collect();
        Ok(CallList { calls })
    }

    async fn vcall_status(&self, cx: CommandContext, call_id: String) -> Result<CallStatusAnswer, CommandError> {
        let status = self.update(cx.events(), |state| state.calls.get(&call_id).map(|call| call.status));
        let status = status.ok_or_else(|| super::simulation::PaError::NoSuchCall(call_id.clone()))?;
        Ok(CallStatusAnswer { call: CallState { call_id, status } })
    }

    async fn vcall_delete(&self, cx: CommandContext, call_id: String) -> Result<Outcome, CommandError> {
        let deleted = self.update(cx.events(), |state| {
            let calls = state.calls_named(&call_id)?;
            for call in &calls {
                state.calls.remove(call);
            }
            Ok::<_, CommandError>(calls.len())
        })?;
        tracing::debug!(target: CALLS, deleted, "calls deleted");
        let noun = if deleted == 1 { "call" } else { "calls" };
        Ok(Outcome::text(format!("{deleted} {noun} deleted.")))
    }

    async fn vdevice_status(&self, query: DeviceQuery) -> Result<DeviceStati, CommandError> {
        let state = self.lock();
        if query.device_id != "*" {
            let device = state.devices.get(&query.device_id);
            let device = device.ok_or_else(|| super::simulation::PaError::NoSuchDevice(query.device_id.clone()))?;
            return Ok(DeviceStati { stati: vec![device.clone()] });
        }
        let filter = DeviceFilter::new(FilterSettings {
            ignore_not_installed: query.ignore_not_installed.is_none_or(bool::from),
            include_filter: query.include_filter,
            exclude_filter: query.exclude_filter,
        })?;
        let stati = state.devices.all().iter().filter(|device| filter.admits(device)).cloned().collect();
        Ok(DeviceStati { stati })
    }

    async fn vdevice_status_filter(
        &self,
        cx: CommandContext,
        change: FilterChange,
    ) -> Result<FilterSettings, CommandError> {
        let mut state = self.lock();
        let filter = state.filter_of(cx.session());
        let mut settings = filter.settings.clone();
        if let Some(ignore) = change.ignore_not_installed {
            settings.ignore_not_installed = ignore.into();
        }
        if let Some(include) = change.include_filter {
            settings.include_filter = include;
        }
        if let Some(exclude) = change.exclude_filter {
            settings.exclude_filter = exclude;
        }
        *filter = DeviceFilter::new(settings)?;
        Ok(filter.settings.clone())
    }

    /// The snapshot a session gets when it subscribes: every call's status, or the status of
    /// every device its filter lets through.
    fn on_subscribe(&self, event: &str, events: Vd1Events) {
        let mut state = self.lock();
        if event == "vcall-status-changed" {
            for call in state.calls.iter() {
                let _ = events.vcall_status_changed(CallStatusChanged::now(
                    &call.definition.call_id,
                    call.status,
                    call.last_started,
                ));
            }
        } else if let Some(session) = events.subscriber() {
            let filter = state.filter_of(session).clone();
            let stati = state.devices.all().iter().filter(|device| filter.admits(device)).cloned().collect();
            let _ = events.vdevice_status_changed(&DeviceStatusChanged { date_time: Timestamp::now(), stati });
        }
    }
}
