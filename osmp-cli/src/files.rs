//! `osmp download`, `osmp upload` and `osmp find`: the standard set's file commands, with a
//! progress bar (bytes, rate, time left) on a terminal and Ctrl-C that stops cleanly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use osmp::client::{Client, TransferError, TransferProgress, TransferSummary};
use osmp::wire::StreamItem;
use serde_json::json;

use crate::exit::{Exit, Failure};
use crate::interrupt::Interrupts;
use crate::output::Output;

/// Downloads `remote` to `local` (default: its file name in the current folder; into a
/// folder, under its file name).
pub async fn download(
    client: &Client,
    remote: &str,
    local: Option<PathBuf>,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    let local = local_path(remote, local);
    let bar = transfer_bar();
    let transfer = client.standard().download(remote, &local).on_progress(shows_on(&bar));
    let summary = run(transfer, &bar, interrupts).await?;
    report(output, "downloaded", remote, &local, summary);
    Ok(Exit::Ok)
}

/// Uploads `local` to `remote` (default: its file name in the server's root folder).
pub async fn upload(
    client: &Client,
    local: &Path,
    remote: Option<String>,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    let remote = match remote {
        Some(remote) => remote,
        None => local
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| Failure::usage(format!("{} names no file", local.display())))?,
    };
    let bar = transfer_bar();
    let transfer = client.standard().upload(local, &remote).on_progress(shows_on(&bar));
    let summary = run(transfer, &bar, interrupts).await?;
    report(output, "uploaded", &remote, local, summary);
    Ok(Exit::Ok)
}

/// Runs a transfer; Ctrl-C drops it (the parts in flight are cancelled, a download's
/// temporary file deleted, nothing is replaced).
async fn run(
    transfer: osmp::client::FileTransfer,
    bar: &ProgressBar,
    interrupts: &mut Interrupts,
) -> Result<TransferSummary, Failure> {
    let result = tokio::select! {
        result = transfer => result,
        () = interrupts.next() => {
            bar.abandon_with_message("interrupted");
            return Err(Failure::interrupted());
        }
    };
    match result {
        Ok(summary) => {
            bar.finish_and_clear();
            Ok(summary)
        }
        Err(error) => {
            bar.abandon();
            Err(failure(error))
        }
    }
}

fn failure(error: TransferError) -> Failure {
    match error {
        TransferError::Call(error) => Failure::from_call(&error),
        TransferError::Local { .. } => Failure::usage(error.to_string()),
        other => Failure::new(Exit::CommandFailed, other.to_string()),
    }
}

/// Bytes, rate and time left, on stderr; hidden when stderr is not a terminal.
fn transfer_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let template = "[{bar:40.cyan/blue}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta} left";
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// A progress callback that moves `bar`.
fn shows_on(bar: &ProgressBar) -> impl FnMut(&TransferProgress) + Send + 'static {
    let bar = bar.clone();
    move |progress| {
        bar.set_length(progress.total_bytes);
        bar.set_position(progress.bytes);
    }
}

fn report(output: &mut Output, done: &str, remote: &str, local: &Path, summary: TransferSummary) {
    if output.is_json() {
        let line = json!({"remote": remote, "local": local.display().to_string(), "bytes": summary.bytes, "parts": summary.parts});
        output.json_line(&line);
    } else {
        output.text_line(&format!("{done} {remote} ({} bytes) {}", summary.bytes, local.display()));
    }
}

/// Where a download goes: `local` as given, inside it if it is a folder, else the remote
/// file's name in the current folder.
fn local_path(remote: &str, local: Option<PathBuf>) -> PathBuf {
    let name = remote.rsplit('/').next().filter(|name| !name.is_empty()).unwrap_or("download");
    match local {
        Some(local) if local.is_dir() => local.join(name),
        Some(local) => local,
        None => PathBuf::from(name),
    }
}

/// Lists the server's files whose name matches `filter`, one path per line; Ctrl-C stops.
pub async fn find(
    client: &Client,
    filter: Option<&str>,
    output: &mut Output,
    interrupts: &mut Interrupts,
) -> Result<Exit, Failure> {
    let mut call = client.standard().start_find_files(filter).await.map_err(|error| Failure::from_call(&error))?;
    let mut interrupted = false;
    loop {
        tokio::select! {
            item = call.next() => match item {
                Some(Ok(StreamItem::Data(found))) => {
                    if output.is_json() {
                        output.json_line(&json!({"path": found.path}));
                    } else {
                        output.text_line(&found.path);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(Failure::from_call(&error)),
                None => break,
            },
            () = interrupts.next(), if !interrupted => {
                interrupted = true;
                call.cancel();
            }
        }
    }
    match call.response().await {
        Ok(_) if interrupted => Err(Failure::interrupted()),
        Ok(_) => Ok(Exit::Ok),
        Err(_) if interrupted => Err(Failure::interrupted()),
        Err(error) => Err(Failure::from_call(&error)),
    }
}
