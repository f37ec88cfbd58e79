//! Timings and limits of one session. Every value has a default taken from the reference
//! implementation or, where it has none, chosen to be safe for a server on the internet.

use std::time::Duration;

/// What a session does with events its peer does not read fast enough. Responses and
/// stream messages are never dropped (a peer that stops reading those is disconnected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum EventOverflow {
    /// Drop the oldest waiting events and keep the subscriptions: the peer sees the latest
    /// state, with gaps.
    #[default]
    DropOldest,
    /// End every subscription of the session and tell the peer why with an `error` event:
    /// the peer knows its view is incomplete and may subscribe again.
    Unsubscribe,
}

/// How a session behaves and what it tolerates.
///
/// ```
/// use std::time::Duration;
/// use osmp_runtime::session::SessionConfig;
///
/// let mut config = SessionConfig::default();
/// config.event_batch_window = Duration::from_millis(50);
/// config.max_active_commands = 64;
/// assert_eq!(config.keepalive_interval, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// How often `session-status` is sent while long commands run (reference: 5 s).
    /// `None` disables it (clients do not send it).
    pub keepalive_interval: Option<Duration>,
    /// How old a command must be before `session-status` reports it (reference: 2 s).
    pub keepalive_after: Duration,
    /// Events produced within this window after a first one are sent together as one
    /// multi-event (reference: 200 ms). The first event of a quiet period goes out at once.
    /// Zero sends every event on its own.
    pub event_batch_window: Duration,
    /// How long a cancelled command may take to answer before the session drops its
    /// handler and answers `OK "Cancelled"` on its behalf.
    pub cancel_grace: Duration,
    /// How long a command sent to the peer waits for a response, stream or `session-status`.
    pub call_timeout: Duration,
    /// Commands the peer may have running at once; further ones are answered with an error.
    pub max_active_commands: usize,
    /// Event subscriptions a session may hold.
    pub max_subscriptions: usize,
    /// Outgoing messages queued before stream senders wait for the peer to read.
    pub outgoing_high_water: usize,
    /// Outgoing messages queued before the session is closed because the peer does not read.
    /// Responses are never dropped, so a peer that stops reading is disconnected instead.
    pub outgoing_hard_limit: usize,
    /// Events held while the peer is not reading; beyond this [`event_overflow`](Self::event_overflow) applies.
    pub max_pending_events: usize,
    /// What happens when a session's peer reads events too slowly.
    pub event_overflow: EventOverflow,
    /// Capacity of the buffer of stream messages a caller has not consumed yet; beyond it
    /// the oldest are dropped (progress is the common case and only the latest matters).
    pub call_stream_buffer: usize,
    /// How often the session sends a transport-level ping. `None` sends none.
    pub ping_interval: Option<Duration>,
    /// A peer silent for this long (no message, no pong) is disconnected.
    pub dead_peer_timeout: Duration,
    /// How long to wait for the peer to acknowledge a close before dropping the connection.
    pub close_timeout: Duration,
}

impl Default for SessionConfig {
    fn default() -> SessionConfig {
        SessionConfig {
            keepalive_interval: Some(Duration::from_secs(5)),
            keepalive_after: Duration::from_secs(2),
            event_batch_window: Duration::from_millis(200),
            cancel_grace: Duration::from_secs(5),
            call_timeout: Duration::from_secs(10),
            max_active_commands: 1024,
            max_subscriptions: 1024,
            outgoing_high_water: 1024,
            outgoing_hard_limit: 16 * 1024,
            max_pending_events: 4096,
            event_overflow: EventOverflow::DropOldest,
            call_stream_buffer: 1024,
            ping_interval: Some(Duration::from_secs(30)),
            dead_peer_timeout: Duration::from_secs(90),
            close_timeout: Duration::from_secs(3),
        }
    }
}

impl SessionConfig {
    /// The defaults for the client side of a session: no `session-status` (that is the
    /// server's duty).
    pub fn client() -> SessionConfig {
        SessionConfig { keepalive_interval: None, ..SessionConfig::default() }
    }
}
