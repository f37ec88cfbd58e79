//! Counts every heap allocation of the process, for the suite's allocations per request,
//! when built with the `count-allocations` feature.
//!
//! The counter wraps the system allocator of the whole binary, so the three servers under
//! test (each a child process running this binary) and the load generator all carry it. It
//! is not free: stats_alloc adds two locked atomic additions to every allocation and every
//! free, which on the 2-core machine cost the servers 10-20% more CPU per echo request (up
//! to 45% for osmp at 64×4) and so distort the throughput and CPU figures. Hence a feature,
//! off by default: one build for timing, one for counting (the counts do not depend on it).

#[cfg(feature = "count-allocations")]
use std::alloc::System;
use std::ops::Sub;

#[cfg(feature = "count-allocations")]
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

// stats_alloc holds the `unsafe impl GlobalAlloc`; this crate forbids unsafe code.
#[cfg(feature = "count-allocations")]
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Whether this build counts allocations.
pub const COUNTING: bool = cfg!(feature = "count-allocations");

/// What the allocator has handed out since the process started (or between two readings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allocations {
    /// Calls that obtained memory: `alloc`, `alloc_zeroed` and `realloc` (which may move).
    pub count: u64,
    /// Bytes those calls asked for (a `realloc` counts what it grew by).
    pub bytes: u64,
}

impl Allocations {
    /// The process's totals so far; `None` in a build that does not count.
    #[cfg(feature = "count-allocations")]
    pub fn now() -> Option<Allocations> {
        let stats = GLOBAL.stats();
        Some(Allocations {
            count: (stats.allocations + stats.reallocations) as u64,
            bytes: stats.bytes_allocated as u64,
        })
    }

    /// The process's totals so far; `None` in a build that does not count.
    #[cfg(not(feature = "count-allocations"))]
    pub fn now() -> Option<Allocations> {
        None
    }
}

impl Sub for Allocations {
    type Output = Allocations;

    fn sub(self, earlier: Allocations) -> Allocations {
        Allocations { count: self.count.saturating_sub(earlier.count), bytes: self.bytes.saturating_sub(earlier.bytes) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_when_built_to() {
        let before = Allocations::now();
        let buffer = std::hint::black_box(vec![1u8; 1000]);
        let after = Allocations::now();
        drop(buffer);
        match after.zip(before) {
            Some((after, before)) => {
                let grown = after - before;
                assert!(grown.count >= 1 && grown.bytes >= 1000, "{grown:?}");
            }
            None => assert!(!COUNTING && before.is_none()),
        }
    }
}
