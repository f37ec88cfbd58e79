//! The outgoing side of a session: numbering, queueing, event batching and backpressure.
//!
//! Every message gets its `nr` when it enters the queue, under the queue's lock, so the
//! numbers on the wire always increase. The writer task takes everything queued at once and
//! writes it with a single flush: replies that are ready together share one write.
//!
//! The queue counts what it holds in messages and in bytes (each message's
//! [`size_estimate`](Message::size_estimate)), so that limits can be set in either.
//!
//! Three kinds of traffic are treated differently when the peer does not read:
//! - stream messages wait for room (the handler slows down to the reader's pace);
//! - responses are always queued; a peer that lets the queue reach the hard limit is
//!   disconnected, since dropping a response would leave its command unanswered;
//! - events wait in a bounded buffer from which the oldest are dropped.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::Notify;

use super::wake::WriterWake;
use super::SessionConfig;
use crate::limits::{Limits, OutgoingLimits};
use crate::sync::lock;
use crate::transport::CloseReason;
use crate::wire::{Event, EventBody, EventItem, Message, Nr};

/// The queue no longer accepts messages: the session is closing or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed;

pub(crate) struct Outbound {
    state: Mutex<State>,
    /// Wakes the writer: something was queued, or a timer it does not know about changed.
    wake_writer: WriterWake,
    /// Wakes stream senders waiting for room, and everyone when the queue closes.
    room: Notify,
    bounds: Bounds,
    max_pending_events: usize,
    batch_window: Duration,
}

struct State {
    next_nr: Nr,
    queue: VecDeque<Message>,
    /// The size of what `queue` holds, in bytes.
    queue_bytes: usize,
    /// Events waiting for the end of the batching window.
    events: VecDeque<EventItem>,
    /// The size of what `events` holds, in bytes.
    event_bytes: usize,
    /// While set and in the future, new events join `events` instead of going out at once.
    window_until: Option<Instant>,
    dropped_events: u64,
    /// Set once a close was requested; the writer sends what is queued, then the close.
    close: Option<CloseReason>,
}

/// Whether queuing an event pushed older ones out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    None,
    DroppedOldest,
}

/// The most messages an idle session's queue keeps room for: after a burst the rest is
/// given back, so that a burst long ago costs an idle session nothing.
const RETAINED_QUEUE_CAPACITY: usize = 16;

/// What the writer should do next.
pub(crate) enum WriterTask {
    /// Write the messages swapped into the writer's batch, then flush.
    Write,
    /// Everything is written: send this close frame and stop.
    Close(CloseReason),
    /// Nothing to do until woken or until the deadline (the end of an event window).
    Wait(Option<Instant>),
}

impl Outbound {
    pub(crate) fn new(config: &SessionConfig, limits: &Limits) -> Outbound {
        let (outgoing, events) = (&limits.outgoing, &limits.events);
        Outbound {
            state: Mutex::new(State {
                next_nr: 1,
                queue: VecDeque::new(),
                queue_bytes: 0,
                events: VecDeque::new(),
                event_bytes: 0,
                window_until: None,
                dropped_events: 0,
                close: None,
            }),
            wake_writer: WriterWake::default(),
            room: Notify::new(),
            bounds: Bounds::new(outgoing),
            max_pending_events: events.max_pending.max(1),
            batch_window: config.event_batch_window,
        }
    }

    /// Queues a message that must not be dropped (responses, commands, cancels).
    pub(crate) fn push(&self, make: impl FnOnce(Nr) -> Message) -> Result<Nr, Closed> {
        let mut state = lock(&self.state);
        if state.close.is_some() {
            return Err(Closed);
        }
        let nr = state.take_nr();
        state.enqueue(make(nr));
        if self.bounds.over_hard_limit(&state) {
            tracing::warn!(
                queued = state.queue.len(),
                bytes = state.queue_bytes,
                "peer does not read; closing the session"
            );
            state.close = Some(CloseReason::policy("outgoing queue overflow: the peer does not read"));
            drop(state);
            self.room.notify_waiters();
        } else {
            drop(state);
        }
        self.wake_writer.wake();
        Ok(nr)
    }

    /// Queues a stream message, first waiting while the peer is behind.
    pub(crate) async fn push_stream(&self, make: impl FnOnce(Nr) -> Message) -> Result<Nr, Closed> {
        loop {
            let room = self.room.notified();
            {
                let state = lock(&self.state);
                if state.close.is_some() {
                    return Err(Closed);
                }
                if !self.bounds.backed_up(&state) {
                    drop(state);
                    return self.push(make);
                }
            }
            room.await;
        }
    }

    /// Queues an event: at once if no event went out recently, else into the current batch.
    /// Returns whether older events had to be dropped to make room.
    pub(crate) fn push_event(&self, item: EventItem) -> Result<Overflow, Closed> {
        let mut state = lock(&self.state);
        if state.close.is_some() {
            return Err(Closed);
        }
        let now = Instant::now();
        let window_open = state.window_until.is_some_and(|until| now < until);
        // Events still waiting for the writer (their window has ended, but it has not run
        // yet) must go out first: a new event joins them rather than overtaking them.
        let batch_pending = !state.events.is_empty();
        let mut overflow = Overflow::None;
        if window_open || batch_pending || self.bounds.backed_up(&state) {
            if state.events.len() >= self.max_pending_events {
                overflow = Overflow::DroppedOldest;
                if let Some(dropped) = state.events.pop_front() {
                    state.event_bytes -= dropped.size_estimate();
                }
                state.dropped_events += 1;
                if state.dropped_events.is_power_of_two() {
                    tracing::warn!(dropped = state.dropped_events, "peer does not read; dropping oldest events");
                }
            }
            state.event_bytes += item.size_estimate();
            state.events.push_back(item);
            if state.window_until.is_none() {
                state.window_until = Some(now + self.batch_window);
            }
        } else {
            let nr = state.take_nr();
            state.enqueue(Message::Event(Event { nr, body: EventBody::Single(item) }));
            if !self.batch_window.is_zero() {
                state.window_until = Some(now + self.batch_window);
            }
        }
        drop(state);
        self.wake_writer.wake();
        Ok(overflow)
    }

    /// What the queue holds now.
    pub(crate) fn sizes(&self) -> QueueSizes {
        let state = lock(&self.state);
        QueueSizes {
            messages: state.queue.len(),
            message_bytes: state.queue_bytes,
            events: state.events.len(),
            event_bytes: state.event_bytes,
            dropped_events: state.dropped_events,
        }
    }

    /// Forgets the events waiting to be sent (their subscriptions were ended).
    pub(crate) fn discard_events(&self) -> usize {
        let mut state = lock(&self.state);
        let discarded = state.events.len();
        state.events.clear();
        state.event_bytes = 0;
        discarded
    }

    /// Asks the writer to send what is queued and then close.
    pub(crate) fn close(&self, reason: CloseReason) {
        let mut state = lock(&self.state);
        if state.close.is_none() {
            state.close = Some(reason);
        }
        drop(state);
        self.wake_writer.wake();
        self.room.notify_waiters();
    }

    pub(crate) fn wake_writer(&self) {
        self.wake_writer.wake();
    }

    /// Completes when the writer should look at the queue again.
    pub(crate) async fn writer_woken(&self) {
        std::future::poll_fn(|cx| self.wake_writer.poll_woken(cx)).await;
    }

    /// The reader's turn begins: what it queues needs no wake-up (see [`WriterWake`]).
    pub(crate) fn begin_reader_turn(&self) {
        self.wake_writer.begin_reader_turn();
    }

    /// The reader's turn is over; the writer is polled next.
    pub(crate) fn end_reader_turn(&self) {
        self.wake_writer.end_reader_turn();
    }

    /// Called by the writer after a write: stream senders may continue.
    pub(crate) fn wrote(&self) {
        self.room.notify_waiters();
    }

    /// Whether the queue is above its high-water mark (in messages or bytes): the peer is
    /// behind, and the session reads no new commands from it until it has caught up.
    pub(crate) fn is_backed_up(&self) -> bool {
        self.bounds.backed_up(&lock(&self.state))
    }

    /// Completes once the queue is below its high-water mark again (or closing).
    pub(crate) async fn room(&self) {
        loop {
            let room = self.room.notified();
            {
                let state = lock(&self.state);
                if state.close.is_some() || !self.bounds.backed_up(&state) {
                    return;
                }
            }
            room.await;
        }
    }

    /// Hands the writer its next task. Queued messages are swapped into `batch` (which the
    /// writer has emptied), so the buffers are reused instead of reallocated; before a wait
    /// the writer's is handed back (see `State::keep_one_buffer`).
    pub(crate) fn next_task(&self, batch: &mut VecDeque<Message>) -> WriterTask {
        let mut state = lock(&self.state);
        let now = Instant::now();
        if state.window_until.is_some_and(|until| now >= until) {
            let had_events = !state.events.is_empty();
            if !self.bounds.backed_up(&state) {
                state.flush_events();
            }
            // A window that carried events stays open, so a sustained flow keeps being
            // batched; a quiet one closes and the next event goes out at once.
            state.window_until = had_events.then(|| now + self.batch_window);
        }
        if !state.queue.is_empty() {
            std::mem::swap(&mut state.queue, batch);
            state.queue_bytes = 0;
            return WriterTask::Write;
        }
        if let Some(reason) = state.close.clone() {
            return WriterTask::Close(reason);
        }
        state.keep_one_buffer(batch);
        WriterTask::Wait(if state.events.is_empty() { None } else { state.window_until })
    }

    /// Queues a protocol event (`session-status`, `error`) that bypasses subscriptions and
    /// batching.
    pub(crate) fn push_protocol_event(&self, item: EventItem) -> Result<Nr, Closed> {
        self.push(|nr| Message::Event(Event { nr, body: EventBody::Single(item) }))
    }
}

/// How much the queue holds before the peer counts as behind, and before it counts as not
/// reading at all: in messages and in bytes, whichever comes first.
struct Bounds {
    high_water: usize,
    high_water_bytes: usize,
    hard_limit: usize,
    hard_limit_bytes: usize,
}

impl Bounds {
    fn new(outgoing: &OutgoingLimits) -> Bounds {
        let high_water = outgoing.high_water.max(1);
        let high_water_bytes = outgoing.high_water_bytes.max(1);
        Bounds {
            high_water,
            high_water_bytes,
            hard_limit: outgoing.hard_limit.max(high_water),
            hard_limit_bytes: outgoing.hard_limit_bytes.max(high_water_bytes),
        }
    }

    /// Events wait, streams wait and no commands are read.
    fn backed_up(&self, state: &State) -> bool {
        state.queue.len() >= self.high_water || state.queue_bytes >= self.high_water_bytes
    }

    /// The session closes: responses cannot be dropped, so a peer this far behind goes.
    fn over_hard_limit(&self, state: &State) -> bool {
        state.queue.len() > self.hard_limit || state.queue_bytes > self.hard_limit_bytes
    }
}

/// What an outgoing queue holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueSizes {
    pub(crate) messages: usize,
    pub(crate) message_bytes: usize,
    pub(crate) events: usize,
    pub(crate) event_bytes: usize,
    pub(crate) dropped_events: u64,
}

impl State {
    /// The writer is about to wait with its batch written (`batch` is empty): of the two
    /// buffers the queue and the batch trade on every write, an idle session keeps one,
    /// and no bigger than [`RETAINED_QUEUE_CAPACITY`] messages. The buffer goes back to the
    /// queue, which then needs no allocation for what comes next; it is freed only if the
    /// queue got one of its own meanwhile (messages queued while the writer wrote).
    fn keep_one_buffer(&mut self, batch: &mut VecDeque<Message>) {
        debug_assert!(batch.is_empty());
        if self.queue.capacity() == 0 {
            batch.shrink_to(RETAINED_QUEUE_CAPACITY);
            std::mem::swap(&mut self.queue, batch);
        } else {
            *batch = VecDeque::new();
            self.queue.shrink_to(RETAINED_QUEUE_CAPACITY);
        }
    }

    fn enqueue(&mut self, message: Message) {
        self.queue_bytes += message.size_estimate();
        self.queue.push_back(message);
    }

    fn take_nr(&mut self) -> Nr {
        let nr = self.next_nr;
        self.next_nr += 1;
        nr
    }

    /// Moves the batched events into the queue: one as a single event, several as one
    /// multi-event.
    fn flush_events(&mut self) {
        if self.events.is_empty() {
            return;
        }
        let mut events: Vec<EventItem> = self.events.drain(..).collect();
        self.event_bytes = 0;
        let body = match events.pop() {
            Some(only) if events.is_empty() => EventBody::Single(only),
            Some(last) => {
                events.push(last);
                EventBody::Multi(events)
            }
            None => return,
        };
        let nr = self.take_nr();
        self.enqueue(Message::Event(Event { nr, body }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str) -> EventItem {
        EventItem { event: name.into(), data: None }
    }

    fn take(outbound: &Outbound) -> Vec<Message> {
        let mut batch = VecDeque::new();
        match outbound.next_task(&mut batch) {
            WriterTask::Write => batch.into(),
            _ => Vec::new(),
        }
    }

    /// The writer's loop, one turn: swap what is queued into `batch` and "write" it.
    fn write_turn(outbound: &Outbound, batch: &mut VecDeque<Message>) -> usize {
        match outbound.next_task(batch) {
            WriterTask::Write => batch.drain(..).count(),
            _ => 0,
        }
    }

    fn buffers(outbound: &Outbound, batch: &VecDeque<Message>) -> (usize, usize) {
        (lock(&outbound.state).queue.capacity(), batch.capacity())
    }

    #[test]
    fn an_idle_writer_keeps_one_small_buffer() {
        let outbound = Outbound::new(&SessionConfig::default(), &Limits::default());
        let mut batch = VecDeque::new();
        // A burst, written in one turn, then a turn with nothing to do.
        for _ in 0..100 {
            outbound.push_protocol_event(event("x")).unwrap();
        }
        assert_eq!(write_turn(&outbound, &mut batch), 100);
        assert!(matches!(outbound.next_task(&mut batch), WriterTask::Wait(None)));
        let (queue, writer) = buffers(&outbound, &batch);
        assert_eq!(writer, 0, "the writer's buffer went back to the queue");
        assert!((1..=RETAINED_QUEUE_CAPACITY).contains(&queue), "kept {queue} slots after the burst");

        // Messages queued while the writer wrote: the queue got a buffer of its own, so the
        // writer's is freed when it waits.
        outbound.push_protocol_event(event("y")).unwrap();
        assert!(matches!(outbound.next_task(&mut batch), WriterTask::Write));
        outbound.push_protocol_event(event("z")).unwrap();
        batch.clear();
        assert_eq!(write_turn(&outbound, &mut batch), 1);
        batch.clear();
        assert!(matches!(outbound.next_task(&mut batch), WriterTask::Wait(None)));
        let (queue, writer) = buffers(&outbound, &batch);
        assert_eq!(writer, 0);
        assert!(queue >= 1);

        // And nothing is lost or reordered on the way.
        for _ in 0..3 {
            outbound.push_protocol_event(event("w")).unwrap();
        }
        let nrs: Vec<Nr> = take(&outbound).iter().map(Message::nr).collect();
        assert_eq!(nrs, vec![103, 104, 105]);
    }

    #[test]
    fn numbers_in_queue_order() {
        let outbound = Outbound::new(&SessionConfig::default(), &Limits::default());
        for _ in 0..3 {
            outbound.push_protocol_event(event("x")).unwrap();
        }
        let nrs: Vec<Nr> = take(&outbound).iter().map(Message::nr).collect();
        assert_eq!(nrs, vec![1, 2, 3]);
    }

    #[test]
    fn batches_events_after_the_first() {
        let config = SessionConfig { event_batch_window: Duration::from_millis(20), ..SessionConfig::default() };
        let outbound = Outbound::new(&config, &Limits::default());
        outbound.push_event(event("a")).unwrap();
        outbound.push_event(event("b")).unwrap();
        outbound.push_event(event("c")).unwrap();
        let first = take(&outbound);
        assert!(
            matches!(&first[..], [Message::Event(Event { body: EventBody::Single(item), .. })] if item.event == "a")
        );
        assert!(matches!(outbound.next_task(&mut VecDeque::new()), WriterTask::Wait(Some(_))));
        std::thread::sleep(Duration::from_millis(25));
        let batch = take(&outbound);
        let [Message::Event(Event { body: EventBody::Multi(items), .. })] = &batch[..] else { panic!("{batch:?}") };
        assert_eq!(items.iter().map(|i| i.event.as_str()).collect::<Vec<_>>(), vec!["b", "c"]);
    }

    #[test]
    fn drops_oldest_events_when_the_peer_is_behind() {
        let config = SessionConfig { event_batch_window: Duration::from_secs(60), ..SessionConfig::default() };
        let mut limits = Limits::default();
        limits.events.max_pending = 2;
        let outbound = Outbound::new(&config, &limits);
        for name in ["a", "b", "c", "d"] {
            outbound.push_event(event(name)).unwrap();
        }
        let state = lock(&outbound.state);
        assert_eq!(state.events.iter().map(|i| i.event.as_str()).collect::<Vec<_>>(), vec!["c", "d"]);
        assert_eq!(state.dropped_events, 1);
    }

    #[test]
    fn closes_when_responses_overflow() {
        let mut limits = Limits::default();
        limits.outgoing.high_water = 1;
        limits.outgoing.hard_limit = 2;
        let outbound = Outbound::new(&SessionConfig::default(), &limits);
        assert!(outbound.push_protocol_event(event("x")).is_ok());
        assert!(outbound.push_protocol_event(event("x")).is_ok());
        assert!(outbound.push_protocol_event(event("x")).is_ok());
        assert!(lock(&outbound.state).close.is_some());
        assert_eq!(outbound.push_protocol_event(event("x")), Err(Closed));
    }

    #[test]
    fn counts_bytes_of_messages_and_waiting_events() {
        let config = SessionConfig { event_batch_window: Duration::from_secs(60), ..SessionConfig::default() };
        let outbound = Outbound::new(&config, &Limits::default());
        let data = crate::wire::Payload::from_json(format!("{{\"blob\":\"{}\"}}", "x".repeat(10_000))).unwrap();
        let item = |name: &str| EventItem { event: name.into(), data: Some(data.clone()) };
        outbound.push_event(item("first")).unwrap();
        outbound.push_event(item("second")).unwrap();
        outbound.push_event(item("third")).unwrap();
        let sizes = outbound.sizes();
        assert_eq!((sizes.messages, sizes.events), (1, 2));
        assert!((10_000..10_300).contains(&sizes.message_bytes), "{sizes:?}");
        assert!((20_000..20_300).contains(&sizes.event_bytes), "{sizes:?}");
        assert_eq!(take(&outbound).len(), 1);
        assert_eq!(outbound.sizes().message_bytes, 0, "written messages no longer count");
        assert_eq!(outbound.discard_events(), 2);
        assert_eq!(outbound.sizes().event_bytes, 0);
    }

    #[test]
    fn bytes_bound_the_queue_as_messages_do() {
        let mut limits = Limits::default();
        limits.outgoing.high_water_bytes = 1000;
        limits.outgoing.hard_limit_bytes = 3000;
        let outbound = Outbound::new(&SessionConfig::default(), &limits);
        let data = crate::wire::Payload::from_json(format!("{{\"blob\":\"{}\"}}", "x".repeat(800))).unwrap();
        let item = || EventItem { event: "blob".into(), data: Some(data.clone()) };
        outbound.push_protocol_event(item()).unwrap();
        assert!(!outbound.is_backed_up());
        outbound.push_protocol_event(item()).unwrap();
        assert!(outbound.is_backed_up(), "two messages of about 900 bytes pass the 1,000-byte mark");
        outbound.push_protocol_event(item()).unwrap();
        assert!(lock(&outbound.state).close.is_none());
        outbound.push_protocol_event(item()).unwrap();
        assert!(lock(&outbound.state).close.is_some(), "past 3,000 bytes the peer counts as not reading");
    }
}
