//! Opening beneath the root folder: a file to download, a temporary file to upload into.
//!
//! Every lookup goes through a handle of the root (`cap_std::fs::Dir`): absolute paths and
//! `..` cannot leave it, and a symbolic link is followed only while it stays inside (on
//! Linux with `openat2(RESOLVE_BENEATH)`, elsewhere component by component), so a rename
//! racing the lookup cannot redirect it either. All of this blocks: call it on a blocking
//! thread.

use std::io;

use cap_std::fs::{Dir, OpenOptions};

use super::path::RelativePath;

/// Why a path could not be opened. Deliberately without detail: what a client is told must
/// not describe the server's folders.
#[derive(Debug)]
pub(super) enum OpenError {
    /// Nothing of that name, or not a regular file (a folder, a device, a pipe, …).
    NotFound,
    /// The name leads outside the root, through something that is not a folder, or where
    /// the server may not go.
    Refused,
}

/// Reading the rest of this module's failures as an [`OpenError`].
fn classify(error: &io::Error) -> OpenError {
    match error.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory => OpenError::NotFound,
        _ => {
            tracing::debug!(%error, "file command refused a path");
            OpenError::Refused
        }
    }
}

/// Opens a regular file for reading; returns it with its size. Anything else is
/// [`OpenError::NotFound`] and is never opened: the type is checked first, and the open does
/// not block (a named pipe put in place meanwhile opens at once and is refused by the
/// check on the open handle).
pub(super) fn open_regular(root: &Dir, path: &RelativePath) -> Result<(std::fs::File, u64), OpenError> {
    let metadata = root.metadata(path.as_path()).map_err(|error| classify(&error))?;
    if !metadata.is_file() {
        return Err(OpenError::NotFound);
    }
    let file = root.open_with(path.as_path(), &read_options()).map_err(|error| classify(&error))?;
    let metadata = file.metadata().map_err(|error| classify(&error))?;
    if !metadata.is_file() {
        return Err(OpenError::NotFound);
    }
    Ok((file.into_std(), metadata.len()))
}

fn read_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use cap_std::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
        options.custom_flags(flags.bits() as i32);
    }
    options
}

/// The names of temporary upload files start with this; `find-files` does not list them.
pub(super) const TEMP_PREFIX: &str = ".osmp-upload-";

/// A temporary file beside an upload's destination. Dropped before [`commit`](Self::commit),
/// it is deleted: an abandoned upload leaves nothing behind.
pub(super) struct TempFile {
    folder: Dir,
    temp_name: String,
    /// The destination's name in `folder`.
    name: String,
    file: std::fs::File,
    committed: bool,
}

impl TempFile {
    /// Creates the temporary file for an upload to `path`, whose folder must exist beneath
    /// the root. An existing destination must be a regular file (not a folder, a link, a
    /// device): the upload never writes through or replaces one.
    pub(super) fn create(root: &Dir, path: &RelativePath) -> Result<TempFile, OpenError> {
        let (folder, name) = path.split();
        let folder = if folder.as_os_str().is_empty() { root.try_clone() } else { root.open_dir(&folder) };
        // A missing folder is a refused name for an upload: nothing is created but the file.
        let folder = folder.map_err(|error| {
            tracing::debug!(%error, "upload folder cannot be opened");
            OpenError::Refused
        })?;
        check_destination(&folder, name)?;
        let temp_name = format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        let file = folder.open_with(&temp_name, &options).map_err(|error| classify(&error))?;
        Ok(TempFile { folder, temp_name, name: name.to_owned(), file: file.into_std(), committed: false })
    }

    /// The open temporary file.
    pub(super) fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// Flushes the data to disk and renames the temporary file over the destination, which
    /// keeps its old content until this moment.
    pub(super) fn commit(mut self) -> Result<(), CommitError> {
        self.file.sync_all().map_err(CommitError::Io)?;
        check_destination(&self.folder, &self.name).map_err(|_| CommitError::Refused)?;
        self.folder.rename(&self.temp_name, &self.folder, &self.name).map_err(CommitError::Io)?;
        self.committed = true;
        Ok(())
    }
}

/// Why the last step of an upload failed.
pub(super) enum CommitError {
    /// The destination became something other than a regular file meanwhile.
    Refused,
    Io(io::Error),
}

/// An existing destination must be a regular file itself (a link is not followed here).
fn check_destination(folder: &Dir, name: &str) -> Result<(), OpenError> {
    match folder.symlink_metadata(name) {
        Ok(metadata) if metadata.is_file() => Ok(()),
        Ok(_) => Err(OpenError::Refused),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => {
            tracing::debug!(%error, "upload destination cannot be checked");
            Err(OpenError::Refused)
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            if let Err(error) = self.folder.remove_file(&self.temp_name) {
                tracing::warn!(%error, "temporary upload file could not be deleted");
            }
        }
    }
}

impl std::fmt::Debug for TempFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TempFile").field("committed", &self.committed).finish_non_exhaustive()
    }
}
