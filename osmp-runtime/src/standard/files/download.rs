//! `download-part`: the reference's state machine, steps and texts in its order, over a
//! file opened beneath the root folder.

use std::io;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::open::{open_regular, OpenError};
use super::path::RelativePath;
use super::transfers::{Direction, Tables, Transfers};
use super::{blocking, texts, FileRoot, PART_SIZE};
use crate::instruction::{CommandContext, CommandError, Outcome};
use crate::standard::types::DownloadPart;

pub(super) async fn part(
    root: &Arc<FileRoot>,
    cx: &CommandContext,
    filename: String,
    part_nr: i64,
) -> Result<Outcome, CommandError> {
    // Step 1, and this project's path rules (same text).
    let path = RelativePath::parse(&filename).ok_or_else(|| texts::invalid_filename(&filename))?;
    let transfers = Transfers::of(cx.session())?;
    let mut tables = transfers.lock().await;
    // Step 2: part 0 starts (or restarts) the download.
    if part_nr == 0 {
        // A restart closes the previous transfer of that name first.
        tables.downloads.remove(&filename);
        tables.admit(Direction::Download, &filename, &path, root.limits().max_transfers)?;
        let (file, size) = open(root, &path, &filename).await?;
        let total_parts = size.div_ceil(PART_SIZE as u64);
        if total_parts == 0 {
            // The reference cannot download an empty file; here it is zero parts, at once.
            return answer(0, &[]);
        }
        let used = tables.insert_download(filename.clone(), path, file, total_parts);
        transfers.watch(cx.session(), Direction::Download, filename.clone(), used, root.limits().idle_timeout);
    }
    next_part(&mut tables, &filename, part_nr).await
}

/// Steps 3 to 6: the stored transfer, the expected number, one part read.
async fn next_part(tables: &mut Tables, filename: &str, part_nr: i64) -> Result<Outcome, CommandError> {
    let download = tables.downloads.get_mut(filename).ok_or_else(texts::buffer_not_found)?;
    download.used.touch();
    if u64::try_from(part_nr).ok() != Some(download.sent) {
        return Err(texts::discontinuous());
    }
    if download.total_parts <= download.sent {
        return Err(CommandError::new("Invalid part number, please restart transfer."));
    }
    let (file, offset) = (download.file.clone(), download.sent * PART_SIZE as u64);
    match blocking(move || read_part(&file, offset)).await.and_then(|read| read) {
        Ok(bytes) => {
            download.sent += 1;
            let total_parts = download.total_parts;
            if download.sent == total_parts {
                // The last part: the file is closed.
                tables.downloads.remove(filename);
            }
            answer(total_parts, &bytes)
        }
        Err(error) => {
            tables.downloads.remove(filename);
            Err(texts::io_failed(&error))
        }
    }
}

async fn open(root: &Arc<FileRoot>, path: &RelativePath, filename: &str) -> Result<(std::fs::File, u64), CommandError> {
    let (root, path) = (root.clone(), path.clone());
    match blocking(move || open_regular(root.dir(), &path)).await {
        Ok(Ok(opened)) => Ok(opened),
        Ok(Err(OpenError::NotFound)) => Err(texts::file_not_found(filename)),
        Ok(Err(OpenError::Refused)) => Err(texts::invalid_filename(filename)),
        Err(error) => Err(texts::io_failed(&error)),
    }
}

/// Up to one part from `offset` (fewer bytes only at the end of the file). Positioned reads,
/// so that a read abandoned with its command cannot move the next one.
fn read_part(file: &std::fs::File, offset: u64) -> io::Result<Vec<u8>> {
    let mut buffer = vec![0; PART_SIZE];
    let mut filled = 0;
    while filled < buffer.len() {
        match read_at(file, &mut buffer[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    buffer.truncate(filled);
    Ok(buffer)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}

/// OK, `"result":"OK"`, `{"total_parts":…,"content":…}`.
fn answer(total_parts: u64, bytes: &[u8]) -> Result<Outcome, CommandError> {
    Outcome::data(&DownloadPart { total_parts, content: BASE64.encode(bytes) }).map(|outcome| outcome.with_text("OK"))
}
