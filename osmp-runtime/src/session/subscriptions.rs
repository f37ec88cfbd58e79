//! The events a session subscribed, each until its own deadline.

use std::collections::HashMap;
use tokio::time::Instant;

use crate::wire::Timestamp;

/// One subscription as `event-list` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionInfo {
    /// The event name.
    pub event: String,
    /// When the subscription ends.
    pub until: Timestamp,
}

struct Entry {
    until: Timestamp,
    /// `None` when the deadline is beyond what `Instant` can represent (effectively never).
    expires: Option<Instant>,
}

/// A session's subscriptions, keyed by canonical event name.
#[derive(Default)]
pub(crate) struct Subscriptions {
    entries: HashMap<String, Entry>,
}

impl Subscriptions {
    /// Subscribes (or renews) an event until `until`. Returns false if `limit` subscriptions
    /// are already held and this would be a new one.
    pub(crate) fn subscribe(&mut self, event: &str, until: Timestamp, limit: usize) -> bool {
        self.purge_expired();
        if !self.entries.contains_key(event) && self.entries.len() >= limit {
            return false;
        }
        let remaining = until.date_time().signed_duration_since(Timestamp::now().date_time());
        let expires = remaining.to_std().map_or(Some(Instant::now()), |left| Instant::now().checked_add(left));
        self.entries.insert(event.to_owned(), Entry { until, expires });
        true
    }

    /// Ends a subscription; false if there was none.
    pub(crate) fn unsubscribe(&mut self, event: &str) -> bool {
        self.entries.remove(event).is_some()
    }

    /// Whether `event` is subscribed now.
    pub(crate) fn is_subscribed(&self, event: &str, now: Instant) -> bool {
        match self.entries.get(event) {
            Some(entry) => entry.expires.is_none_or(|expires| now < expires),
            None => false,
        }
    }

    /// The current subscriptions (expired ones are forgotten).
    pub(crate) fn list(&mut self) -> Vec<SubscriptionInfo> {
        self.purge_expired();
        let mut list: Vec<SubscriptionInfo> = self
            .entries
            .iter()
            .map(|(event, entry)| SubscriptionInfo { event: event.clone(), until: entry.until })
            .collect();
        list.sort_by(|a, b| a.event.cmp(&b.event));
        list
    }

    pub(crate) fn until(&mut self, event: &str) -> Option<Timestamp> {
        self.purge_expired();
        self.entries.get(event).map(|entry| entry.until)
    }

    fn purge_expired(&mut self) {
        let now = Instant::now();
        self.entries.retain(|_, entry| entry.expires.is_none_or(|expires| now < expires));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Timeout;
    use std::time::Duration;

    #[test]
    fn expires_and_limits() {
        let mut subscriptions = Subscriptions::default();
        let soon = Timeout::After(Duration::from_millis(30)).deadline(Timestamp::now());
        let later = Timeout::After(Duration::from_secs(3600 * 24 * 3650)).deadline(Timestamp::now());
        assert!(subscriptions.subscribe("a", soon, 2));
        assert!(subscriptions.subscribe("b", later, 2));
        assert!(!subscriptions.subscribe("c", later, 2));
        assert!(subscriptions.subscribe("b", later, 2), "renewing is not a new subscription");
        assert!(subscriptions.is_subscribed("a", Instant::now()));
        std::thread::sleep(Duration::from_millis(40));
        assert!(!subscriptions.is_subscribed("a", Instant::now()));
        assert_eq!(subscriptions.list().len(), 1);
        assert!(subscriptions.subscribe("c", later, 2), "the expired one no longer counts");
        assert!(subscriptions.unsubscribe("c"));
        assert!(!subscriptions.unsubscribe("c"));
    }
}
