//! Counts the heap allocations of a server child between two questions of the load
//! generator, for the suite's allocations per request.
//!
//! Every process of the suite runs on the system allocator behind taktora-bounded-alloc's
//! `CountingAllocator`, which counts only while its switch is on. Switched off (always in
//! the load generator, and in a server child outside a counting interval) it costs each
//! allocation and each free one relaxed load of a flag that is not being written, so the
//! timing figures are the system allocator's. Switched on it adds a locked atomic addition
//! to every allocation and every free, shared by all threads, which on two shared cores
//! costs the servers 10-20% CPU per request: the load generator
//! therefore counts in an interval of its own after the timed one (`crate::load::run_echo`).

use taktora_bounded_alloc::CountingAllocator;

// The crate holds the `unsafe impl GlobalAlloc`; this crate forbids unsafe code.
#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator::new();

/// Sets the count to zero and starts counting this process's allocations: `alloc`,
/// `alloc_zeroed` and `realloc` (which may move) calls, on any thread.
pub fn start() {
    GLOBAL.set_tracking(false);
    GLOBAL.reset();
    GLOBAL.set_tracking(true);
}

/// Stops counting and returns the allocations made since [`start`].
pub fn stop() -> u64 {
    GLOBAL.set_tracking(false);
    GLOBAL.alloc_count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_between_start_and_stop_only() {
        start();
        let buffers: Vec<Vec<u8>> = (0..100).map(|i| std::hint::black_box(vec![1u8; 100 + i])).collect();
        let counted = stop();
        drop(buffers);
        // The 100 buffers and the vector holding them; other tests' threads may add theirs.
        assert!(counted >= 101, "{counted}");
        let _ = std::hint::black_box(vec![1u8; 1000]);
        assert_eq!(GLOBAL.alloc_count() as u64, counted, "counted after stop");
    }
}
