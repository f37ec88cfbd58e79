//! How the session's writer learns there is work: a flag, a waker, and the reader's turn.
//!
//! The reader and the writer of a session run in one task (see `engine::run`), which polls
//! the writer right after every turn of the reader. What the reader queues during its turn
//! therefore needs no wake-up at all; waking our own task would only cost a second pass
//! through the scheduler (and often a futex call to rouse another worker for it). Work
//! queued from elsewhere (commands running on tasks of their own, the event bus, timers
//! changed by a new command) wakes the task as usual.

use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

#[derive(Default)]
pub(crate) struct WriterWake {
    /// Something changed since the writer last looked (the permit a `Notify` would keep).
    pending: AtomicBool,
    /// Set while the reader's turn runs in the session's task.
    reader_turn: AtomicBool,
    waker: AtomicWaker,
}

impl WriterWake {
    /// Tells the writer to look again.
    pub(crate) fn wake(&self) {
        // Sequentially consistent with `end_reader_turn`: either the reader's turn is seen
        // as over here (and the task is woken), or the writer polled after the turn sees
        // `pending` set.
        self.pending.store(true, Ordering::SeqCst);
        if !self.reader_turn.load(Ordering::SeqCst) {
            self.waker.wake();
        }
    }

    /// Ready once `wake` was called since the last time this was ready.
    pub(crate) fn poll_woken(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.waker.register(cx.waker());
        if self.pending.swap(false, Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// The reader's turn begins: the writer will be polled when it ends.
    pub(crate) fn begin_reader_turn(&self) {
        self.reader_turn.store(true, Ordering::SeqCst);
    }

    /// The reader's turn is over; the caller polls the writer next.
    pub(crate) fn end_reader_turn(&self) {
        self.reader_turn.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Counter(std::sync::atomic::AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_wake_in_the_readers_turn_is_kept_without_waking_the_task() {
        let counter = Arc::new(Counter(Default::default()));
        let waker = counter.clone().into();
        let mut cx = Context::from_waker(&waker);
        let wake = WriterWake::default();
        assert!(wake.poll_woken(&mut cx).is_pending());

        wake.begin_reader_turn();
        wake.wake();
        wake.end_reader_turn();
        assert_eq!(counter.0.load(Ordering::SeqCst), 0, "no wake-up of our own task");
        assert!(wake.poll_woken(&mut cx).is_ready(), "but the writer sees the work");
        assert!(wake.poll_woken(&mut cx).is_pending(), "once");

        wake.wake();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1, "outside the turn the task is woken");
        assert!(wake.poll_woken(&mut cx).is_ready());
    }
}
