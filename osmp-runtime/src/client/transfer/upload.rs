//! Uploading: 64 KiB parts read from the local file, a few in flight, then a check that
//! the file did not change meanwhile. An empty file is zero parts (`total_parts` 0).

use std::collections::VecDeque;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use tokio::io::AsyncReadExt;

use super::{FileTransfer, TransferError, TransferProgress, TransferSummary};
use crate::client::TypedCall;
use crate::standard::PART_SIZE;
use crate::wire::Response;

pub(super) async fn run(mut transfer: FileTransfer) -> Result<TransferSummary, TransferError> {
    let local = transfer.local.clone();
    let failed = |source| TransferError::Local { path: local.clone(), source };
    let mut file = tokio::fs::File::open(&local).await.map_err(failed)?;
    let size = file.metadata().await.map_err(failed)?.len();
    let total_parts = size.div_ceil(PART_SIZE as u64);
    let total = i64::try_from(total_parts).map_err(|_| TransferError::Changed { path: local.clone() })?;
    let mut progress = TransferProgress { bytes: 0, total_bytes: size, parts: 0, total_parts };
    if total_parts == 0 {
        // An empty file: part 0 of 0, with no content.
        transfer.standard.upload_part(&transfer.remote, &0, &0, "").await?;
        transfer.report(progress);
        return Ok(TransferSummary { bytes: 0, parts: 0 });
    }
    let mut pending: VecDeque<(TypedCall<Response>, u64)> = VecDeque::new();
    let mut sent = 0;
    let mut buffer = vec![0; PART_SIZE];
    while progress.parts < total_parts {
        while sent < total_parts && pending.len() < transfer.in_flight {
            let length = read_part(&mut file, &mut buffer).await.map_err(failed)?;
            let expected = if sent + 1 == total_parts { size - sent * PART_SIZE as u64 } else { PART_SIZE as u64 };
            // The last part must end the file: one more byte means it grew.
            let grew = sent + 1 == total_parts && read_part(&mut file, &mut [0]).await.map_err(failed)? != 0;
            if length as u64 != expected || grew {
                return Err(TransferError::Changed { path: local.clone() });
            }
            let content = BASE64.encode(&buffer[..length]);
            let part_nr = i64::try_from(sent).unwrap_or(i64::MAX);
            pending.push_back((
                transfer.standard.start_upload_part(&transfer.remote, &total, &part_nr, &content).await?,
                length as u64,
            ));
            sent += 1;
        }
        let Some((call, length)) = pending.pop_front() else { break };
        call.response().await?;
        progress.parts += 1;
        progress.bytes += length;
        transfer.report(progress);
    }
    Ok(TransferSummary { bytes: size, parts: total_parts })
}

/// Fills `buffer` as far as the file goes; returns how much it read.
async fn read_part(file: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let read = file.read(&mut buffer[filled..]).await?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    Ok(filled)
}
