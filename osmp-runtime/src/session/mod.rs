//! One OSMP session: the transport-agnostic engine and the handle commands use.
//!
//! A session is symmetric: each side numbers its own messages, runs the commands its peer
//! sends and waits on the commands it sent. The server runs the peer's commands through its
//! registry; the client runs the server's commands (login challenges and the like) through
//! its handlers. Everything else — numbering, the table of active commands, cancellation,
//! `session-status`, waiting on calls, event batching, backpressure and closing — is this
//! module, shared by both.
//!
//! The engine reads [`Frame`](crate::transport::Frame)s from any `Stream` and writes them to any `Sink`: a WebSocket
//! in production, channels in tests.

mod active;
mod calls;
mod config;
mod engine;
mod identity;
mod locals;
mod lossy;
mod outbound;
#[cfg(test)]
mod properties;
mod reply;
mod subscriptions;
#[cfg(test)]
mod tests;
mod wake;

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::time::Instant;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use active::ActiveCommand;
pub use calls::CallError;
pub use config::SessionConfig;
pub use identity::Identity;
pub use subscriptions::SubscriptionInfo;

pub(crate) use calls::OutgoingCall;
pub(crate) use engine::{run, IncomingCommand, PeerHandler};
pub(crate) use lossy::LossyQueue;
pub(crate) use reply::{IntoReply, Reply};

use active::ActiveCommands;
use calls::PendingCalls;
use locals::Locals;
use outbound::Outbound;
use subscriptions::Subscriptions;

use crate::limits::{EventOverflow, Limits};
use crate::sync::{lock, read, write};
use crate::transport::budget::Account;
use crate::transport::CloseReason;
use crate::wire::{CancelTarget, EventItem, Message, Nr, Payload, Response, StreamMessage, Timestamp};

/// Identifies a session within its server (or client) process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub u64);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl SessionId {
    fn next() -> SessionId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SessionId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What a session is made of besides its own state: where it came from, how it behaves,
/// what it may cost, and what it shares with the other sessions of its server.
pub(crate) struct SessionSetup {
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) config: Arc<SessionConfig>,
    pub(crate) limits: Arc<Limits>,
    /// The transport's account of the connection: the progress of writes, and the message
    /// limit that depends on being logged in. `None` for transports without one.
    pub(crate) account: Option<Arc<Account>>,
    /// The commands running in all sessions of the server, against
    /// `limits.commands.max_active_total`. `None` for a client's session.
    pub(crate) server_commands: Option<Arc<AtomicUsize>>,
}

impl SessionSetup {
    /// A session on its own: no transport account, no server.
    pub(crate) fn new(peer: Option<SocketAddr>, config: Arc<SessionConfig>, limits: Arc<Limits>) -> SessionSetup {
        SessionSetup { peer, config, limits, account: None, server_commands: None }
    }
}

/// The state of one session, shared by its reader, its writer, its running commands and
/// the handles given out.
pub(crate) struct SessionShared {
    pub(crate) id: SessionId,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) config: Arc<SessionConfig>,
    pub(crate) limits: Arc<Limits>,
    pub(crate) account: Option<Arc<Account>>,
    pub(crate) outbound: Outbound,
    pub(crate) active: ActiveCommands,
    pub(crate) calls: PendingCalls,
    pub(crate) subscriptions: Mutex<Subscriptions>,
    /// Notified when the subscriptions change (set by the event bus the session joins).
    subscription_watch: OnceLock<Arc<tokio::sync::Notify>>,
    /// What instruction sets keep for this session; dropped when it ends.
    locals: Locals,
    /// Cancelled when the session has ended.
    pub(crate) ended: CancellationToken,
    close_reason: OnceLock<String>,
    /// Who the session is logged in as.
    user: std::sync::RwLock<Option<Arc<Identity>>>,
    /// Logins of this session that failed or are in progress (auth's limit per session).
    pub(crate) login_attempts: std::sync::atomic::AtomicU32,
    epoch: Instant,
    last_seen_ms: AtomicU64,
}

impl SessionShared {
    pub(crate) fn new(setup: SessionSetup) -> Arc<SessionShared> {
        let SessionSetup { peer, config, limits, account, server_commands } = setup;
        let commands = &limits.commands;
        let active = ActiveCommands::new(commands.max_active, server_commands, commands.max_active_total)
            .with_reserved(commands.reserved_per_session);
        Arc::new(SessionShared {
            id: SessionId::next(),
            peer,
            outbound: Outbound::new(&config, &limits),
            config,
            limits,
            account,
            active,
            calls: PendingCalls::default(),
            subscriptions: Mutex::new(Subscriptions::default()),
            subscription_watch: OnceLock::new(),
            locals: Locals::default(),
            ended: CancellationToken::new(),
            close_reason: OnceLock::new(),
            user: std::sync::RwLock::new(None),
            login_attempts: std::sync::atomic::AtomicU32::new(0),
            epoch: Instant::now(),
            last_seen_ms: AtomicU64::new(0),
        })
    }

    /// Milliseconds since the session started (the clock of activity timestamps).
    pub(crate) fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(crate) fn touch(&self) {
        self.last_seen_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    pub(crate) fn silent_for_ms(&self) -> u64 {
        self.now_ms().saturating_sub(self.last_seen_ms.load(Ordering::Relaxed))
    }

    /// Records why the session ends, unless a reason is known already.
    pub(crate) fn note_close_reason(&self, reason: &str) {
        let _ = self.close_reason.set(reason.to_owned());
    }

    pub(crate) fn close_reason(&self) -> String {
        self.close_reason.get().cloned().unwrap_or_else(|| "session closed".to_owned())
    }

    pub(crate) fn send_cancel(&self, target: CancelTarget) {
        // A closed session has nothing left to cancel.
        let _ = self.outbound.push(|nr| Message::Cancel(crate::wire::Cancel { nr, target }));
    }

    /// Delivers an event if the session subscribed it; returns whether it did.
    pub(crate) fn deliver_event(&self, event: &str, data: Option<Payload>) -> bool {
        let subscribed = lock(&self.subscriptions).is_subscribed(event, Instant::now());
        if !subscribed {
            return false;
        }
        match self.outbound.push_event(EventItem { event: event.to_owned(), data }) {
            Ok(outbound::Overflow::None) => true,
            Ok(outbound::Overflow::DroppedOldest) => {
                if self.limits.events.overflow == EventOverflow::Unsubscribe {
                    self.end_subscriptions_for_overflow();
                }
                true
            }
            Err(_) => false,
        }
    }

    /// The peer reads events too slowly and the policy is to unsubscribe it: every
    /// subscription ends, the waiting events are discarded, and an `error` event says why.
    fn end_subscriptions_for_overflow(&self) {
        let ended = {
            let mut subscriptions = lock(&self.subscriptions);
            let list = subscriptions.list();
            for subscription in &list {
                subscriptions.unsubscribe(&subscription.event);
            }
            list.len()
        };
        let discarded = self.outbound.discard_events();
        self.subscriptions_changed();
        tracing::warn!(session = %self.id, ended, discarded, "peer reads events too slowly; subscriptions ended");
        let description = format!(
            "Events dropped: this client does not read them fast enough. All {ended} event subscriptions were \
             ended; subscribe again to resume."
        );
        let data = Payload::from_value(&serde_json::json!({ "description": description }));
        let _ = self.outbound.push_protocol_event(EventItem { event: "error".to_owned(), data: Some(data) });
    }

    /// Tells whoever watches the session's subscriptions (the event bus it is attached to)
    /// that they changed.
    fn subscriptions_changed(&self) {
        if let Some(watch) = self.subscription_watch.get() {
            watch.notify_one();
        }
    }

    /// Has `watch` notified whenever the session subscribes or unsubscribes an event.
    pub(crate) fn watch_subscriptions(&self, watch: Arc<tokio::sync::Notify>) {
        let _ = self.subscription_watch.set(watch);
    }

    /// Marks the session as ended: commands are cancelled, calls fail, the queue closes.
    pub(crate) fn end(&self, reason: &str) {
        let _ = self.close_reason.set(reason.to_owned());
        self.ended.cancel();
        self.active.cancel(&CancelTarget::All);
        self.calls.fail_all();
        self.outbound.close(CloseReason::normal(reason));
        self.locals.clear();
    }
}

/// A snapshot of what a session holds, for monitoring and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionStats {
    /// Messages waiting to be written.
    pub queued_messages: usize,
    /// Their size in bytes (as [`Message::size_estimate`] counts).
    pub queued_bytes: usize,
    /// Events waiting for their batching window (or for the peer to read).
    pub pending_events: usize,
    /// Their size in bytes.
    pub pending_event_bytes: usize,
    /// Events dropped because the peer read too slowly.
    pub dropped_events: u64,
    /// Commands of the peer running now.
    pub active_commands: usize,
    /// Event subscriptions held.
    pub subscriptions: usize,
}

/// A handle to a session, given to commands through their context.
///
/// Cloning is cheap; a handle kept after the session ended reports it as closed.
#[derive(Clone)]
pub struct Session(pub(crate) Arc<SessionShared>);

impl Session {
    /// The session's identifier.
    pub fn id(&self) -> SessionId {
        self.0.id
    }

    /// The peer's address, when the transport has one.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.0.peer
    }

    /// Who the session is logged in as, if anyone.
    pub fn user(&self) -> Option<Arc<Identity>> {
        read(&self.0.user).clone()
    }

    /// Logs the session in as `identity` (or out, with `None`).
    pub fn set_user(&self, identity: Option<Identity>) {
        if let Some(account) = &self.0.account {
            account.set_logged_in(identity.is_some());
        }
        *write(&self.0.user) = identity.map(Arc::new);
    }

    /// Whether the session may use what requires `permission` (anything requiring nothing
    /// is allowed; a permission needs a logged-in user holding it).
    pub fn is_permitted(&self, permission: Option<&str>) -> bool {
        match permission {
            None => true,
            Some(permission) => self.user().is_some_and(|user| user.holds(permission)),
        }
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.0.ended.is_cancelled()
    }

    /// Completes when the session ends.
    pub async fn closed(&self) {
        self.0.ended.cancelled().await
    }

    /// The session's value of type `T`, created with `T::default()` on first use and dropped
    /// when the session ends; `None` once it has ended.
    ///
    /// This is where an instruction set keeps per-session state (open transfers, a cursor, a
    /// cache): it lives exactly as long as the session, so a client that disconnects leaves
    /// nothing behind. Keep mutable state behind a lock inside `T`.
    ///
    /// ```no_run
    /// # use osmp_runtime::instruction::{CommandContext, CommandError, Outcome};
    /// use std::sync::atomic::{AtomicU64, Ordering};
    ///
    /// #[derive(Default)]
    /// struct Calls(AtomicU64);
    ///
    /// async fn count(cx: CommandContext) -> Result<Outcome, CommandError> {
    ///     let calls = cx.session().local::<Calls>().ok_or("the session has ended")?;
    ///     let n = calls.0.fetch_add(1, Ordering::Relaxed) + 1;
    ///     Ok(Outcome::text(format!("call {n} of this session")))
    /// }
    /// ```
    pub fn local<T: Default + Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.0.locals.get_or_default()
    }

    /// Closes the session: queued messages are sent, then a close frame.
    pub fn close(&self, reason: CloseReason) {
        self.0.outbound.close(reason);
    }

    /// What the session holds right now.
    pub fn stats(&self) -> SessionStats {
        let sizes = self.0.outbound.sizes();
        SessionStats {
            queued_messages: sizes.messages,
            queued_bytes: sizes.message_bytes,
            pending_events: sizes.events,
            pending_event_bytes: sizes.event_bytes,
            dropped_events: sizes.dropped_events,
            active_commands: self.0.active.snapshot().len(),
            subscriptions: lock(&self.0.subscriptions).list().len(),
        }
    }

    /// The commands of the peer running now.
    pub fn active_commands(&self) -> Vec<ActiveCommand> {
        self.0.active.snapshot()
    }

    /// Cancels running commands of the peer, as its `cancel` message would.
    pub fn cancel(&self, target: &CancelTarget) -> usize {
        self.0.active.cancel(target)
    }

    /// Subscribes the session to an event (by canonical name) until a deadline; false if
    /// the session holds the maximum number of subscriptions already.
    pub fn subscribe(&self, event: &str, until: Timestamp) -> bool {
        let subscribed = lock(&self.0.subscriptions).subscribe(event, until, self.0.limits.events.max_subscriptions);
        if subscribed {
            self.0.subscriptions_changed();
        }
        subscribed
    }

    /// Ends a subscription; false if the event was not subscribed.
    pub fn unsubscribe(&self, event: &str) -> bool {
        let unsubscribed = lock(&self.0.subscriptions).unsubscribe(event);
        if unsubscribed {
            self.0.subscriptions_changed();
        }
        unsubscribed
    }

    /// Until when the event is subscribed, if it is.
    pub fn subscribed_until(&self, event: &str) -> Option<Timestamp> {
        lock(&self.0.subscriptions).until(event)
    }

    /// The session's current subscriptions.
    pub fn subscriptions(&self) -> Vec<SubscriptionInfo> {
        lock(&self.0.subscriptions).list()
    }

    /// Sends an event to this session only, if it subscribed it (used for the snapshot a
    /// set sends on subscription). Returns to how many sessions it was queued: 0 or 1, as
    /// [`EventBus::emit`](crate::events::EventBus::emit) counts. Fails only when the data
    /// cannot be serialized.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<usize, serde_json::Error> {
        let payload = Payload::from_serialize(data)?;
        let data = (!payload.is_null()).then_some(payload);
        Ok(usize::from(self.0.deliver_event(event, data)))
    }

    /// Queues a stream message of the running command `cmd_nr`, waiting while the peer is
    /// behind in reading.
    pub(crate) async fn stream(&self, cmd_nr: Nr, id: String, data: Payload) -> Result<(), StreamClosed> {
        if !self.0.active.contains(cmd_nr) {
            return Err(StreamClosed::Finished);
        }
        let message = move |nr| Message::Stream(StreamMessage { nr, cmd_nr, id: Some(id), data: Some(data) });
        self.0.outbound.push_stream(message).await.map(drop).map_err(|_| StreamClosed::SessionEnded)
    }

    /// Sends a command to the peer and waits for its response (a server-to-client command,
    /// such as a login challenge). Fails on `ERROR`, on timeout and when the session ends.
    pub async fn ask<T: Serialize + ?Sized>(&self, command: &str, data: &T) -> Result<Response, CallError> {
        let data = params_payload(command, data)?;
        let call = OutgoingCall::start(&self.0, command, data, Some(self.0.limits.commands.call_timeout), false)?;
        let response = call.response().await?;
        into_result(command, response)
    }
}

/// Why a stream message could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StreamClosed {
    /// The command has answered already (or was abandoned after its cancellation).
    Finished,
    /// The session has ended.
    SessionEnded,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session").field("id", &self.0.id).field("peer", &self.0.peer).finish()
    }
}

/// Serializes call parameters; `null` (such as `()`) means no `data`.
pub(crate) fn params_payload<T: Serialize + ?Sized>(command: &str, data: &T) -> Result<Option<Payload>, CallError> {
    let payload = Payload::from_serialize(data)
        .map_err(|source| CallError::InvalidParams { command: command.to_owned(), source })?;
    Ok((!payload.is_null()).then_some(payload))
}

/// `ERROR` responses become errors.
pub(crate) fn into_result(command: &str, response: Response) -> Result<Response, CallError> {
    if response.is_ok() {
        Ok(response)
    } else {
        Err(CallError::Failed { command: command.to_owned(), response: Box::new(response) })
    }
}
