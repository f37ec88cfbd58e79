//! The local side of a download: a temporary file beside the destination, renamed over it
//! when complete and deleted otherwise (also when the transfer is dropped).

use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use super::TransferError;

/// A temporary file that becomes `destination`.
pub(super) struct LocalTemp {
    destination: PathBuf,
    temp: PathBuf,
    file: Option<tokio::fs::File>,
}

impl LocalTemp {
    pub(super) async fn create(destination: &Path) -> Result<LocalTemp, TransferError> {
        // The file is created, and owned by its `LocalTemp`, on the blocking thread: when
        // the transfer is dropped while the file is being created, tokio drops the finished
        // `LocalTemp` there, which deletes the file. Created with `tokio::fs` instead, the
        // file would exist before anything here owned it, and a transfer dropped in between
        // (Ctrl-C right at the start) would leave it behind.
        let owned = destination.to_owned();
        match tokio::task::spawn_blocking(move || LocalTemp::create_blocking(owned)).await {
            Ok(created) => created,
            Err(join) => Err(TransferError::Local {
                path: destination.to_owned(),
                source: std::io::Error::other(format!("creating the temporary file failed: {join}")),
            }),
        }
    }

    fn create_blocking(destination: PathBuf) -> Result<LocalTemp, TransferError> {
        let name = destination.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let temp_name = format!(".{name}.{}.osmp-download", uuid::Uuid::new_v4().simple());
        let temp = destination.with_file_name(temp_name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => Ok(LocalTemp { destination, temp, file: Some(tokio::fs::File::from_std(file)) }),
            Err(source) => Err(TransferError::Local { path: destination, source }),
        }
    }

    pub(super) async fn write(&mut self, bytes: &[u8]) -> Result<(), TransferError> {
        let Some(file) = self.file.as_mut() else { return Err(self.error(closed())) };
        let written = file.write_all(bytes).await;
        written.map_err(|source| self.error(source))
    }

    /// Flushes and renames the file over the destination.
    pub(super) async fn finish(mut self) -> Result<(), TransferError> {
        let Some(mut file) = self.file.take() else { return Err(self.error(closed())) };
        file.flush().await.map_err(|source| self.error(source))?;
        file.sync_all().await.map_err(|source| self.error(source))?;
        drop(file);
        tokio::fs::rename(&self.temp, &self.destination).await.map_err(|source| self.error(source))?;
        // Renamed: nothing left to delete.
        self.temp = PathBuf::new();
        Ok(())
    }

    fn error(&self, source: std::io::Error) -> TransferError {
        TransferError::Local { path: self.destination.clone(), source }
    }
}

fn closed() -> std::io::Error {
    std::io::Error::other("the temporary file is closed")
}

impl Drop for LocalTemp {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            // The file handle closes with `self.file`; the name goes now.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty folder of its own under the system's temporary folder.
    fn empty_folder(name: &str) -> PathBuf {
        let folder = std::env::temp_dir().join(format!("osmp-local-temp-{name}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).unwrap();
        folder
    }

    fn entries(folder: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(folder).unwrap().map(|entry| entry.unwrap().path()).collect()
    }

    #[test]
    fn a_transfer_dropped_while_its_file_is_created_leaves_nothing() {
        let folder = empty_folder("dropped");
        let destination = folder.join("big.bin");
        for _ in 0..20 {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            runtime.block_on(async {
                // Polled once, the creation is under way on a blocking thread; then dropped,
                // as Ctrl-C drops a transfer that has just begun.
                let mut creating = std::pin::pin!(LocalTemp::create(&destination));
                assert!(futures_util::poll!(creating.as_mut()).is_pending());
            });
            // Dropping the runtime waits for its blocking threads: the creation has finished.
            drop(runtime);
            assert!(entries(&folder).is_empty(), "left behind: {:?}", entries(&folder));
        }
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[tokio::test]
    async fn a_finished_file_replaces_the_destination_and_a_dropped_one_goes() {
        let folder = empty_folder("finished");
        let destination = folder.join("file.txt");
        let mut local = LocalTemp::create(&destination).await.unwrap();
        local.write(b"hello").await.unwrap();
        local.finish().await.unwrap();
        assert_eq!(std::fs::read(&destination).unwrap(), b"hello");
        assert_eq!(entries(&folder), vec![destination.clone()]);

        let mut abandoned = LocalTemp::create(&destination).await.unwrap();
        abandoned.write(b"half").await.unwrap();
        drop(abandoned);
        assert_eq!(entries(&folder), vec![destination.clone()], "only the finished file");
        assert_eq!(std::fs::read(&destination).unwrap(), b"hello", "not replaced");
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
