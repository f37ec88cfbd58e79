//! Server-wide event publishing: to every subscribed session of this process, and through
//! an optional [`EventRelay`] to wherever else events must go (the other nodes of a
//! cluster).
//!
//! Every session of a server is attached to its [`EventBus`]. Emitting serializes the data
//! once; each session that subscribed the event gets the same payload (a shared pointer),
//! through its own batching window and its own bounded buffer, so a slow session never
//! holds up the others. The session engine does not know where an event came from or where
//! else it goes: events arriving from elsewhere enter through [`EventBus::deliver`] and
//! take the same path to the sessions.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock, RwLock, Weak};

use serde::Serialize;
use tokio::sync::Notify;

use crate::session::{Session, SessionId, SessionShared};
use crate::sync::{read, write};
use crate::wire::Payload;

/// Why an event could not be emitted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// No registered instruction set declares the event.
    #[error("no instruction set declares the event '{0}'")]
    UnknownEvent(String),
    /// The data could not be serialized.
    #[error("event data could not be serialized: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// Where events emitted in this process go besides its own sessions.
///
/// A relay sees every emitted event once, after the local sessions got it, with its
/// canonical name and its data as serialized for them. It must not block: hand the event
/// to a task or a queue.
pub trait EventRelay: Send + Sync + 'static {
    /// An event was emitted here.
    fn relay(&self, event: &str, data: Option<&Payload>);
}

/// Publishes events to every session that subscribed them.
///
/// Obtain it from the server (`server.events()`) or from a command's context
/// (`cx.events()`); clones share the same sessions.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    /// The canonical name of every event that may be emitted, by its lower-cased name.
    names: HashMap<String, Arc<str>>,
    sessions: RwLock<HashMap<SessionId, Weak<SessionShared>>>,
    relay: OnceLock<Arc<dyn EventRelay>>,
    /// Notified when a session subscribes or unsubscribes an event, or goes.
    interest_changed: Arc<Notify>,
}

/// The bus already has a relay; a bus has at most one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event bus already has a relay")]
pub struct RelayTaken;

impl EventBus {
    /// A bus for the events of these names (their canonical spelling; emitting looks names
    /// up ignoring ASCII case).
    pub(crate) fn new<'a>(events: impl IntoIterator<Item = &'a str>) -> EventBus {
        let names = events.into_iter().map(|name| (name.to_ascii_lowercase(), Arc::from(name))).collect();
        let inner = Inner {
            names,
            sessions: RwLock::new(HashMap::new()),
            relay: OnceLock::new(),
            interest_changed: Arc::new(Notify::new()),
        };
        EventBus { inner: Arc::new(inner) }
    }

    /// Emits an event; returns how many sessions of this process it was queued for.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, EmitError> {
        let payload = Payload::from_serialize(data)?;
        self.emit_payload(event, (!payload.is_null()).then_some(payload))
    }

    /// Emits an event with already serialized data.
    pub fn emit_payload(&self, event: &str, data: Option<Payload>) -> Result<usize, EmitError> {
        let name = self
            .inner
            .names
            .get(&event.to_ascii_lowercase())
            .ok_or_else(|| EmitError::UnknownEvent(event.to_owned()))?;
        let delivered = self.deliver(name, data.clone());
        if let Some(relay) = self.inner.relay.get() {
            relay.relay(name, data.as_ref());
        }
        Ok(delivered)
    }

    /// Delivers an event that was emitted elsewhere (it arrived through a relay's other
    /// end) to the subscribed sessions of this process, and to nothing else: it is not
    /// relayed again. `event` is the canonical name the emitter used. Returns how many
    /// sessions it was queued for.
    pub fn deliver(&self, event: &str, data: Option<Payload>) -> usize {
        let sessions = read(&self.inner.sessions);
        sessions.values().filter_map(Weak::upgrade).filter(|session| session.deliver_event(event, data.clone())).count()
    }

    /// Sends every event emitted from now on also to `relay`.
    pub fn set_relay(&self, relay: Arc<dyn EventRelay>) -> Result<(), RelayTaken> {
        self.inner.relay.set(relay).map_err(|_| RelayTaken)
    }

    /// The events subscribed by at least one session of this process, now: where a relay
    /// needs to bring events in from elsewhere.
    pub fn interest(&self) -> BTreeSet<String> {
        let sessions: Vec<Arc<SessionShared>> = read(&self.inner.sessions).values().filter_map(Weak::upgrade).collect();
        sessions.iter().flat_map(|session| Session(session.clone()).subscriptions()).map(|s| s.event).collect()
    }

    /// Completes when the [`interest`](Self::interest) may have changed: a session
    /// subscribed or unsubscribed an event, or ended. Subscriptions that expire by their
    /// timeout are not announced: look again from time to time.
    pub async fn interest_changed(&self) {
        self.inner.interest_changed.notified().await
    }

    /// The number of sessions attached.
    pub fn session_count(&self) -> usize {
        read(&self.inner.sessions).len()
    }

    /// Attaches a session until the returned guard is dropped.
    pub(crate) fn attach(&self, session: &Arc<SessionShared>) -> Attachment {
        session.watch_subscriptions(self.inner.interest_changed.clone());
        write(&self.inner.sessions).insert(session.id, Arc::downgrade(session));
        Attachment { bus: self.clone(), id: session.id }
    }
}

/// Keeps a session attached to a bus; detaches it when dropped.
pub(crate) struct Attachment {
    bus: EventBus,
    id: SessionId,
}

impl Drop for Attachment {
    fn drop(&mut self) {
        write(&self.bus.inner.sessions).remove(&self.id);
        self.bus.inner.interest_changed.notify_one();
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("sessions", &self.session_count())
            .field("relay", &self.inner.relay.get().is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::limits::Limits;
    use crate::session::{Session, SessionConfig, SessionSetup};
    use crate::wire::{Timeout, Timestamp};

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(String, Option<String>)>>);

    impl EventRelay for Recorder {
        fn relay(&self, event: &str, data: Option<&Payload>) {
            self.0.lock().unwrap().push((event.to_owned(), data.map(|data| data.get().to_owned())));
        }
    }

    fn subscribed_session(bus: &EventBus, event: &str) -> (Session, Attachment) {
        let config = SessionConfig { event_batch_window: Duration::ZERO, ..SessionConfig::default() };
        let shared = SessionShared::new(SessionSetup::new(None, Arc::new(config), Arc::new(Limits::default())));
        let attachment = bus.attach(&shared);
        let session = Session(shared);
        assert!(session.subscribe(event, Timeout::After(Duration::from_secs(60)).deadline(Timestamp::now())));
        (session, attachment)
    }

    #[tokio::test]
    async fn emitted_events_reach_sessions_and_the_relay_delivered_ones_only_sessions() {
        let bus = EventBus::new(["device-changed"]);
        let recorder = Arc::new(Recorder::default());
        bus.set_relay(recorder.clone()).unwrap();
        assert_eq!(bus.set_relay(recorder.clone()), Err(RelayTaken));
        let (session, _attached) = subscribed_session(&bus, "device-changed");

        assert_eq!(bus.emit("Device-Changed", &serde_json::json!({"id": 1})).unwrap(), 1);
        assert_eq!(bus.deliver("device-changed", None), 1);
        assert!(matches!(bus.emit("nothing", &()), Err(EmitError::UnknownEvent(_))));

        let relayed = recorder.0.lock().unwrap().clone();
        assert_eq!(relayed, vec![("device-changed".to_owned(), Some(r#"{"id":1}"#.to_owned()))]);
        assert_eq!(session.stats().queued_messages, 2, "both events were queued for the session");
        assert_eq!(bus.interest(), BTreeSet::from(["device-changed".to_owned()]));
        let changed = bus.interest_changed();
        assert!(session.unsubscribe("device-changed"));
        tokio::time::timeout(Duration::from_secs(1), changed).await.expect("the change is announced");
        assert!(bus.interest().is_empty());
    }
}
