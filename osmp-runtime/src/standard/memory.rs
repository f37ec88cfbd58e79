//! `memory` (alias `mem`): the resident memory of the server process.

use crate::instruction::CommandError;

/// The resident set size of this process, in bytes.
#[cfg(target_os = "linux")]
pub(super) fn resident() -> Result<u64, CommandError> {
    let statm = std::fs::read_to_string("/proc/self/statm").map_err(|error| unavailable(&error.to_string()))?;
    let pages = resident_pages(&statm).ok_or_else(|| unavailable("/proc/self/statm has an unexpected format"))?;
    let page_size = u64::try_from(rustix::param::page_size()).unwrap_or(4096);
    Ok(pages.saturating_mul(page_size))
}

#[cfg(not(target_os = "linux"))]
pub(super) fn resident() -> Result<u64, CommandError> {
    Err(unavailable("this platform has no /proc/self/statm"))
}

/// The second field of `/proc/self/statm`: resident pages.
fn resident_pages(statm: &str) -> Option<u64> {
    statm.split_ascii_whitespace().nth(1)?.parse().ok()
}

fn unavailable(reason: &str) -> CommandError {
    CommandError::new(format!("Memory usage not available: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_resident_pages() {
        assert_eq!(resident_pages("2301 512 300 10 0 800 0\n"), Some(512));
        assert_eq!(resident_pages("2301"), None);
        assert_eq!(resident_pages("a b c"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_uses_memory() {
        let bytes = resident().unwrap();
        // A test process holds at least a megabyte and surely less than the machine.
        assert!(bytes > 1 << 20 && bytes < 1 << 40, "{bytes}");
    }
}
