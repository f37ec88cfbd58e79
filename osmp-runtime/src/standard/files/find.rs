//! `find-files` (alias `find`): every file and folder below the root whose name matches a
//! wildcard filter, streamed as it is found, at the client's pace, until done or cancelled.

use std::sync::Arc;

use cap_std::fs::{Dir, ReadDir};
use tokio::sync::mpsc;

use super::open::TEMP_PREFIX;
use super::{texts, FileRoot};
use crate::instruction::{CommandContext, CommandError, Outcome};
use crate::standard::types::FoundPath;

/// Paths found but not yet sent: the walk runs this far ahead of the client at most.
const AHEAD: usize = 64;

pub(super) async fn run(
    root: &Arc<FileRoot>,
    cx: &CommandContext,
    filter: Option<String>,
) -> Result<Outcome, CommandError> {
    let filter = match filter.as_deref() {
        None | Some("") => "*".to_owned(),
        Some(filter) if filter.contains(['/', '\\']) => {
            return Err(CommandError::invalid_params(format!("Invalid filter: {filter}")))
        }
        Some(filter) => filter.to_owned(),
    };
    let (found, mut receiver) = mpsc::channel::<String>(AHEAD);
    let root = root.clone();
    // The walk blocks on the file system; it stops when the receiver is gone.
    let walk = tokio::task::spawn_blocking(move || walk(root.dir(), &filter, &found));
    loop {
        let path = tokio::select! {
            biased;
            () = cx.cancelled() => return Err(texts::cancelled()),
            path = receiver.recv() => path,
        };
        let Some(path) = path else { break };
        let item = FoundPath { path };
        tokio::select! {
            biased;
            () = cx.cancelled() => return Err(texts::cancelled()),
            sent = cx.stream(&item) => sent?,
        }
    }
    drop(walk);
    Ok(Outcome::ok())
}

/// Depth first through the folders below `root`, never into a symbolic link (a link is
/// listed as the entry it is). Unreadable folders are skipped.
fn walk(root: &Dir, filter: &str, found: &mpsc::Sender<String>) {
    let Ok(entries) = root.entries() else { return };
    let mut stack: Vec<(ReadDir, String)> = vec![(entries, ".".to_owned())];
    while let Some((entries, prefix)) = stack.last_mut() {
        let Some(entry) = entries.next() else {
            stack.pop();
            continue;
        };
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(TEMP_PREFIX) {
            continue;
        }
        let path = format!("{prefix}/{name}");
        // The type of the entry itself: a link to a folder is not a folder here.
        let is_folder = entry.file_type().is_ok_and(|kind| kind.is_dir());
        if matches(filter, &name) && found.blocking_send(path.clone()).is_err() {
            return;
        }
        if is_folder {
            match entry.open_dir() {
                Ok(folder) => match folder.entries() {
                    Ok(entries) => stack.push((entries, path)),
                    Err(error) => tracing::debug!(%error, "find-files skips an unreadable folder"),
                },
                Err(error) => tracing::debug!(%error, "find-files skips a folder it cannot open"),
            }
        }
    }
}

/// Whether `name` matches `filter`: `*` any run of characters (also none), `?` exactly one
/// character, anything else itself (case-sensitive).
fn matches(filter: &str, name: &str) -> bool {
    let (filter, name): (Vec<char>, Vec<char>) = (filter.chars().collect(), name.chars().collect());
    // The classic linear wildcard match: remember the last `*` and retry from there.
    let (mut f, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match filter.get(f) {
            Some('*') => {
                star = Some((f, n));
                f += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                f += 1;
                n += 1;
            }
            _ => match star {
                Some((star_f, star_n)) => {
                    f = star_f + 1;
                    n = star_n + 1;
                    star = Some((star_f, star_n + 1));
                }
                None => return false,
            },
        }
    }
    filter[f..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("*", "anything.txt") && matches("*", ""));
        assert!(matches("*.txt", "small.txt") && !matches("*.txt", "small.txt.bak"));
        assert!(matches("????.cs", "Main.cs") && !matches("????.cs", "Foo.cs"), "? is exactly one character");
        assert!(matches("a*b*c", "aXXbYYc") && !matches("a*b*c", "aXXbYY"));
        assert!(matches("*.*", "a.b") && !matches("*.*", "ab"), "*.* needs a dot here");
        assert!(!matches("*.TXT", "small.txt"), "case-sensitive");
        assert!(matches("ü?", "üß"), "characters, not bytes");
        assert!(matches("**x", "x") && matches("*x*", "axb"));
    }
}
