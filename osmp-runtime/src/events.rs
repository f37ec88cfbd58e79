//! Server-wide event publishing.
//!
//! Every session of a server is attached to its [`EventBus`]. Emitting serializes the data
//! once; each session that subscribed the event gets the same payload (a shared pointer),
//! through its own batching window and its own bounded buffer, so a slow session never
//! holds up the others.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};

use serde::Serialize;

use crate::instruction::Registry;
use crate::session::{SessionId, SessionShared};
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

/// Publishes events to every session that subscribed them.
///
/// Obtain it from the server (`server.events()`) or from a command's context
/// (`cx.events()`); clones share the same sessions.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Arc<Registry>,
    sessions: RwLock<HashMap<SessionId, Weak<SessionShared>>>,
}

impl EventBus {
    pub(crate) fn new(registry: Arc<Registry>) -> EventBus {
        EventBus { inner: Arc::new(Inner { registry, sessions: RwLock::new(HashMap::new()) }) }
    }

    /// Emits an event; returns how many sessions it was queued for.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, EmitError> {
        let payload = Payload::from_serialize(data)?;
        self.emit_payload(event, (!payload.is_null()).then_some(payload))
    }

    /// Emits an event with already serialized data.
    pub fn emit_payload(&self, event: &str, data: Option<Payload>) -> Result<usize, EmitError> {
        let registered = self.inner.registry.event(event).ok_or_else(|| EmitError::UnknownEvent(event.to_owned()))?;
        let name = &registered.schema().name;
        let sessions = self.inner.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let delivered = sessions
            .values()
            .filter_map(Weak::upgrade)
            .filter(|session| session.deliver_event(name, data.clone()))
            .count();
        Ok(delivered)
    }

    /// The number of sessions attached.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.read().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Attaches a session until the returned guard is dropped.
    pub(crate) fn attach(&self, session: &Arc<SessionShared>) -> Attachment {
        self.inner
            .sessions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(session.id, Arc::downgrade(session));
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
        self.bus.inner.sessions.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.id);
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus").field("sessions", &self.session_count()).finish()
    }
}
