//! How a session behaves when nothing is wrong: its timers. Every value has a default
//! taken from the reference implementation or, where it has none, chosen to be safe for a
//! server on the internet. What a session tolerates is in [`Limits`](crate::limits::Limits).

use std::time::Duration;

/// The timers of a session.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use std::time::Duration;
/// use osmp::session::SessionConfig;
///
/// let mut config = SessionConfig::default();
/// config.event_batch_window = Duration::from_millis(50);
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
    /// How often the session sends a transport-level ping (default 30 s). `None` sends
    /// none. A peer silent for longer than `Limits::connections.dead_peer_timeout` is
    /// disconnected.
    pub ping_interval: Option<Duration>,
}

impl Default for SessionConfig {
    fn default() -> SessionConfig {
        SessionConfig {
            keepalive_interval: Some(Duration::from_secs(5)),
            keepalive_after: Duration::from_secs(2),
            event_batch_window: Duration::from_millis(200),
            ping_interval: Some(Duration::from_secs(30)),
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
