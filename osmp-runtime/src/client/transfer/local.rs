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
        let name = destination.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let temp_name = format!(".{name}.{}.osmp-download", uuid::Uuid::new_v4().simple());
        let temp = destination.with_file_name(temp_name);
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|source| TransferError::Local { path: destination.to_owned(), source })?;
        Ok(LocalTemp { destination: destination.to_owned(), temp, file: Some(file) })
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
