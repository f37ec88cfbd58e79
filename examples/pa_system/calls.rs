//! Announcements ("calls"): what plays where.
//!
//! A call has sources, played in sequence, and zones, which are sets of outputs. Once
//! started it competes for its outputs: every output goes to the started call with the
//! highest priority (the lowest number; among equals, the call started first) that
//! includes it, provided the output can play at all (its controller reachable, its
//! amplifier working). A call that got all its outputs is `Connected`, some of them
//! `PartiallyConnected`, none `Interrupted`.
//!
//! A call plays on, its sources advancing, while it has at least one output. An
//! `Interrupted` call keeps its place and continues where it stopped once outputs are free
//! again. When its last source has been played the call ends by itself (`Disconnected`);
//! an endless source (an audio input, a generated signal) plays until the call is stopped.
//!
//! This is a model over an explicit clock: time only moves when [`Calls::advance`] is told
//! the time, so the tests can drive it without waiting.

use std::collections::HashSet;
use std::time::Duration;

use osmp::prelude::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::installation::Length;
use super::logging::CALLS;
use super::simulation::PaError;

/// The priority of a call created without one.
pub const DEFAULT_PRIORITY: u8 = 41;

/// A call as `vcall-create` defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct CallDefinition {
    /// Unique identifier of the announcement
    pub call_id: String,
    /// Audio sources, played in sequence
    pub sources: Vec<String>,
    /// Zones to announce to
    pub zones: Vec<String>,
    /// Priority: 1..255, the lower the number the higher the priority
    pub priority: u8,
    /// Informative id or name of the client which created the call
    pub owner: Option<String>,
}

/// What a call is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CallStatus {
    /// The call is not active.
    Disconnected,
    /// The call has been started and is playing to all zones.
    Connected,
    /// The call has been started and is playing to some zones.
    PartiallyConnected,
    /// The call is active but cannot play: higher priority calls overrule it, or its
    /// outputs are unavailable.
    Interrupted,
}

impl CallStatus {
    fn on_air(self) -> bool {
        matches!(self, CallStatus::Connected | CallStatus::PartiallyConnected)
    }
}

/// A status change, for the `vcall-status-changed` event.
#[derive(Debug, Clone, PartialEq)]
pub struct CallChange {
    pub call_id: String,
    pub status: CallStatus,
    pub last_started: Option<Timestamp>,
}

/// A call with what it resolved to and how far it got.
#[derive(Debug)]
pub struct Announcement {
    pub definition: CallDefinition,
    pub status: CallStatus,
    pub last_started: Option<Timestamp>,
    /// The outputs of its zones.
    outputs: Vec<String>,
    /// How long each source plays (already scaled to simulated time).
    lengths: Vec<Length>,
    /// Where it is, while started.
    playback: Option<Playback>,
}

#[derive(Debug, Clone, Copy)]
struct Playback {
    /// Calls started earlier win among equal priorities.
    order: u64,
    /// The source playing.
    source: usize,
    /// How much of it has been played.
    played: Duration,
}

impl Announcement {
    /// How much is left of the source playing, if it is finite.
    fn remaining(&self) -> Option<Duration> {
        let playback = self.playback?;
        match self.lengths.get(playback.source)? {
            Length::Finite(length) => Some(length.saturating_sub(playback.played)),
            Length::Endless => None,
        }
    }
}

/// Every call, and the clock they play by.
#[derive(Debug)]
pub struct Calls {
    list: Vec<Announcement>,
    /// Calls kept at most.
    capacity: usize,
    clock: Instant,
    starts: u64,
    changes: Vec<CallChange>,
}

impl Calls {
    pub fn new(now: Instant, capacity: usize) -> Calls {
        Calls { list: Vec::new(), capacity: capacity.max(1), clock: now, starts: 0, changes: Vec::new() }
    }

    /// Every call, in the order they were created.
    pub fn iter(&self) -> impl Iterator<Item = &Announcement> {
        self.list.iter()
    }

    pub fn get(&self, call_id: &str) -> Option<&Announcement> {
        self.list.iter().find(|call| call.definition.call_id == call_id)
    }

    fn get_mut(&mut self, call_id: &str) -> Option<&mut Announcement> {
        self.list.iter_mut().find(|call| call.definition.call_id == call_id)
    }

    /// Creates a call, or replaces the definition of an existing one. A started call whose
    /// sources changed starts its new sources from the beginning; other changes (zones,
    /// priority) take effect at the next [`arbitrate`](Calls::arbitrate).
    ///
    /// A new call beyond the capacity replaces the oldest call that is not playing; when
    /// every call plays, it is refused.
    pub fn define(
        &mut self,
        definition: CallDefinition,
        outputs: Vec<String>,
        lengths: Vec<Length>,
    ) -> Result<(), PaError> {
        match self.get_mut(&definition.call_id) {
            Some(call) => {
                if call.definition.sources != definition.sources {
                    if let Some(playback) = &mut call.playback {
                        (playback.source, playback.played) = (0, Duration::ZERO);
                    }
                }
                (call.definition, call.outputs, call.lengths) = (definition, outputs, lengths);
                tracing::debug!(target: CALLS, call = %call.definition.call_id, "call changed");
            }
            None => {
                self.make_room()?;
                tracing::debug!(target: CALLS, call = %definition.call_id, "call created");
                let status = CallStatus::Disconnected;
                self.list.push(Announcement {
                    definition,
                    status,
                    last_started: None,
                    outputs,
                    lengths,
                    playback: None,
                });
            }
        }
        Ok(())
    }

    /// Forgets the oldest call that is not playing when the list is full.
    fn make_room(&mut self) -> Result<(), PaError> {
        if self.list.len() < self.capacity {
            return Ok(());
        }
        let idle =
            self.list.iter().position(|call| call.playback.is_none()).ok_or(PaError::TooManyCalls(self.capacity))?;
        let forgotten = self.list.remove(idle);
        tracing::debug!(target: CALLS, call = %forgotten.definition.call_id, "oldest idle call forgotten to make room");
        Ok(())
    }

    /// Starts a call (a no-op if it is started already). It gets its outputs at the next
    /// [`arbitrate`](Calls::arbitrate).
    pub fn start(&mut self, call_id: &str) {
        self.starts += 1;
        let order = self.starts;
        if let Some(call) = self.get_mut(call_id) {
            if call.playback.is_none() {
                call.playback = Some(Playback { order, source: 0, played: Duration::ZERO });
                call.last_started = Some(Timestamp::now());
                tracing::info!(target: CALLS, call = call_id, "call started");
            }
        }
    }

    /// Stops a call (a no-op if it is not started).
    pub fn stop(&mut self, call_id: &str) {
        if let Some(call) = self.get_mut(call_id) {
            if call.playback.take().is_some() {
                tracing::info!(target: CALLS, call = call_id, "call stopped");
            }
        }
        self.set_status(call_id, CallStatus::Disconnected);
    }

    /// Stops and removes a call; returns whether it existed.
    pub fn remove(&mut self, call_id: &str) -> bool {
        self.stop(call_id);
        let before = self.list.len();
        self.list.retain(|call| call.definition.call_id != call_id);
        self.list.len() < before
    }

    /// Lets the calls play until `now`: sources that come to their end move on to the next,
    /// calls whose last source ended stop, and the freed outputs go to the calls waiting
    /// for them, at the moment each of these happens.
    pub fn advance(&mut self, now: Instant, available: &dyn Fn(&str) -> bool) {
        loop {
            let until_now = now.saturating_duration_since(self.clock);
            let first_end =
                self.list.iter().filter(|call| call.status.on_air()).filter_map(Announcement::remaining).min();
            match first_end {
                Some(step) if step <= until_now => {
                    self.play_for(step);
                    self.arbitrate(available);
                }
                _ => {
                    self.play_for(until_now);
                    return;
                }
            }
        }
    }

    /// Moves the clock on by `step`, no source ending before the end of it.
    fn play_for(&mut self, step: Duration) {
        self.clock += step;
        let mut ended = Vec::new();
        for call in self.list.iter_mut().filter(|call| call.status.on_air()) {
            let Some(playback) = &mut call.playback else { continue };
            playback.played += step;
            if let Some(Length::Finite(length)) = call.lengths.get(playback.source) {
                if playback.played >= *length {
                    (playback.source, playback.played) = (playback.source + 1, Duration::ZERO);
                }
            }
            if playback.source >= call.lengths.len() {
                ended.push(call.definition.call_id.clone());
            }
        }
        for call_id in ended {
            tracing::info!(target: CALLS, call = %call_id, "call played to its end");
            self.stop(&call_id);
        }
    }

    /// Gives every output to the started call with the highest priority that includes it,
    /// and sets every started call's status from what it got.
    pub fn arbitrate(&mut self, available: &dyn Fn(&str) -> bool) {
        let mut started: Vec<(u8, u64, usize)> = (self.list.iter().enumerate())
            .filter_map(|(index, call)| Some((call.definition.priority, call.playback?.order, index)))
            .collect();
        started.sort_unstable();
        let mut taken: HashSet<&str> = HashSet::new();
        let mut statuses = Vec::new();
        for (_, _, index) in started {
            let call = &self.list[index];
            let won: Vec<&str> = (call.outputs.iter().map(String::as_str))
                .filter(|output| available(output) && !taken.contains(output))
                .collect();
            let status = match won.len() {
                0 => CallStatus::Interrupted,
                count if count == call.outputs.len() => CallStatus::Connected,
                _ => CallStatus::PartiallyConnected,
            };
            taken.extend(won);
            statuses.push((call.definition.call_id.clone(), status));
        }
        for (call_id, status) in statuses {
            self.set_status(&call_id, status);
        }
    }

    fn set_status(&mut self, call_id: &str, status: CallStatus) {
        let Some(call) = self.get_mut(call_id) else { return };
        if call.status == status {
            return;
        }
        call.status = status;
        tracing::info!(target: CALLS, call = call_id, "call {status:?}");
        let change = CallChange { call_id: call_id.to_owned(), status, last_started: call.last_started };
        self.changes.push(change);
    }

    /// When the next source ends, if something is playing a finite one.
    pub fn next_end(&self) -> Option<Instant> {
        let first_end = self.list.iter().filter(|call| call.status.on_air()).filter_map(Announcement::remaining).min();
        first_end.map(|remaining| self.clock + remaining)
    }

    /// The status changes since the last call, in the order they happened.
    pub fn take_changes(&mut self) -> Vec<CallChange> {
        std::mem::take(&mut self.changes)
    }
}
