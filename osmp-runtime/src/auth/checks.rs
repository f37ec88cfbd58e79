//! Password checks with bounded concurrency: each argon2 check holds its memory (about
//! 19 MiB with the default parameters) and a blocking thread, so a burst of logins must
//! queue for a small pool instead of running all at once, and a queue that is too long
//! refuses newcomers at once. The memory of a finished check is kept for the next one
//! (see [`PasswordMemory`] for why): the pool holds at most one per concurrent check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use super::hash_memory::PasswordMemory;
use crate::limits::LoginLimits;
use crate::sync::lock;

/// Too many checks wait already; the login is refused without work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChecksBusy;

/// The pool: `concurrent_checks` run, up to `max_waiting_checks` wait.
pub(crate) struct CheckPool {
    running: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// The memory of finished checks, for the next ones.
    memories: Arc<Mutex<Vec<PasswordMemory>>>,
}

impl CheckPool {
    pub(crate) fn new(limits: &LoginLimits) -> CheckPool {
        CheckPool {
            running: Arc::new(Semaphore::new(limits.concurrent_checks.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting: limits.max_waiting_checks,
            memories: Arc::default(),
        }
    }

    /// Runs `check` on a blocking thread, in the memory of an earlier check, once the pool
    /// has room; refuses when too many wait. A check that panics counts as failed (and its
    /// memory is not kept).
    pub(crate) async fn run(
        &self,
        check: impl FnOnce(&mut PasswordMemory) -> bool + Send + 'static,
    ) -> Result<bool, ChecksBusy> {
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(ChecksBusy);
        }
        let permit = self.running.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let Ok(permit) = permit else { return Ok(false) };
        let memories = self.memories.clone();
        let checked = tokio::task::spawn_blocking(move || {
            // The permit goes with the check, even when the login waiting for it is dropped:
            // there are never more checks running, nor memories kept, than permits.
            let _permit = permit;
            let mut memory = lock(&memories).pop().unwrap_or_default();
            let matches = check(&mut memory);
            lock(&memories).push(memory);
            matches
        });
        Ok(checked.await.unwrap_or(false))
    }

    /// Memories kept for the next checks.
    #[cfg(test)]
    fn kept(&self) -> usize {
        lock(&self.memories).len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn runs_a_few_at_a_time_and_refuses_a_long_queue() {
        let limits = LoginLimits { concurrent_checks: 2, max_waiting_checks: 3, ..LoginLimits::default() };
        let pool = Arc::new(CheckPool::new(&limits));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let checks: Vec<_> = (0..5)
            .map(|_| {
                let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    pool.run(move |_| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        running.fetch_sub(1, Ordering::SeqCst);
                        true
                    })
                    .await
                })
            })
            .collect();
        let mut refused = 0;
        for check in checks {
            match check.await.unwrap() {
                Ok(result) => assert!(result),
                Err(ChecksBusy) => refused += 1,
            }
        }
        assert!(most.load(Ordering::SeqCst) <= 2, "at most two checks ran at once");
        assert!(refused <= 2, "two run, three wait: at most the rest is refused ({refused})");
        assert!((1..=2).contains(&pool.kept()), "a memory per concurrent check at most ({})", pool.kept());
    }
}
