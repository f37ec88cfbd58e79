//! Throttling of failed logins, per peer address.
//!
//! Each address may fail a number of times within a window; beyond that its logins are
//! refused until the window has passed. A successful login clears the address's record.
//! The table is bounded: the oldest records are forgotten first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use tokio::time::Instant;

use crate::limits::LoginLimits;
use crate::sync::lock;

struct Record {
    /// Attempts that failed within the window.
    failures: u32,
    /// Attempts begun and not finished yet.
    in_flight: u32,
    since: Instant,
}

/// Logins per address: those that failed within the window and those in progress.
pub(crate) struct LoginLimiter {
    limits: LoginLimits,
    records: Arc<Mutex<HashMap<IpAddr, Record>>>,
}

/// A login attempt of an address, counted from its start: it ends as a failure, a
/// success, or (dropped unfinished, when its command was cancelled) as nothing.
pub(crate) struct LoginAttempt {
    address: IpAddr,
    records: Arc<Mutex<HashMap<IpAddr, Record>>>,
    window: Duration,
    finished: bool,
}

impl LoginLimiter {
    pub(crate) fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter { limits, records: Arc::default() }
    }

    pub(crate) fn limits(&self) -> &LoginLimits {
        &self.limits
    }

    /// Begins an attempt of `address`, unless its failures and attempts in progress already
    /// reach the limit. Counted when it starts, so that a burst of concurrent attempts is
    /// held to the limit exactly.
    pub(crate) fn begin(&self, address: IpAddr) -> Option<LoginAttempt> {
        let mut records = lock(&self.records);
        let now = Instant::now();
        self.make_room(&mut records, address, now);
        let record = records.entry(address).or_insert(Record { failures: 0, in_flight: 0, since: now });
        if now.duration_since(record.since) >= self.limits.window {
            record.failures = 0;
            record.since = now;
        }
        if record.failures + record.in_flight >= self.limits.per_address {
            return None;
        }
        record.in_flight += 1;
        Some(LoginAttempt { address, records: self.records.clone(), window: self.limits.window, finished: false })
    }

    /// Keeps the table bounded: forgets expired records, then the oldest, before a new
    /// address is added.
    fn make_room(&self, records: &mut HashMap<IpAddr, Record>, address: IpAddr, now: Instant) {
        if records.len() < self.limits.max_tracked_addresses || records.contains_key(&address) {
            return;
        }
        records.retain(|_, record| record.in_flight > 0 || now.duration_since(record.since) < self.limits.window);
        if records.len() >= self.limits.max_tracked_addresses {
            let oldest = records
                .iter()
                .filter(|(_, record)| record.in_flight == 0)
                .min_by_key(|(_, record)| record.since)
                .map(|(address, _)| *address);
            if let Some(oldest) = oldest {
                records.remove(&oldest);
            }
        }
    }
}

impl LoginAttempt {
    /// The attempt failed: it counts against the address for the window.
    pub(crate) fn failed(mut self) {
        self.finish(|record, window| {
            let now = Instant::now();
            if now.duration_since(record.since) >= window {
                record.failures = 0;
                record.since = now;
            }
            record.failures += 1;
        });
    }

    /// The attempt succeeded: the address's failures are forgotten.
    pub(crate) fn succeeded(mut self) {
        self.finish(|record, _| record.failures = 0);
    }

    fn finish(&mut self, outcome: impl FnOnce(&mut Record, Duration)) {
        self.finished = true;
        let mut records = lock(&self.records);
        if let Some(record) = records.get_mut(&self.address) {
            record.in_flight = record.in_flight.saturating_sub(1);
            outcome(record, self.window);
            if record.failures == 0 && record.in_flight == 0 {
                records.remove(&self.address);
            }
        }
    }
}

impl Drop for LoginAttempt {
    fn drop(&mut self) {
        if !self.finished {
            self.finish(|_, _| {});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn refuses_after_too_many_failures_until_the_window_passes() {
        let limiter = LoginLimiter::new(LoginLimits { per_address: 3, ..LoginLimits::default() });
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            limiter.begin(address).expect("allowed").failed();
        }
        assert!(limiter.begin(address).is_none());
        assert!(limiter.begin(other).is_some(), "other addresses are not affected");
        tokio::time::advance(Duration::from_secs(61)).await;
        limiter.begin(address).expect("allowed after the window").failed();
        limiter.begin(address).expect("allowed").succeeded();
        assert!(limiter.begin(address).is_some());
    }

    #[test]
    fn attempts_count_from_their_start() {
        let limiter = LoginLimiter::new(LoginLimits { per_address: 5, ..LoginLimits::default() });
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let burst: Vec<LoginAttempt> = (0..5).map(|_| limiter.begin(address).expect("within the limit")).collect();
        assert!(limiter.begin(address).is_none(), "five attempts in progress hold the limit");
        drop(burst);
        assert!(limiter.begin(address).is_some(), "cancelled attempts do not count as failures");
    }

    #[test]
    fn forgets_the_oldest_address_when_full() {
        let limiter =
            LoginLimiter::new(LoginLimits { max_tracked_addresses: 2, per_address: 1, ..LoginLimits::default() });
        let addresses: Vec<IpAddr> = (1..=3).map(|i| format!("192.0.2.{i}").parse().unwrap()).collect();
        for address in &addresses {
            limiter.begin(*address).expect("a first attempt").failed();
        }
        assert_eq!(lock(&limiter.records).len(), 2);
        assert!(limiter.begin(addresses[2]).is_none());
    }
}
