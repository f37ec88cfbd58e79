//! Password checks with bounded concurrency: each argon2 check holds its memory (about
//! 19 MiB with the default parameters) and a blocking thread, so a burst of logins must
//! queue for a small pool instead of running all at once, and a queue that is too long
//! refuses newcomers at once.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;

use crate::limits::LoginLimits;

/// Too many checks wait already; the login is refused without work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChecksBusy;

/// The pool: `concurrent_checks` run, up to `max_waiting_checks` wait.
pub(crate) struct CheckPool {
    running: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl CheckPool {
    pub(crate) fn new(limits: &LoginLimits) -> CheckPool {
        CheckPool {
            running: Semaphore::new(limits.concurrent_checks.max(1)),
            waiting: AtomicUsize::new(0),
            max_waiting: limits.max_waiting_checks,
        }
    }

    /// Runs `check` on a blocking thread once the pool has room; refuses when too many
    /// wait. A check that panics counts as failed.
    pub(crate) async fn run(&self, check: impl FnOnce() -> bool + Send + 'static) -> Result<bool, ChecksBusy> {
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(ChecksBusy);
        }
        let permit = self.running.acquire().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let Ok(_permit) = permit else { return Ok(false) };
        Ok(tokio::task::spawn_blocking(check).await.unwrap_or(false))
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
                    pool.run(move || {
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
    }
}
