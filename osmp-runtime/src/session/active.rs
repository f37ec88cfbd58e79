//! The commands the peer sent that are still running here.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::sync::lock;
use crate::wire::{CancelTarget, Nr, Timestamp};

/// A running command, as `active-cmds` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveCommand {
    /// The command's `nr` (its `cmd-nr`).
    pub nr: Nr,
    /// The command name as the peer sent it.
    pub name: String,
    /// When it started.
    pub started: Timestamp,
}

struct Entry {
    name: String,
    /// The one clock read a command costs: `active-cmds` derives the wall-clock start from
    /// it when asked (a local-time lookup per command would cost more than an `echo`).
    started_at: Instant,
    token: CancellationToken,
}

/// Why a command could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    DuplicateNr,
    /// The session's limit.
    TooMany(usize),
    /// The limit of all sessions of the server.
    TooManyOnServer(usize),
}

/// The table of running commands, keyed by `nr`.
pub(crate) struct ActiveCommands {
    entries: Mutex<HashMap<Nr, Entry>>,
    /// Woken whenever the table becomes empty (graceful shutdown waits for it).
    idle: tokio::sync::Notify,
    limit: usize,
    /// The commands of every session of the server, and their limit.
    server: Option<(Arc<AtomicUsize>, usize)>,
    /// Commands this session may run whatever the server's count.
    reserved: usize,
}

impl ActiveCommands {
    /// A table of at most `limit` commands; with `server`, also counted among the server's
    /// commands, of which at most `server_limit` may run.
    pub(crate) fn new(limit: usize, server: Option<Arc<AtomicUsize>>, server_limit: usize) -> ActiveCommands {
        ActiveCommands {
            entries: Mutex::default(),
            idle: tokio::sync::Notify::new(),
            limit,
            server: server.map(|count| (count, server_limit)),
            reserved: 0,
        }
    }

    /// Lets the session run `reserved` commands whatever the server's count.
    pub(crate) fn with_reserved(mut self, reserved: usize) -> ActiveCommands {
        self.reserved = reserved;
        self
    }

    /// Registers a starting command. Returns its cancellation token and whether the table
    /// was empty before (the writer then needs waking to start `session-status`).
    pub(crate) fn insert(&self, nr: Nr, name: &str) -> Result<(CancellationToken, bool), Refused> {
        let mut entries = lock(&self.entries);
        if entries.contains_key(&nr) {
            return Err(Refused::DuplicateNr);
        }
        if entries.len() >= self.limit {
            return Err(Refused::TooMany(self.limit));
        }
        if let Some((count, limit)) = &self.server {
            // Taken before the entry is added and given back when it is removed, so the
            // server's count exceeds its limit only by the sessions' reserved commands.
            if count.fetch_add(1, Ordering::Relaxed) >= *limit && entries.len() >= self.reserved {
                count.fetch_sub(1, Ordering::Relaxed);
                return Err(Refused::TooManyOnServer(*limit));
            }
        }
        let token = CancellationToken::new();
        let was_empty = entries.is_empty();
        entries.insert(nr, Entry { name: name.to_owned(), started_at: Instant::now(), token: token.clone() });
        Ok((token, was_empty))
    }

    /// Removes a finished command; returns its name as the peer sent it.
    pub(crate) fn remove(&self, nr: Nr) -> Option<String> {
        let mut entries = lock(&self.entries);
        let removed = entries.remove(&nr);
        if removed.is_some() {
            if let Some((count, _)) = &self.server {
                count.fetch_sub(1, Ordering::Relaxed);
            }
        }
        if entries.is_empty() {
            drop(entries);
            self.idle.notify_waiters();
        }
        removed.map(|entry| entry.name)
    }

    /// The name of a running command as the peer sent it (empty if it is not running).
    pub(crate) fn name(&self, nr: Nr) -> String {
        lock(&self.entries).get(&nr).map(|entry| entry.name.clone()).unwrap_or_default()
    }

    /// Completes once no command is running.
    pub(crate) async fn wait_idle(&self) {
        loop {
            let idle = self.idle.notified();
            if self.is_empty() {
                return;
            }
            idle.await;
        }
    }

    pub(crate) fn contains(&self, nr: Nr) -> bool {
        lock(&self.entries).contains_key(&nr)
    }

    /// Cancels the named commands (unknown numbers are ignored); returns how many.
    pub(crate) fn cancel(&self, target: &CancelTarget) -> usize {
        let entries = lock(&self.entries);
        let tokens: Vec<&CancellationToken> = match target {
            CancelTarget::All => entries.values().map(|entry| &entry.token).collect(),
            CancelTarget::Commands(nrs) => {
                nrs.iter().filter_map(|nr| entries.get(nr)).map(|entry| &entry.token).collect()
            }
        };
        tokens.iter().for_each(|token| token.cancel());
        tokens.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        lock(&self.entries).is_empty()
    }

    /// The running commands, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<ActiveCommand> {
        let entries = lock(&self.entries);
        let (now, wall_now) = (Instant::now(), chrono::Local::now());
        let started = |entry: &Entry| {
            let age = chrono::TimeDelta::from_std(now.duration_since(entry.started_at)).unwrap_or_default();
            Timestamp::from(wall_now - age)
        };
        let mut commands: Vec<ActiveCommand> = entries
            .iter()
            .map(|(nr, entry)| ActiveCommand { nr: *nr, name: entry.name.clone(), started: started(entry) })
            .collect();
        commands.sort_by_key(|command| command.nr);
        commands
    }

    /// The numbers of all running commands if any of them is older than `age`.
    pub(crate) fn keepalive_due(&self, age: Duration) -> Option<Vec<Nr>> {
        let entries = lock(&self.entries);
        let now = Instant::now();
        if !entries.values().any(|entry| now.duration_since(entry.started_at) >= age) {
            return None;
        }
        let mut nrs: Vec<Nr> = entries.keys().copied().collect();
        nrs.sort_unstable();
        Some(nrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_duplicates_and_excess() {
        let active = ActiveCommands::new(2, None, usize::MAX);
        let (_, was_empty) = active.insert(1, "wait").unwrap();
        assert!(was_empty);
        assert_eq!(active.insert(1, "wait").unwrap_err(), Refused::DuplicateNr);
        active.insert(2, "wait").unwrap();
        assert_eq!(active.insert(3, "wait").unwrap_err(), Refused::TooMany(2));
    }

    #[test]
    fn cancels_one_some_or_all() {
        let active = ActiveCommands::new(10, None, usize::MAX);
        let tokens: Vec<_> = (1..=4).map(|nr| active.insert(nr, "wait").unwrap().0).collect();
        assert_eq!(active.cancel(&CancelTarget::Commands(vec![1, 99])), 1);
        assert!(tokens[0].is_cancelled() && !tokens[1].is_cancelled());
        assert_eq!(active.cancel(&CancelTarget::Commands(vec![2, 3])), 2);
        assert_eq!(active.cancel(&CancelTarget::All), 4);
        assert!(tokens.iter().all(CancellationToken::is_cancelled));
        assert_eq!(active.snapshot().iter().map(|c| c.nr).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn the_servers_limit_holds_across_sessions() {
        let server = Arc::new(AtomicUsize::new(0));
        let first = ActiveCommands::new(10, Some(server.clone()), 3);
        let second = ActiveCommands::new(10, Some(server.clone()), 3);
        first.insert(1, "wait").unwrap();
        first.insert(2, "wait").unwrap();
        second.insert(1, "wait").unwrap();
        assert_eq!(second.insert(2, "wait").unwrap_err(), Refused::TooManyOnServer(3));
        assert_eq!(server.load(Ordering::Relaxed), 3);
        first.remove(1);
        first.remove(1);
        assert_eq!(server.load(Ordering::Relaxed), 2, "a command is given back once");
        second.insert(2, "wait").unwrap();
    }

    #[test]
    fn a_session_running_few_is_not_refused_for_the_others() {
        let server = Arc::new(AtomicUsize::new(0));
        let greedy = ActiveCommands::new(100, Some(server.clone()), 5).with_reserved(2);
        for nr in 1..=5 {
            greedy.insert(nr, "wait").unwrap();
        }
        assert_eq!(greedy.insert(6, "wait").unwrap_err(), Refused::TooManyOnServer(5));
        let modest = ActiveCommands::new(100, Some(server.clone()), 5).with_reserved(2);
        modest.insert(1, "echo").unwrap();
        modest.insert(2, "echo").unwrap();
        assert_eq!(modest.insert(3, "echo").unwrap_err(), Refused::TooManyOnServer(5), "beyond its reserve");
        assert_eq!(server.load(Ordering::Relaxed), 7);
    }
}
