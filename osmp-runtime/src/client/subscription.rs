//! Event subscriptions on the client: the server-side subscription plus local routing of
//! every received event (single or unpacked from a multi-event) to its subscribers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use futures_util::Stream;

use super::ClientShared;
use crate::session::LossyQueue;
use crate::sync::lock;
use crate::wire::EventItem;

/// The local subscribers of one event: their ids, queues and how long they asked the
/// server to subscribe (`None`: for the whole session).
type Subscribers = Vec<(u64, Arc<LossyQueue<EventItem>>, Option<Instant>)>;

/// Routes received events to local subscribers, by lower-cased event name; `*`
/// subscribers receive everything.
pub(crate) struct EventRouter {
    subscribers: Mutex<HashMap<String, Subscribers>>,
    /// Local-only subscribers of every event that arrives, whoever subscribed it at the
    /// server ([`Client::received_events`](super::Client::received_events)).
    observers: Mutex<Vec<(u64, Arc<LossyQueue<EventItem>>)>>,
    next_id: std::sync::atomic::AtomicU64,
    capacity: usize,
}

impl EventRouter {
    pub(crate) fn new(capacity: usize) -> EventRouter {
        EventRouter {
            subscribers: Mutex::new(HashMap::new()),
            observers: Mutex::new(Vec::new()),
            next_id: Default::default(),
            capacity,
        }
    }

    /// A new subscriber's id and queue, not yet registered for any event.
    pub(crate) fn new_subscriber(&self) -> (u64, Arc<LossyQueue<EventItem>>) {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (id, Arc::new(LossyQueue::new(self.capacity)))
    }

    /// Registers a subscriber for an event until `until` (`None`: for the whole session).
    /// Returns whether the server must be asked: for the event's first subscriber, and for
    /// one that wants it longer than all the others (the server keeps one deadline per
    /// event, and subscribing again replaces it).
    pub(crate) fn add(&self, event: &str, id: u64, queue: &Arc<LossyQueue<EventItem>>, until: Option<Instant>) -> bool {
        let mut subscribers = lock(&self.subscribers);
        let list = subscribers.entry(event.to_ascii_lowercase()).or_default();
        let longest = list.iter().map(|(_, _, until)| *until).reduce(|a, b| a.zip(b).map(|(a, b)| a.max(b)));
        let extends = match (longest, until) {
            (None, _) => true,
            (Some(None), _) => false,
            (Some(Some(_)), None) => true,
            (Some(Some(longest)), Some(until)) => until > longest,
        };
        list.push((id, queue.clone(), until));
        extends
    }

    /// Removes a local subscriber; returns whether it was the event's last.
    pub(crate) fn remove(&self, event: &str, id: u64) -> bool {
        let key = event.to_ascii_lowercase();
        let mut subscribers = lock(&self.subscribers);
        let Some(list) = subscribers.get_mut(&key) else {
            return false;
        };
        list.retain(|(other, _, _)| *other != id);
        let last = list.is_empty();
        if last {
            subscribers.remove(&key);
        }
        last
    }

    /// Registers a local-only subscriber of every event that arrives.
    pub(crate) fn add_observer(&self, id: u64, queue: &Arc<LossyQueue<EventItem>>) {
        lock(&self.observers).push((id, queue.clone()));
    }

    pub(crate) fn remove_observer(&self, id: u64) {
        lock(&self.observers).retain(|(other, _)| *other != id);
    }

    pub(crate) fn route(&self, item: &EventItem) {
        for (_, queue) in lock(&self.observers).iter() {
            queue.push(item.clone());
        }
        let subscribers = lock(&self.subscribers);
        let named = subscribers.get(&item.event.to_ascii_lowercase()).into_iter().flatten();
        let all = subscribers.get("*").into_iter().flatten();
        // A subscriber registered both by name and through `*` gets the event once.
        let mut served: Vec<u64> = Vec::new();
        for (id, queue, _) in named.chain(all) {
            if !served.contains(id) {
                served.push(*id);
                queue.push(item.clone());
            }
        }
    }

    /// Whether a local subscriber still wants `event`: by its name or through `*`.
    pub(crate) fn wants(&self, event: &str) -> bool {
        let subscribers = lock(&self.subscribers);
        subscribers.contains_key(&event.to_ascii_lowercase()) || subscribers.contains_key("*")
    }

    /// The events with local subscribers (to subscribe again after a reconnect).
    pub(crate) fn events(&self) -> Vec<String> {
        lock(&self.subscribers).keys().cloned().collect()
    }

    /// The events with local subscribers and how long the longest of them wants each
    /// (`None`: for the whole session), to subscribe again after a reconnect.
    pub(crate) fn deadlines(&self) -> Vec<(String, Option<Instant>)> {
        lock(&self.subscribers)
            .iter()
            .map(|(event, list)| {
                let longest =
                    list.iter().map(|(_, _, until)| *until).reduce(|a, b| a.zip(b).map(|(a, b)| a.max(b))).flatten();
                (event.clone(), longest)
            })
            .collect()
    }

    /// Ends every subscription: the client is gone for good.
    pub(crate) fn close_all(&self) {
        for (_, queue, _) in lock(&self.subscribers).values().flatten() {
            queue.close();
        }
        for (_, queue) in lock(&self.observers).iter() {
            queue.close();
        }
    }
}

/// The events of one subscription (to one event, `*`, or several events), in the order the
/// server sent them.
///
/// Dropping the last subscription of an event unsubscribes it on the server. When the
/// subscriber falls behind, the oldest events are dropped ([`dropped`](Self::dropped) counts
/// them); the session itself never waits for a subscriber.
///
/// ```no_run
/// # extern crate osmp_runtime as osmp;
/// # async fn demo(client: osmp::client::Client) -> Result<(), osmp::session::CallError> {
/// let mut changes = client.subscribe("vcall-status-changed").await?;
/// while let Some(event) = changes.next().await {
///     println!("{}: {:?}", event.event, event.data);
/// }
/// # Ok(()) }
/// ```
pub struct Subscription {
    events: Vec<String>,
    /// Whether it receives every event that arrives without having subscribed any.
    observer: bool,
    id: u64,
    queue: Arc<LossyQueue<EventItem>>,
    client: Weak<ClientShared>,
}

impl Subscription {
    /// A subscription to no event yet: [`ClientShared`] registers it for each event before
    /// asking the server, and dropping it undoes every registration made so far.
    pub(crate) fn new(id: u64, queue: Arc<LossyQueue<EventItem>>, client: Weak<ClientShared>) -> Subscription {
        Subscription { events: Vec::new(), observer: false, id, queue, client }
    }

    /// A local-only subscription of every event that arrives.
    pub(crate) fn observer(id: u64, queue: Arc<LossyQueue<EventItem>>, client: Weak<ClientShared>) -> Subscription {
        Subscription { events: Vec::new(), observer: true, id, queue, client }
    }

    pub(crate) fn registered(&mut self, event: &str) {
        self.events.push(event.to_owned());
    }

    /// The subscribed event (`*` for all); for a subscription to several events, the first.
    pub fn event(&self) -> &str {
        self.events.first().map_or("", String::as_str)
    }

    /// Every subscribed event.
    pub fn events(&self) -> &[String] {
        &self.events
    }

    /// The next event; `None` once the client is closed for good.
    pub async fn next(&mut self) -> Option<EventItem> {
        self.queue.pop().await
    }

    /// Events dropped because this subscriber fell behind.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }

    /// The events as a `Stream`.
    pub fn into_stream(self) -> impl Stream<Item = EventItem> + Send + Unpin {
        Box::pin(futures_util::stream::unfold(self, |mut subscription| async move {
            subscription.next().await.map(|event| (event, subscription))
        }))
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let Some(client) = self.client.upgrade() else {
            return;
        };
        if self.observer {
            client.router.remove_observer(self.id);
        }
        for event in &self.events {
            if client.router.remove(event, self.id) {
                client.unsubscribe_in_background(event);
            }
        }
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").field("events", &self.events).finish()
    }
}
