//! Events across nodes. Out: every event emitted here is published once on `osmp.events`
//! (routing key `<set>.<event>`), numbered per origin and event. In: a node's queue is bound
//! to the events its sessions subscribed (and unbound a while after the last one left); what
//! arrives goes to the local sessions through the event bus, its own events excepted, with
//! gaps and duplicates in each origin's numbering counted. At most once: nothing is
//! confirmed or repeated, and what is emitted while the broker is away is lost (and counted).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lapin::message::Delivery;
use lapin::types::{AMQPValue, FieldTable, ShortString};
use osmp_runtime::events::EventRelay;
use osmp_runtime::wire::Payload;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::names::{self, header, kind};
use crate::node::Node;
use crate::stats::Counters;
use crate::topology;

/// How often the interest is looked at even when no session said it changed (subscriptions
/// that end by their timeout say nothing).
const INTEREST_RESCAN: Duration = Duration::from_secs(2);

/// An event emitted here, on its way to the broker.
struct Outgoing {
    event: String,
    data: Option<Payload>,
    sequence: u64,
    emitted_us: u64,
}

/// Hands the events the bus emits to the publisher task; never blocks the emitter.
pub(crate) struct Relay {
    node: Weak<Node>,
    queue: mpsc::Sender<Outgoing>,
    /// The next number of each event.
    sequences: Mutex<HashMap<String, u64>>,
}

impl Relay {
    /// The relay for `node`'s bus, and the task that publishes what it hands over.
    pub(crate) fn start(node: &Arc<Node>) -> Arc<Relay> {
        let (queue, outgoing) = mpsc::channel(node.config.relay_buffer);
        node.tasks.spawn(node.clone().publish_events(outgoing));
        Arc::new(Relay { node: Arc::downgrade(node), queue, sequences: Mutex::default() })
    }
}

impl EventRelay for Relay {
    fn relay(&self, event: &str, data: Option<&Payload>) {
        let Some(node) = self.node.upgrade() else { return };
        let sequence = {
            let mut sequences = self.sequences.lock().unwrap_or_else(PoisonError::into_inner);
            let next = sequences.entry(event.to_owned()).or_insert(1);
            *next += 1;
            *next - 1
        };
        let emitted_us = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_micros() as u64);
        let outgoing = Outgoing { event: event.to_owned(), data: data.cloned(), sequence, emitted_us };
        if self.queue.try_send(outgoing).is_err() {
            Counters::add(&node.counters.events_not_published, 1);
        }
    }
}

impl Node {
    /// Publishes the events the relay hands over, in order, until the node leaves.
    async fn publish_events(self: Arc<Self>, mut outgoing: mpsc::Receiver<Outgoing>) {
        let mut keys: HashMap<String, String> = HashMap::new();
        loop {
            let event = tokio::select! {
                () = self.stop.cancelled() => return,
                event = outgoing.recv() => match event {
                    Some(event) => event,
                    None => return,
                },
            };
            let Some(key) = self.event_key(&mut keys, &event.event) else { continue };
            let mut headers = FieldTable::default();
            headers.insert(header::EVENT.into(), AMQPValue::LongString(event.event.as_str().into()));
            headers.insert(header::SEQUENCE.into(), AMQPValue::LongLongInt(event.sequence as i64));
            headers.insert(header::EMITTED.into(), AMQPValue::LongLongInt(event.emitted_us as i64));
            let properties = self.properties(kind::EVENT).with_headers(headers);
            let body = event.data.as_ref().map_or(&b""[..], |data| data.get().as_bytes());
            match self.publish_raw(&self.names.events_exchange(), &key, body, properties).await {
                Ok(()) => Counters::add(&self.counters.events_published, 1),
                Err(error) => {
                    tracing::debug!(%error, event = %event.event, "event not published");
                    Counters::add(&self.counters.events_not_published, 1);
                }
            }
        }
    }

    /// The routing key of an event (`<set>.<event>`), from the registry, remembered.
    fn event_key(&self, keys: &mut HashMap<String, String>, event: &str) -> Option<String> {
        if let Some(key) = keys.get(event) {
            return Some(key.clone());
        }
        let registry = self.server.registry();
        let key = names::event_key(registry.event(event)?.set_name(), event);
        keys.insert(event.to_owned(), key.clone());
        Some(key)
    }

    /// An event from the broker: to the local sessions, unless it came from here.
    pub(crate) fn on_event(&self, delivery: Delivery) {
        let properties = &delivery.properties;
        let origin = properties.app_id().as_ref().map(ShortString::as_str).unwrap_or_default();
        if origin == self.id {
            return;
        }
        let headers = properties.headers().as_ref();
        let field = |name: &str| headers.and_then(|headers| headers.inner().get(name));
        let Some(event) = field(header::EVENT).and_then(text) else { return };
        if let Some(sequence) = field(header::SEQUENCE).and_then(number) {
            self.inbound.arrived(&self.counters, origin, &event, sequence);
        }
        Counters::add(&self.counters.events_received, 1);
        let data = match std::str::from_utf8(&delivery.data) {
            Ok("") => None,
            Ok(text) => Payload::from_json(text.to_owned()).ok(),
            Err(_) => None,
        };
        self.server.events().deliver(&event, data);
    }

    /// Keeps the events queue bound to what the local sessions want, until the node leaves.
    pub(crate) async fn follow_interest(self: Arc<Self>) {
        let bus = self.server.events().clone();
        loop {
            tokio::select! {
                () = self.stop.cancelled() => return,
                () = bus.interest_changed() => {}
                () = tokio::time::sleep(INTEREST_RESCAN) => {}
            }
            let wanted = self.wanted_keys(&bus.interest());
            self.bind(wanted).await;
        }
    }

    /// The routing keys of the events `interest` names (`#` when it names every event). An
    /// event whose set is not known right now (its node is away) keeps the key it had: the
    /// sessions still want it, and what they miss meanwhile must count as lost.
    fn wanted_keys(&self, interest: &BTreeSet<String>) -> BTreeSet<String> {
        let registry = self.server.registry();
        let mut known = self.bindings.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let keys: BTreeSet<String> = interest
            .iter()
            .filter_map(|event| match registry.event(event) {
                Some(found) => {
                    let key = names::event_key(found.set_name(), event);
                    known.insert(event.clone(), key.clone());
                    Some(key)
                }
                None => known.get(event).cloned(),
            })
            .collect();
        let all: BTreeSet<&str> = registry.event_names().collect();
        if !all.is_empty() && all.iter().all(|event| interest.contains(*event)) {
            return BTreeSet::from(["#".to_owned()]);
        }
        keys
    }

    /// Binds what is wanted and not bound; unbinds what has not been wanted for a while.
    async fn bind(&self, wanted: BTreeSet<String>) {
        let Some(link) = self.link() else { return };
        let guard = link.lock_topology().await;
        let before = self.bindings.bound();
        let (bind, unbind) = self.bindings.plan(&wanted, self.config.unbind_after);
        if bind.is_empty() && unbind.is_empty() {
            return;
        }
        // Events no binding covered until now start their numbering anew: what was missed
        // while nobody here wanted them is no loss. Those covered all along keep counting.
        self.inbound.forget(|event| !covers(&before, event));
        let Some(live) = guard.live() else { return };
        let channel = &live.channels().publish;
        let queue = self.names.events_queue(&self.id);
        for key in &bind {
            if let Err(error) = topology::bind(channel, &queue, &self.names.events_exchange(), key).await {
                tracing::warn!(%error, key, "could not bind an event; the next connection will");
            }
        }
        for key in &unbind {
            let unbound = channel
                .queue_unbind(
                    queue.as_str().into(),
                    self.names.events_exchange().as_str().into(),
                    key.as_str().into(),
                    FieldTable::default(),
                )
                .await;
            if let Err(error) = unbound {
                tracing::debug!(%error, key, "could not unbind an event");
            }
        }
        tracing::debug!(?bind, ?unbind, "event bindings follow the sessions' interest");
    }
}

/// Whether the routing keys `bound` bring `event` (`#`, or the event's own key).
fn covers(bound: &BTreeSet<String>, event: &str) -> bool {
    bound.iter().any(|key| key == "#" || key.split_once('.').is_some_and(|(_, bound_event)| bound_event == event))
}

fn text(value: &AMQPValue) -> Option<String> {
    match value {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        AMQPValue::ShortString(text) => Some(text.as_str().to_owned()),
        _ => None,
    }
}

fn number(value: &AMQPValue) -> Option<u64> {
    value.as_long_long_int().and_then(|number| u64::try_from(number).ok())
}

/// The routing keys the events queue is bound to, and those no longer wanted since when.
#[derive(Default)]
pub(crate) struct Bindings {
    state: Mutex<BindingState>,
    /// The routing key of every event ever wanted here.
    keys: Mutex<HashMap<String, String>>,
}

#[derive(Default)]
struct BindingState {
    bound: BTreeSet<String>,
    unwanted_since: HashMap<String, Instant>,
}

impl Bindings {
    /// What the events queue is bound to now (what a new connection binds again).
    pub(crate) fn bound(&self) -> BTreeSet<String> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).bound.clone()
    }

    /// Records the change from what is bound to what is `wanted`: the keys to bind now, and
    /// those unwanted for longer than `linger`, to unbind now.
    fn plan(&self, wanted: &BTreeSet<String>, linger: Duration) -> (Vec<String>, Vec<String>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let bind: Vec<String> = wanted.difference(&state.bound).cloned().collect();
        state.bound.extend(bind.iter().cloned());
        state.unwanted_since.retain(|key, _| !wanted.contains(key));
        let unwanted: Vec<String> = state.bound.difference(wanted).cloned().collect();
        let mut unbind = Vec::new();
        for key in unwanted {
            let since = *state.unwanted_since.entry(key.clone()).or_insert(now);
            if now.duration_since(since) >= linger {
                unbind.push(key);
            }
        }
        for key in &unbind {
            state.bound.remove(key);
            state.unwanted_since.remove(key);
        }
        (bind, unbind)
    }
}

/// The next number expected of each origin and event.
#[derive(Default)]
pub(crate) struct InboundSequences {
    next: Mutex<HashMap<(String, String), u64>>,
}

impl InboundSequences {
    fn next(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), u64>> {
        self.next.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts what an event's number says: a gap (lost events), or one seen before.
    fn arrived(&self, counters: &Counters, origin: &str, event: &str, sequence: u64) {
        let mut next = self.next();
        let expected = next.entry((origin.to_owned(), event.to_owned())).or_insert(sequence);
        if sequence > *expected {
            Counters::add(&counters.events_lost, sequence - *expected);
        } else if sequence < *expected {
            Counters::add(&counters.events_duplicated, 1);
            return;
        }
        *expected = sequence + 1;
    }

    /// Forgets the numbering of the events `uncovered` names.
    fn forget(&self, uncovered: impl Fn(&str) -> bool) {
        self.next().retain(|(_, event), _| !uncovered(event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_follow_interest_and_linger() {
        let bindings = Bindings::default();
        let wanted = |keys: &[&str]| keys.iter().map(|key| (*key).to_owned()).collect::<BTreeSet<_>>();
        let (bind, unbind) = bindings.plan(&wanted(&["a.x", "a.y"]), Duration::ZERO);
        assert_eq!((bind.len(), unbind.len()), (2, 0));
        let (bind, unbind) = bindings.plan(&wanted(&["a.x"]), Duration::from_secs(60));
        assert!(bind.is_empty() && unbind.is_empty(), "a.y lingers");
        let (_, unbind) = bindings.plan(&wanted(&["a.x"]), Duration::ZERO);
        assert_eq!(unbind, ["a.y"]);
        assert_eq!(bindings.bound(), wanted(&["a.x"]));
    }

    #[test]
    fn a_binding_covers_its_event_and_hash_covers_all() {
        let bound = |keys: &[&str]| keys.iter().map(|key| (*key).to_owned()).collect::<BTreeSet<_>>();
        assert!(covers(&bound(&["lab.tick"]), "tick") && !covers(&bound(&["lab.tick"]), "tock"));
        assert!(covers(&bound(&["#"]), "tock") && !covers(&bound(&[]), "tick"));
    }

    #[test]
    fn gaps_and_duplicates_are_counted() {
        let (sequences, counters) = (InboundSequences::default(), Counters::default());
        for sequence in [5, 6, 9, 9, 10, 4] {
            sequences.arrived(&counters, "n1", "e", sequence);
        }
        sequences.arrived(&counters, "n2", "e", 1);
        let stats = counters.snapshot(0, 0);
        assert_eq!((stats.events_lost, stats.events_duplicated), (2, 2));
        sequences.forget(|event| event == "e");
        sequences.arrived(&counters, "n1", "e", 100);
        assert_eq!(counters.snapshot(0, 0).events_lost, 2, "after a new binding the numbering starts anew");
    }
}
