//! What the connections of a server may hold of incoming data: a server-wide budget for
//! partly received messages, a time limit for a message to complete once started, and a
//! per-connection message limit that is lower before login.
//!
//! The per-message size limit of the WebSocket alone cannot bound memory: a thousand
//! connections each sending an unfinished message just under it hold a thousand times the
//! limit. So every connection keeps an [`Account`] of what it has received since its last
//! complete message, and the server-wide [`IncomingBudget`] of what they hold together.
//! Past the budget, the connection holding the most is closed (the offender, not the
//! well-behaved sessions, whose messages are small and complete quickly).
//!
//! The hot path stays cheap: a connection touches only its own account for every read, and
//! charges the shared budget only in steps of [`CHARGE_STEP`] bytes, so that small messages
//! never touch a counter shared between connections. Timeouts and the budget are enforced
//! by one sweeper task per server ([`IncomingBudget::sweep`]), which also keeps the coarse
//! clock the accounts read.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::Context;
use std::time::Duration;

use futures_util::task::AtomicWaker;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::CloseReason;
use crate::limits::MessageLimits;
use crate::sync::lock;

/// Connections charge the shared budget in steps of this many bytes: what a connection
/// holds below one step is not counted server-wide (small messages cost nothing shared).
pub(crate) const CHARGE_STEP: usize = 8 << 10;

/// How often the sweeper looks at every connection when nothing is over the budget.
const SWEEP_INTERVAL: Duration = Duration::from_millis(250);

/// The incoming data of all connections of a server.
pub(crate) struct IncomingBudget {
    /// Bytes charged by all accounts together.
    used: AtomicUsize,
    limit: usize,
    message_timeout: Duration,
    accounts: Mutex<HashMap<u64, Weak<Account>>>,
    next_id: AtomicU64,
    /// Wakes the sweeper at once when the budget is exceeded.
    over: Notify,
    epoch: Instant,
    /// Milliseconds since `epoch`, as of the sweeper's last round (a coarse clock).
    tick_ms: AtomicU64,
}

impl IncomingBudget {
    pub(crate) fn new(limits: &MessageLimits) -> Arc<IncomingBudget> {
        Arc::new(IncomingBudget {
            used: AtomicUsize::new(0),
            limit: limits.max_buffered_total.max(CHARGE_STEP),
            message_timeout: limits.message_timeout,
            accounts: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            over: Notify::new(),
            epoch: Instant::now(),
            tick_ms: AtomicU64::new(0),
        })
    }

    /// Bytes of partly received messages held by all connections (counted in steps of
    /// [`CHARGE_STEP`]).
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Opens the account of a new connection.
    pub(crate) fn open(
        self: &Arc<Self>,
        peer: SocketAddr,
        limits: &MessageLimits,
        login_required: bool,
    ) -> Arc<Account> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let before_login = login_required.then_some(limits.max_message_size_before_login);
        let account = Arc::new(Account {
            budget: Some(Arc::downgrade(self)),
            id,
            peer: Some(peer),
            pending: AtomicUsize::new(0),
            charged: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            before_login,
            logged_in: AtomicBool::new(false),
            written: AtomicU64::new(0),
            closed: OnceLock::new(),
            waker: AtomicWaker::new(),
        });
        lock(&self.accounts).insert(id, Arc::downgrade(&account));
        account
    }

    /// Runs until `shutdown`: keeps the clock, closes connections whose message takes too
    /// long, and closes the connections holding the most while the budget is exceeded.
    pub(crate) async fn sweep(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.over.notified() => {}
                () = tokio::time::sleep(SWEEP_INTERVAL) => {}
            }
            self.tick_ms.store(self.now_ms(), Ordering::Relaxed);
            self.sweep_once();
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn sweep_once(&self) {
        let accounts: Vec<Arc<Account>> = {
            let mut accounts = lock(&self.accounts);
            accounts.retain(|_, account| account.strong_count() > 0);
            accounts.values().filter_map(Weak::upgrade).collect()
        };
        let now = self.tick_ms.load(Ordering::Relaxed);
        let timeout_ms = u64::try_from(self.message_timeout.as_millis()).unwrap_or(u64::MAX);
        for account in &accounts {
            let started = account.started.load(Ordering::Relaxed);
            if started != 0 && now.saturating_sub(started - 1) > timeout_ms {
                tracing::warn!(peer = ?account.peer, pending = account.pending(), "a message did not complete in time; closing the connection");
                let seconds = self.message_timeout.as_secs_f64();
                account.close(CloseReason::policy(format!("message not completed within {seconds} s")));
            }
        }
        while self.used() > self.limit {
            let Some(largest) = accounts.iter().filter(|a| !a.is_closed()).max_by_key(|a| a.pending()) else { break };
            tracing::warn!(
                peer = ?largest.peer,
                holds = largest.pending(),
                buffered = self.used(),
                budget = self.limit,
                "incoming data budget exceeded; closing the connection holding the most"
            );
            largest.close(CloseReason::policy("the server's budget for incoming data is exceeded"));
        }
    }

    fn charge(&self, bytes: usize) {
        let used = self.used.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if used > self.limit {
            self.over.notify_one();
        }
    }

    fn release(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }

    fn forget(&self, id: u64) {
        lock(&self.accounts).remove(&id);
    }
}

/// What one connection has received and not yet turned into a complete message, and how
/// much it has written: the transport's view of a connection that limits and the session
/// read.
pub(crate) struct Account {
    budget: Option<Weak<IncomingBudget>>,
    id: u64,
    peer: Option<SocketAddr>,
    /// Bytes received since the last complete message.
    pending: AtomicUsize,
    /// The part of `pending` charged to the budget (a multiple of [`CHARGE_STEP`]).
    charged: AtomicUsize,
    /// The budget's clock (+1) when the current message began; 0 between messages.
    started: AtomicU64,
    /// The message limit until the session logs in, when logins are required.
    before_login: Option<usize>,
    logged_in: AtomicBool,
    /// Bytes written to the socket, ever.
    written: AtomicU64,
    /// Set when the connection is to be closed; its frame stream reports it.
    closed: OnceLock<CloseReason>,
    waker: AtomicWaker,
}

impl Account {
    /// An account outside any budget (a client's connection): it counts, but nothing
    /// closes it.
    pub(crate) fn unbudgeted() -> Arc<Account> {
        Arc::new(Account {
            budget: None,
            id: 0,
            peer: None,
            pending: AtomicUsize::new(0),
            charged: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            before_login: None,
            logged_in: AtomicBool::new(false),
            written: AtomicU64::new(0),
            closed: OnceLock::new(),
            waker: AtomicWaker::new(),
        })
    }

    fn budget(&self) -> Option<Arc<IncomingBudget>> {
        self.budget.as_ref().and_then(Weak::upgrade)
    }

    /// Bytes received since the last complete message.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// Bytes written to the socket so far (a writer that makes no progress is stalled).
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// The session logged in or out: before login, messages are limited much more.
    pub(crate) fn set_logged_in(&self, logged_in: bool) {
        self.logged_in.store(logged_in, Ordering::Relaxed);
    }

    /// `bytes` arrived from the socket.
    pub(crate) fn received(&self, bytes: usize) {
        if bytes == 0 || self.is_closed() {
            return;
        }
        let pending = self.pending.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if pending == bytes {
            let clock = self.budget().map_or(0, |budget| budget.tick_ms.load(Ordering::Relaxed));
            self.started.store(clock + 1, Ordering::Relaxed);
        }
        if let (Some(limit), false) = (self.before_login, self.logged_in.load(Ordering::Relaxed)) {
            if pending > limit {
                tracing::warn!(peer = ?self.peer, pending, limit, "message too big before login; closing the connection");
                self.close(CloseReason {
                    code: 1009,
                    reason: format!("message too big before login (limit {limit} bytes)"),
                });
                return;
            }
        }
        let due = pending / CHARGE_STEP * CHARGE_STEP;
        let charged = self.charged.load(Ordering::Relaxed);
        if due > charged {
            self.charged.store(due, Ordering::Relaxed);
            if let Some(budget) = self.budget() {
                budget.charge(due - charged);
            }
        }
    }

    /// A complete message was read: what was held for it is free.
    pub(crate) fn message_complete(&self) {
        self.pending.store(0, Ordering::Relaxed);
        self.started.store(0, Ordering::Relaxed);
        self.release_charge();
    }

    /// `bytes` went out to the socket.
    pub(crate) fn wrote(&self, bytes: usize) {
        self.written.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Asks for the connection to be closed with `reason`; its frame stream ends with it.
    pub(crate) fn close(&self, reason: CloseReason) {
        if self.closed.set(reason).is_ok() {
            self.release_charge();
            self.started.store(0, Ordering::Relaxed);
            self.waker.wake();
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get().is_some()
    }

    /// The close asked for, if any; registers the task to be woken when one is.
    pub(crate) fn poll_closed(&self, cx: &mut Context<'_>) -> Option<CloseReason> {
        if let Some(reason) = self.closed.get() {
            return Some(reason.clone());
        }
        self.waker.register(cx.waker());
        self.closed.get().cloned()
    }

    fn release_charge(&self) {
        let charged = self.charged.swap(0, Ordering::Relaxed);
        if charged > 0 {
            if let Some(budget) = self.budget() {
                budget.release(charged);
            }
        }
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        self.release_charge();
        if let Some(budget) = self.budget() {
            budget.forget(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, before_login: usize) -> MessageLimits {
        MessageLimits {
            max_buffered_total: total,
            max_message_size_before_login: before_login,
            message_timeout: Duration::from_secs(5),
            ..MessageLimits::default()
        }
    }

    fn peer() -> SocketAddr {
        "127.0.0.1:1".parse().unwrap()
    }

    #[test]
    fn small_messages_touch_no_shared_counter() {
        let limits = limits(1 << 20, 1 << 20);
        let budget = IncomingBudget::new(&limits);
        let account = budget.open(peer(), &limits, false);
        for _ in 0..1000 {
            account.received(500);
            account.message_complete();
        }
        assert_eq!(budget.used(), 0);
        account.received(3 * CHARGE_STEP + 10);
        assert_eq!(budget.used(), 3 * CHARGE_STEP);
        account.message_complete();
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn past_the_budget_the_largest_holder_is_closed() {
        let limits = limits(10 * CHARGE_STEP, 1 << 20);
        let budget = IncomingBudget::new(&limits);
        let small = budget.open(peer(), &limits, false);
        let large = budget.open(peer(), &limits, false);
        small.received(3 * CHARGE_STEP);
        large.received(9 * CHARGE_STEP);
        budget.sweep_once();
        assert!(large.is_closed() && !small.is_closed());
        assert_eq!(budget.used(), 3 * CHARGE_STEP, "the closed connection's data no longer counts");
        drop(large);
        assert_eq!(lock(&budget.accounts).len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_message_that_does_not_complete_in_time_closes_its_connection() {
        let limits = limits(1 << 30, 1 << 20);
        let budget = IncomingBudget::new(&limits);
        let account = budget.open(peer(), &limits, false);
        let sweeper = tokio::spawn(budget.clone().sweep(CancellationToken::new()));
        tokio::time::sleep(Duration::from_secs(1)).await;
        account.received(100);
        tokio::time::sleep(Duration::from_secs(3)).await;
        account.message_complete();
        account.received(100);
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert!(!account.is_closed(), "each message has its own time");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(account.is_closed());
        sweeper.abort();
    }

    #[test]
    fn messages_before_login_are_limited() {
        let limits = limits(1 << 30, 1000);
        let budget = IncomingBudget::new(&limits);
        let anonymous = budget.open(peer(), &limits, true);
        anonymous.received(1001);
        assert_eq!(anonymous.closed.get().map(|reason| reason.code), Some(1009));
        let member = budget.open(peer(), &limits, true);
        member.set_logged_in(true);
        member.received(100_000);
        assert!(!member.is_closed());
        let open = budget.open(peer(), &limits, false);
        open.received(100_000);
        assert!(!open.is_closed(), "without required logins the normal limit applies");
    }
}
