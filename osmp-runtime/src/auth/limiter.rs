//! Throttling of failed logins, per peer address.
//!
//! Each address may fail a number of times within a window; beyond that its logins are
//! refused until the window has passed. A successful login clears the address's record.
//! The table is bounded: the oldest records are forgotten first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use tokio::time::Instant;

use crate::limits::LoginLimits;
use crate::sync::lock;

struct Record {
    failures: u32,
    since: Instant,
}

/// Failed logins per address.
pub(crate) struct LoginLimiter {
    limits: LoginLimits,
    records: Mutex<HashMap<IpAddr, Record>>,
}

impl LoginLimiter {
    pub(crate) fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter { limits, records: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn limits(&self) -> &LoginLimits {
        &self.limits
    }

    /// Whether the address may try to log in now.
    pub(crate) fn allows(&self, address: IpAddr) -> bool {
        let records = lock(&self.records);
        match records.get(&address) {
            Some(record) if record.since.elapsed() < self.limits.window => record.failures < self.limits.per_address,
            _ => true,
        }
    }

    pub(crate) fn failed(&self, address: IpAddr) {
        let mut records = lock(&self.records);
        let now = Instant::now();
        if records.len() >= self.limits.max_tracked_addresses && !records.contains_key(&address) {
            records.retain(|_, record| now.duration_since(record.since) < self.limits.window);
            if records.len() >= self.limits.max_tracked_addresses {
                let oldest = records.iter().min_by_key(|(_, record)| record.since).map(|(address, _)| *address);
                if let Some(oldest) = oldest {
                    records.remove(&oldest);
                }
            }
        }
        let record = records.entry(address).or_insert(Record { failures: 0, since: now });
        if now.duration_since(record.since) >= self.limits.window {
            *record = Record { failures: 0, since: now };
        }
        record.failures += 1;
    }

    pub(crate) fn succeeded(&self, address: IpAddr) {
        lock(&self.records).remove(&address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn refuses_after_too_many_failures_until_the_window_passes() {
        let limiter = LoginLimiter::new(LoginLimits { per_address: 3, ..LoginLimits::default() });
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.allows(address));
            limiter.failed(address);
        }
        assert!(!limiter.allows(address));
        assert!(limiter.allows(other), "other addresses are not affected");
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(limiter.allows(address));
        limiter.failed(address);
        limiter.succeeded(address);
        assert!(limiter.allows(address));
    }

    #[test]
    fn forgets_the_oldest_address_when_full() {
        let limiter =
            LoginLimiter::new(LoginLimits { max_tracked_addresses: 2, per_address: 1, ..LoginLimits::default() });
        let addresses: Vec<IpAddr> = (1..=3).map(|i| format!("192.0.2.{i}").parse().unwrap()).collect();
        for address in &addresses {
            limiter.failed(*address);
        }
        assert_eq!(lock(&limiter.records).len(), 2);
        assert!(!limiter.allows(addresses[2]));
    }
}
