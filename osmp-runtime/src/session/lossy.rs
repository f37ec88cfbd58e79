//! A bounded queue that drops its oldest item when full, for consumers that may fall behind
//! without being allowed to slow down the session: stream messages of a call, events of a
//! client subscription.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::sync::lock;

pub(crate) struct LossyQueue<T> {
    state: Mutex<State<T>>,
    dropped: AtomicU64,
    capacity: usize,
    ready: Notify,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> LossyQueue<T> {
    pub(crate) fn new(capacity: usize) -> LossyQueue<T> {
        LossyQueue {
            state: Mutex::new(State { items: VecDeque::new(), closed: false }),
            dropped: AtomicU64::new(0),
            capacity: capacity.max(1),
            ready: Notify::new(),
        }
    }

    /// Adds an item, dropping the oldest if the queue is full. Ignored once closed.
    pub(crate) fn push(&self, item: T) {
        let mut state = lock(&self.state);
        if state.closed {
            return;
        }
        if state.items.len() >= self.capacity {
            state.items.pop_front();
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        state.items.push_back(item);
        drop(state);
        self.ready.notify_one();
    }

    pub(crate) fn try_pop(&self) -> Option<T> {
        lock(&self.state).items.pop_front()
    }

    /// The next item; `None` once the queue is closed and empty.
    pub(crate) async fn pop(&self) -> Option<T> {
        loop {
            let ready = self.ready.notified();
            {
                let mut state = lock(&self.state);
                if let Some(item) = state.items.pop_front() {
                    return Some(item);
                }
                if state.closed {
                    return None;
                }
            }
            ready.await;
        }
    }

    /// Completes when an item may be available (or the queue closed).
    pub(crate) async fn readable(&self) {
        let ready = self.ready.notified();
        {
            let state = lock(&self.state);
            if !state.items.is_empty() || state.closed {
                return;
            }
        }
        ready.await;
    }

    /// Lets consumers drain what is left, then see the end.
    pub(crate) fn close(&self) {
        lock(&self.state).closed = true;
        self.ready.notify_waiters();
        self.ready.notify_one();
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drops_oldest_and_ends_after_close() {
        let queue = LossyQueue::new(2);
        for item in 1..=3 {
            queue.push(item);
        }
        assert_eq!(queue.dropped(), 1);
        assert_eq!(queue.pop().await, Some(2));
        queue.close();
        queue.push(9);
        assert_eq!(queue.pop().await, Some(3));
        assert_eq!(queue.pop().await, None);
    }

    #[tokio::test]
    async fn wakes_a_waiting_consumer() {
        let queue = std::sync::Arc::new(LossyQueue::new(4));
        let consumer = tokio::spawn({
            let queue = queue.clone();
            async move { queue.pop().await }
        });
        tokio::task::yield_now().await;
        queue.push("x");
        assert_eq!(consumer.await.unwrap(), Some("x"));
    }
}
