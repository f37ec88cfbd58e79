//! The transfers a session has open: downloads and uploads, each by the `filename` as the
//! client sent it, in two tables (an upload and a download never share state).
//!
//! The tables are a value the session owns ([`Session::local`]): when the session ends they
//! are dropped, which closes every file and deletes every temporary upload file. A transfer
//! that receives no part for `limits.files.idle_timeout` is dropped by its watchdog. One
//! lock, taken in the order the commands arrived (tokio's lock is fair and the session polls
//! each command once before it reads the next), serializes the part commands of a session,
//! so that a client may send parts without waiting for each answer, as the reference's
//! one-message-at-a-time processing allows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};
use tokio::time::Instant;

use super::open::TempFile;
use super::path::RelativePath;
use crate::instruction::CommandError;
use crate::session::Session;

/// A download in progress.
#[derive(Debug)]
pub(super) struct Download {
    pub(super) path: RelativePath,
    pub(super) file: Arc<std::fs::File>,
    pub(super) total_parts: u64,
    /// Parts sent so far: the number the next request must carry.
    pub(super) sent: u64,
    pub(super) used: Used,
}

/// An upload in progress.
#[derive(Debug)]
pub(super) struct Upload {
    pub(super) path: RelativePath,
    /// `None` only while a blocking write has it.
    pub(super) temp: Option<TempFile>,
    pub(super) total_parts: i64,
    /// Parts written so far: the number the next request must carry.
    pub(super) received: i64,
    /// Bytes written so far.
    pub(super) written: u64,
    pub(super) used: Used,
}

/// When a transfer was last used, and which transfer it is (a restarted one is another).
#[derive(Debug, Clone, Copy)]
pub(super) struct Used {
    id: u64,
    at: Instant,
}

impl Used {
    fn new() -> Used {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Used { id: NEXT.fetch_add(1, Ordering::Relaxed), at: Instant::now() }
    }

    pub(super) fn touch(&mut self) {
        self.at = Instant::now();
    }
}

/// Both tables of one session.
#[derive(Debug, Default)]
pub(super) struct Tables {
    pub(super) downloads: HashMap<String, Download>,
    pub(super) uploads: HashMap<String, Upload>,
}

/// Which table a transfer is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Download,
    Upload,
}

impl Tables {
    /// Refuses a new transfer of `key` (for `path`) when the session has as many open as
    /// it may, or when the same file is being transferred under another spelling (or, for a
    /// download, being uploaded; for an upload, being downloaded).
    pub(super) fn admit(
        &self,
        direction: Direction,
        key: &str,
        path: &RelativePath,
        max_transfers: usize,
    ) -> Result<(), CommandError> {
        // `key`'s own transfer was removed by the caller (part 0 restarts it).
        let uploading = self.uploads.values().any(|upload| &upload.path == path);
        let downloading = self.downloads.values().any(|download| &download.path == path);
        match direction {
            Direction::Download if uploading => {
                return Err(CommandError::new(format!("File is being uploaded in this session: {key}")))
            }
            Direction::Upload if uploading => {
                return Err(CommandError::new(format!("File is already being uploaded in this session: {key}")))
            }
            Direction::Upload if downloading => {
                return Err(CommandError::new(format!("File is being downloaded in this session: {key}")))
            }
            _ => {}
        }
        if self.downloads.len() + self.uploads.len() >= max_transfers {
            return Err(CommandError::limit_exceeded("Too many transfers in progress."));
        }
        Ok(())
    }

    pub(super) fn insert_download(
        &mut self,
        key: String,
        path: RelativePath,
        file: std::fs::File,
        total_parts: u64,
    ) -> Used {
        let used = Used::new();
        self.downloads.insert(key, Download { path, file: Arc::new(file), total_parts, sent: 0, used });
        used
    }

    pub(super) fn insert_upload(&mut self, key: String, path: RelativePath, temp: TempFile, total_parts: i64) -> Used {
        let used = Used::new();
        self.uploads.insert(key, Upload { path, temp: Some(temp), total_parts, received: 0, written: 0, used });
        used
    }

    /// When the transfer `id` of `key` goes idle, or `None` if it is gone (finished,
    /// restarted, abandoned).
    fn idle_deadline(&self, direction: Direction, key: &str, id: u64, idle: Duration) -> Option<Instant> {
        let used = match direction {
            Direction::Download => &self.downloads.get(key)?.used,
            Direction::Upload => &self.uploads.get(key)?.used,
        };
        (used.id == id).then(|| used.at + idle)
    }

    pub(super) fn remove(&mut self, direction: Direction, key: &str) {
        match direction {
            Direction::Download => drop(self.downloads.remove(key)),
            Direction::Upload => drop(self.uploads.remove(key)),
        }
    }
}

/// The tables of a session, behind the lock every part command takes.
#[derive(Debug, Default)]
pub(super) struct Transfers {
    tables: Mutex<Tables>,
}

impl Transfers {
    /// The session's transfers; an error once the session has ended.
    pub(super) fn of(session: &Session) -> Result<Arc<Transfers>, CommandError> {
        session.local::<Transfers>().ok_or_else(|| CommandError::new("The session has ended."))
    }

    /// Waits for the lock, in the order the commands arrived.
    pub(super) async fn lock(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().await
    }

    /// Drops the transfer `used` of `key` once it has been idle for `idle`; ends with the
    /// session, or when the transfer is gone.
    pub(super) fn watch(
        self: &Arc<Transfers>,
        session: &Session,
        direction: Direction,
        key: String,
        used: Used,
        idle: Duration,
    ) {
        let transfers: Weak<Transfers> = Arc::downgrade(self);
        let session = session.clone();
        tokio::spawn(async move {
            let mut deadline = used.at + idle;
            loop {
                tokio::select! {
                    () = session.closed() => return,
                    () = tokio::time::sleep_until(deadline) => {}
                }
                let Some(transfers) = transfers.upgrade() else { return };
                let mut tables = transfers.tables.lock().await;
                match tables.idle_deadline(direction, &key, used.id, idle) {
                    None => return,
                    Some(next) if next > Instant::now() => deadline = next,
                    Some(_) => {
                        tracing::info!(session = %session.id(), ?direction, file = %key, "idle transfer abandoned");
                        tables.remove(direction, &key);
                        return;
                    }
                }
            }
        });
    }
}
