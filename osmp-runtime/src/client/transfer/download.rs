//! Downloading: part 0 tells the number of parts; the rest are asked for a few ahead.

use std::collections::VecDeque;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::local::LocalTemp;
use super::{FileTransfer, TransferError, TransferProgress, TransferSummary};
use crate::client::TypedCall;
use crate::session::CallError;
use crate::standard::{DownloadPart, StandardClient, PART_SIZE};
use crate::wire::Response;

pub(super) async fn run(mut transfer: FileTransfer) -> Result<TransferSummary, TransferError> {
    let mut local = LocalTemp::create(&transfer.local).await?;
    let first = part(&transfer.standard, &transfer.remote, 0).await?.response().await?;
    let first = decode(&transfer.remote, first)?;
    let total_parts = first.total_parts;
    let mut progress =
        TransferProgress { bytes: 0, total_bytes: total_parts * PART_SIZE as u64, parts: 0, total_parts };
    if total_parts > 0 {
        save(&mut transfer, &mut local, &mut progress, first).await?;
    }
    // Parts 1… with up to `in_flight` requests outstanding, answered in order.
    let mut pending: VecDeque<TypedCall<Response>> = VecDeque::new();
    let mut next = 1;
    while progress.parts < total_parts {
        while next < total_parts && pending.len() < transfer.in_flight {
            pending.push_back(part(&transfer.standard, &transfer.remote, next).await?);
            next += 1;
        }
        let Some(call) = pending.pop_front() else { break };
        let answer = decode(&transfer.remote, call.response().await?)?;
        if answer.total_parts != total_parts {
            return Err(TransferError::InvalidPart(format!(
                "total_parts changed from {total_parts} to {}",
                answer.total_parts
            )));
        }
        save(&mut transfer, &mut local, &mut progress, answer).await?;
    }
    local.finish().await?;
    Ok(TransferSummary { bytes: progress.bytes, parts: total_parts })
}

async fn part(standard: &StandardClient, remote: &str, part_nr: u64) -> Result<TypedCall<Response>, CallError> {
    let part_nr = i64::try_from(part_nr).unwrap_or(i64::MAX);
    standard.start_download_part(remote, &part_nr).await
}

fn decode(remote: &str, response: Response) -> Result<DownloadPart, TransferError> {
    let data = response.data.as_ref().ok_or_else(|| TransferError::InvalidPart(format!("no data for {remote}")))?;
    data.decode().map_err(|error| TransferError::InvalidPart(error.to_string()))
}

/// Checks a part's size (all but the last are exactly 64 KiB, the last one at least a
/// byte), writes it and reports progress.
async fn save(
    transfer: &mut FileTransfer,
    local: &mut LocalTemp,
    progress: &mut TransferProgress,
    part: DownloadPart,
) -> Result<(), TransferError> {
    let bytes =
        BASE64.decode(part.content.as_bytes()).map_err(|error| TransferError::InvalidPart(error.to_string()))?;
    let last = progress.parts + 1 == progress.total_parts;
    let fits = if last { !bytes.is_empty() && bytes.len() <= PART_SIZE } else { bytes.len() == PART_SIZE };
    if !fits {
        return Err(TransferError::InvalidPart(format!(
            "part {} of {} has {} bytes",
            progress.parts,
            progress.total_parts,
            bytes.len()
        )));
    }
    local.write(&bytes).await?;
    progress.parts += 1;
    progress.bytes += bytes.len() as u64;
    if last {
        progress.total_bytes = progress.bytes;
    }
    transfer.report(*progress);
    Ok(())
}
