//! Whole-file transfers over the standard set's `download-part` and `upload-part`:
//! `client.standard().download(remote, local)` and `upload(local, remote)`, with progress,
//! size checks and cancellation by dropping.

mod download;
mod local;
mod upload;

use std::future::{Future, IntoFuture};
use std::path::PathBuf;
use std::pin::Pin;

use crate::session::CallError;
use crate::standard::StandardClient;

/// Part requests a transfer keeps in flight: a few parts travel while the next are asked
/// for, so a transfer is not one round trip per part. The server answers them in order
/// (the reference processes a session's messages one at a time; this server takes the parts
/// of a session in the order they arrived).
const DEFAULT_PARTS_IN_FLIGHT: usize = 8;

/// Where a transfer stands, given to the progress callback after every part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferProgress {
    /// Bytes transferred so far.
    pub bytes: u64,
    /// The size of the whole file: exact for uploads; for downloads an upper bound
    /// (`total_parts` × 64 KiB, the protocol does not tell the size) until the last part,
    /// then exact.
    pub total_bytes: u64,
    /// Parts transferred so far.
    pub parts: u64,
    /// Parts of the whole file.
    pub total_parts: u64,
}

/// A finished transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferSummary {
    /// The size of the file.
    pub bytes: u64,
    /// The parts it travelled in.
    pub parts: u64,
}

/// Why a transfer failed. The local file is left as it was (a download writes into a
/// temporary file beside it, which is deleted).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// A part command failed: the server's answer (`File not found: …`, a refused name, a
    /// limit) or the connection.
    #[error(transparent)]
    Call(#[from] CallError),
    /// The local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Local {
        /// The local file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The server's parts do not add up to a file (a wrong part size, bad base64, a
    /// changed part count).
    #[error("the server sent an invalid part: {0}")]
    InvalidPart(String),
    /// The local file changed size while it was uploaded.
    #[error("{} changed while it was uploaded", path.display())]
    Changed {
        /// The local file.
        path: PathBuf,
    },
}

type Progress = Box<dyn FnMut(&TransferProgress) + Send>;

/// Which way a [`FileTransfer`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Download,
    Upload,
}

/// A download or upload, ready to run: `.await` it. Dropping the future cancels the
/// transfer: the part commands in flight are cancelled (which makes this server abandon
/// the transfer at once; any server abandons it when the session ends), and a download's
/// temporary file is deleted.
///
/// ```no_run
/// # async fn demo(client: osmp_runtime::client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let standard = client.standard();
/// let summary = standard
///     .download("logs/app.log", "app.log")
///     .on_progress(|progress| eprintln!("{} of {} bytes", progress.bytes, progress.total_bytes))
///     .await?;
/// println!("{} bytes in {} parts", summary.bytes, summary.parts);
/// standard.upload("config.json", "config/config.json").await?;
/// # Ok(()) }
/// ```
#[must_use = "a transfer does nothing until it is awaited"]
pub struct FileTransfer {
    standard: StandardClient,
    direction: Direction,
    remote: String,
    local: PathBuf,
    progress: Option<Progress>,
    in_flight: usize,
}

impl FileTransfer {
    /// Calls `progress` after every part.
    pub fn on_progress(mut self, progress: impl FnMut(&TransferProgress) + Send + 'static) -> FileTransfer {
        self.progress = Some(Box::new(progress));
        self
    }

    /// How many part requests may be in flight at once (default 8; at least 1). One makes a
    /// transfer strictly request by request.
    pub fn parts_in_flight(mut self, parts: usize) -> FileTransfer {
        self.in_flight = parts.max(1);
        self
    }

    fn report(&mut self, progress: TransferProgress) {
        if let Some(report) = &mut self.progress {
            report(&progress);
        }
    }
}

impl IntoFuture for FileTransfer {
    type Output = Result<TransferSummary, TransferError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        match self.direction {
            Direction::Download => Box::pin(download::run(self)),
            Direction::Upload => Box::pin(upload::run(self)),
        }
    }
}

impl std::fmt::Debug for FileTransfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileTransfer")
            .field("direction", &self.direction)
            .field("remote", &self.remote)
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

impl StandardClient {
    /// Downloads the server's file `remote` (relative to its root folder) to the local file
    /// `local`, part by part with `download-part`. The file is written to a temporary file
    /// beside `local` and renamed over it when complete; every part's size is checked.
    pub fn download(&self, remote: &str, local: impl Into<PathBuf>) -> FileTransfer {
        self.transfer(Direction::Download, remote, local.into())
    }

    /// Uploads the local file `local` to `remote` (relative to the server's root folder,
    /// whose folder must exist there), part by part with `upload-part` in parts of 64 KiB.
    /// The server replaces `remote` only when the last part has arrived.
    pub fn upload(&self, local: impl Into<PathBuf>, remote: &str) -> FileTransfer {
        self.transfer(Direction::Upload, remote, local.into())
    }

    fn transfer(&self, direction: Direction, remote: &str, local: PathBuf) -> FileTransfer {
        FileTransfer {
            standard: self.clone(),
            direction,
            remote: remote.to_owned(),
            local,
            progress: None,
            in_flight: DEFAULT_PARTS_IN_FLIGHT,
        }
    }
}
