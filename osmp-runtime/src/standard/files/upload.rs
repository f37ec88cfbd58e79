//! `upload-part`: the reference's checks and texts in its order, into a temporary file
//! beneath the root folder that replaces the destination when the last part has arrived.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::open::{CommitError, OpenError, TempFile, TEMP_PREFIX};
use super::path::RelativePath;
use super::transfers::{Direction, Tables, Transfers, Upload};
use super::{blocking, texts, FileRoot};
use crate::instruction::{CommandContext, CommandError, Outcome};

/// The parameters of one `upload-part`.
#[derive(Debug)]
pub(crate) struct UploadPart {
    pub(crate) filename: String,
    pub(crate) total_parts: i64,
    pub(crate) part_nr: i64,
    pub(crate) content: String,
}

/// `committing` is set once the destination is about to be replaced (see `abandon_on_cancel`).
pub(super) async fn part(
    root: &Arc<FileRoot>,
    cx: &CommandContext,
    part: UploadPart,
    committing: &AtomicBool,
) -> Result<Outcome, CommandError> {
    let UploadPart { filename, total_parts, part_nr, content } = part;
    // Step 1, and this project's path rules (same text). The names of temporary files are
    // the server's own.
    let path = RelativePath::parse(&filename)
        .filter(|path| !path.split().1.starts_with(TEMP_PREFIX))
        .ok_or_else(|| texts::invalid_filename(&filename))?;
    let transfers = Transfers::of(cx.session())?;
    if total_parts == 0 && part_nr == 0 && content.trim().is_empty() {
        // An empty file, as download-part describes one: zero parts. (The reference answers
        // "ERROR: content is empty" here and cannot upload an empty file.)
        let mut tables = transfers.lock().await;
        tables.uploads.remove(&filename);
        tables.admit(Direction::Upload, &filename, &path, root.limits().max_transfers)?;
        let temp = create(root, &path, &filename).await?;
        return commit(temp, &filename, committing).await.map(|()| Outcome::text("OK"));
    }
    // Steps 2 and 3.
    if content.trim().is_empty() {
        return Err(texts::content_empty());
    }
    if total_parts <= 0 || total_parts < part_nr {
        return Err(texts::incorrect_total_parts(total_parts));
    }
    let mut tables = transfers.lock().await;
    // Step 4: part 0 starts (or restarts) the upload; a restart deletes the earlier
    // temporary file. Nothing of the destination is touched yet.
    if part_nr == 0 {
        tables.uploads.remove(&filename);
        tables.admit(Direction::Upload, &filename, &path, root.limits().max_transfers)?;
        let temp = create(root, &path, &filename).await?;
        let used = tables.insert_upload(filename.clone(), path, temp, total_parts);
        transfers.watch(cx.session(), Direction::Upload, filename.clone(), used, root.limits().idle_timeout);
    }
    write_part(root, &mut tables, &filename, (total_parts, part_nr), &content, committing).await
}

/// Steps 5 to 8, and the checks the reference lacks.
async fn write_part(
    root: &FileRoot,
    tables: &mut Tables,
    filename: &str,
    (total_parts, part_nr): (i64, i64),
    content: &str,
    committing: &AtomicBool,
) -> Result<Outcome, CommandError> {
    let upload = tables.uploads.get_mut(filename).ok_or_else(texts::buffer_not_found)?;
    upload.used.touch();
    if part_nr != upload.received {
        return Err(texts::discontinuous());
    }
    if total_parts != upload.total_parts {
        return Err(texts::incorrect_total_parts(total_parts));
    }
    // Invalid base64 does not count the part: it may be sent again.
    let bytes = decode(content).map_err(|error| texts::io_failed(&error))?;
    let limits = root.limits();
    if bytes.len() > limits.max_part_size {
        tables.uploads.remove(filename);
        return Err(CommandError::limit_exceeded(format!(
            "ERROR: part too large: {} bytes (limit {} bytes); upload abandoned",
            bytes.len(),
            limits.max_part_size
        )));
    }
    if upload.written + bytes.len() as u64 > limits.max_file_size {
        tables.uploads.remove(filename);
        return Err(CommandError::limit_exceeded(format!(
            "ERROR: file too large (limit {} bytes); upload abandoned",
            limits.max_file_size
        )));
    }
    let written = write(upload, bytes).await;
    let upload = tables.uploads.get_mut(filename).ok_or_else(texts::buffer_not_found)?;
    if let Err(error) = written {
        tables.uploads.remove(filename);
        return Err(texts::io_failed(&error));
    }
    upload.received += 1;
    if upload.received == upload.total_parts {
        let upload = tables.uploads.remove(filename).ok_or_else(texts::buffer_not_found)?;
        let temp = upload.temp.ok_or_else(|| texts::io_failed(&"the upload is in an unknown state"))?;
        commit(temp, filename, committing).await?;
    }
    Ok(Outcome::text("OK"))
}

/// Appends the part on a blocking thread; the temporary file comes back into the transfer
/// (if the command is dropped meanwhile, it is dropped with the thread's result: deleted).
async fn write(upload: &mut Upload, bytes: Vec<u8>) -> io::Result<()> {
    let temp = upload.temp.take().ok_or_else(|| io::Error::other("the upload is in an unknown state"))?;
    let (offset, length) = (upload.written, bytes.len() as u64);
    let (temp, result) = blocking(move || {
        let result = write_at(&temp, &bytes, offset);
        (temp, result)
    })
    .await?;
    upload.temp = Some(temp);
    result?;
    upload.written += length;
    Ok(())
}

fn write_at(temp: &TempFile, bytes: &[u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::write_all_at(temp.file(), bytes, offset);
    #[cfg(windows)]
    {
        let mut written = 0;
        while written < bytes.len() {
            let count =
                std::os::windows::fs::FileExt::seek_write(temp.file(), &bytes[written..], offset + written as u64)?;
            if count == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            written += count;
        }
        Ok(())
    }
}

async fn create(root: &Arc<FileRoot>, path: &RelativePath, filename: &str) -> Result<TempFile, CommandError> {
    let (root, path) = (root.clone(), path.clone());
    match blocking(move || TempFile::create(root.dir(), &path)).await {
        Ok(Ok(temp)) => Ok(temp),
        Ok(Err(OpenError::NotFound | OpenError::Refused)) => Err(texts::invalid_filename(filename)),
        Err(error) => Err(texts::io_failed(&error)),
    }
}

/// The last part has arrived: flush and rename over the destination.
async fn commit(temp: TempFile, filename: &str, committing: &AtomicBool) -> Result<(), CommandError> {
    committing.store(true, Ordering::SeqCst);
    match blocking(move || temp.commit()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(CommitError::Refused)) => Err(texts::invalid_filename(filename)),
        Ok(Err(CommitError::Io(error))) | Err(error) => Err(texts::io_failed(&error)),
    }
}

/// Standard base64 with padding; ASCII whitespace inside is ignored, as .NET does.
fn decode(content: &str) -> Result<Vec<u8>, String> {
    let result = if content.bytes().any(|byte| byte.is_ascii_whitespace()) {
        let compact: Vec<u8> = content.bytes().filter(|byte| !byte.is_ascii_whitespace()).collect();
        BASE64.decode(compact)
    } else {
        BASE64.decode(content)
    };
    result.map_err(|error| format!("invalid base64 in content: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_dotnet_reads_it() {
        assert_eq!(decode("SGVsbG8sIE9TTVAhCg==").unwrap(), b"Hello, OSMP!\n");
        assert_eq!(decode("SGVs bG8s\r\nIE9T TVAh Cg==").unwrap(), b"Hello, OSMP!\n", "whitespace ignored");
        assert!(decode("SGVsbG8").unwrap_err().starts_with("invalid base64 in content: "), "padding required");
        assert!(decode("not base64!").is_err());
    }
}
