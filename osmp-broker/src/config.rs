//! Where and how to connect: the broker URL, the connection's name, the connect timeout and
//! the reconnection policy.

use std::time::Duration;

/// How to reconnect after the connection to the broker is lost: the first attempt after
/// `initial_delay`, each further one after twice the previous delay, at most `max_delay`,
/// forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Delay before the first attempt (default 100 ms).
    pub initial_delay: Duration,
    /// Longest delay between attempts (default 10 s).
    pub max_delay: Duration,
}

impl Default for Reconnect {
    fn default() -> Reconnect {
        Reconnect { initial_delay: Duration::from_millis(100), max_delay: Duration::from_secs(10) }
    }
}

impl Reconnect {
    /// The delay after `delay`: twice as long, at most `max_delay` and at least
    /// `initial_delay`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = osmp_broker::Reconnect::default();
    /// assert_eq!(policy.next_delay(Duration::from_millis(100)), Duration::from_millis(200));
    /// assert_eq!(policy.next_delay(Duration::from_secs(8)), Duration::from_secs(10));
    /// ```
    pub fn next_delay(&self, delay: Duration) -> Duration {
        (delay * 2).min(self.max_delay).max(self.initial_delay)
    }
}

/// What a [`Link`](crate::Link) connects to and how.
///
/// ```
/// use std::time::Duration;
/// use osmp_broker::{LinkConfig, Reconnect};
///
/// let config = LinkConfig::new("amqp://127.0.0.1:5672/%2f")
///     .name("sensor cluster")
///     .connect_timeout(Duration::from_secs(5))
///     .reconnect(Reconnect { initial_delay: Duration::from_millis(50), max_delay: Duration::from_secs(2) });
/// assert_eq!(config.name, "sensor cluster");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct LinkConfig {
    /// The broker URL, `amqp://user:password@host:port/vhost` (`%2f` is the default
    /// virtual host `/`).
    pub url: String,
    /// The connection's name, as the broker's management shows it (default `osmp-broker`).
    pub name: String,
    /// How long one connection attempt may take (default 10 s).
    pub connect_timeout: Duration,
    /// How to reconnect after the connection is lost.
    pub reconnect: Reconnect,
}

impl LinkConfig {
    /// The broker at `url`, with the default name, timeout and policy.
    pub fn new(url: impl Into<String>) -> LinkConfig {
        LinkConfig {
            url: url.into(),
            name: "osmp-broker".to_owned(),
            connect_timeout: Duration::from_secs(10),
            reconnect: Reconnect::default(),
        }
    }

    /// Sets the connection's name.
    pub fn name(mut self, name: impl Into<String>) -> LinkConfig {
        self.name = name.into();
        self
    }

    /// Sets how long one connection attempt may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> LinkConfig {
        self.connect_timeout = timeout;
        self
    }

    /// Sets how to reconnect.
    pub fn reconnect(mut self, reconnect: Reconnect) -> LinkConfig {
        self.reconnect = reconnect;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let policy = Reconnect { initial_delay: Duration::from_millis(100), max_delay: Duration::from_millis(350) };
        let mut delay = policy.initial_delay;
        let mut delays = Vec::new();
        for _ in 0..4 {
            delays.push(delay.as_millis());
            delay = policy.next_delay(delay);
        }
        assert_eq!(delays, [100, 200, 350, 350]);
    }

    #[test]
    fn backoff_never_goes_below_the_initial_delay() {
        let policy = Reconnect { initial_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        assert_eq!(policy.next_delay(Duration::ZERO), Duration::from_millis(100));
        assert_eq!(policy.next_delay(Duration::from_secs(60)), Duration::from_secs(1));
    }

    #[test]
    fn defaults() {
        let config = LinkConfig::new("amqp://x");
        assert_eq!((config.url.as_str(), config.name.as_str()), ("amqp://x", "osmp-broker"));
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.reconnect, Reconnect::default());
    }
}
