//! The file commands of the standard set: `download-part`, `upload-part`, `find-files`,
//! confined to one root folder.
//!
//! The wire format and texts are the reference's (`shared/reference/standard-set-extras.md`);
//! what the reference leaves unsafe is not: every path is resolved beneath the root
//! ([`path`] judges the text, [`open`] opens beneath a handle of the root), only regular
//! files are read, uploads go to a temporary file that replaces the destination atomically,
//! and every transfer is bounded and dropped with its session ([`transfers`]).

mod download;
mod find;
mod open;
mod path;
mod texts;
mod transfers;
mod upload;

use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cap_std::fs::Dir;

use crate::instruction::{CommandContext, CommandError, Outcome};
use crate::limits::FileLimits;

pub(crate) use upload::UploadPart;

use transfers::{Direction, Transfers};

/// The size of a `download-part` part: 64 KiB, as the reference (the last part is shorter).
pub const PART_SIZE: usize = 64 * 1024;

/// The permission `download-part` and `find-files` require on a server with accounts.
pub const FILES_READ: &str = "files.read";

/// The permission `upload-part` requires on a server with accounts.
pub const FILES_WRITE: &str = "files.write";

/// The commands a server offers only when it has a root folder.
pub const FILE_COMMANDS: [&str; 3] = ["download-part", "upload-part", "find-files"];

/// The folder the file commands work in, opened once, and the limits of their transfers.
pub(crate) struct FileRoot {
    dir: Dir,
    limits: FileLimits,
}

impl FileRoot {
    /// Opens the root folder. A missing folder, or a path that is not a folder, fails.
    pub(crate) fn open(path: &Path, limits: FileLimits) -> io::Result<FileRoot> {
        let dir = Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        Ok(FileRoot { dir, limits })
    }

    fn dir(&self) -> &Dir {
        &self.dir
    }

    fn limits(&self) -> &FileLimits {
        &self.limits
    }
}

impl std::fmt::Debug for FileRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileRoot").field("limits", &self.limits).finish_non_exhaustive()
    }
}

/// `download-part`.
pub(crate) async fn download_part(
    root: &Arc<FileRoot>,
    cx: &CommandContext,
    filename: String,
    part_nr: i64,
) -> Result<Outcome, CommandError> {
    let key = filename.clone();
    let never_commits = AtomicBool::new(false);
    abandon_on_cancel(cx, Direction::Download, key, &never_commits, download::part(root, cx, filename, part_nr)).await
}

/// `upload-part`.
pub(crate) async fn upload_part(
    root: &Arc<FileRoot>,
    cx: &CommandContext,
    part: UploadPart,
) -> Result<Outcome, CommandError> {
    let key = part.filename.clone();
    let committing = AtomicBool::new(false);
    abandon_on_cancel(cx, Direction::Upload, key, &committing, upload::part(root, cx, part, &committing)).await
}

/// `find-files`.
pub(crate) async fn find(
    root: &Arc<FileRoot>,
    cx: &CommandContext,
    filter: Option<String>,
) -> Result<Outcome, CommandError> {
    find::run(root, cx, filter).await
}

/// A part command the client cancels abandons its transfer (an upload's temporary file is
/// deleted): the one way a client can give up a transfer without ending its session.
///
/// Once the last part has begun to replace the destination (`committing`), the rename runs
/// on a thread that no cancel can call back: the part then finishes, and its answer says
/// what happened, rather than "Cancelled" for a file that is there.
async fn abandon_on_cancel(
    cx: &CommandContext,
    direction: Direction,
    key: String,
    committing: &AtomicBool,
    part: impl Future<Output = Result<Outcome, CommandError>>,
) -> Result<Outcome, CommandError> {
    // Boxed, so that a cancelled part can be dropped (with the transfer table it may hold
    // locked) before the transfer is removed.
    let mut part = Box::pin(part);
    tokio::select! {
        biased;
        answer = &mut part => return answer,
        () = cx.cancelled() => {}
    }
    if committing.load(Ordering::SeqCst) {
        return part.await;
    }
    drop(part);
    if let Ok(transfers) = Transfers::of(cx.session()) {
        transfers.lock().await.remove(direction, &key);
    }
    Err(texts::cancelled())
}

/// Runs file system work on a blocking thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|_| io::Error::other("the file operation failed unexpectedly"))
}
