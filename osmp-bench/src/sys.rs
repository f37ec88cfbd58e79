//! What the suite reads from the operating system: a process's CPU time, resident memory
//! and threads from `/proc`, and the open-file limit that thousands of connections need.

use std::fs;
use std::time::Duration;

/// User plus system CPU time a process has used so far (all its threads).
pub fn cpu_time(pid: u32) -> Duration {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) is in parentheses and may contain spaces: count fields
    // after its closing parenthesis. utime and stime are fields 14 and 15 of the file.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|field| field.parse::<u64>().ok()).unwrap_or(0);
    // fields[0] is field 3 (state), so field N is fields[N - 3].
    let total = ticks(14 - 3) + ticks(15 - 3);
    let per_second = rustix::param::clock_ticks_per_second().max(1);
    Duration::from_micros(total * 1_000_000 / per_second)
}

/// What `/proc/<pid>/status` says of a process's resident memory and threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessStatus {
    /// Resident memory (`VmRSS`), in bytes.
    pub rss: u64,
    /// Threads (`Threads`).
    pub threads: u64,
}

/// Resident memory and threads of a process, from one read of its status file (zero
/// when the process is gone).
pub fn status(pid: u32) -> ProcessStatus {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    ProcessStatus { rss: field("VmRSS") * 1024, threads: field("Threads") }
}

/// Resident memory of a process (`VmRSS` in `/proc/<pid>/status`), in bytes.
pub fn rss_bytes(pid: u32) -> u64 {
    status(pid).rss
}

/// Raises the soft limit of open files to the hard limit; returns the new soft limit.
/// Child processes inherit it.
pub fn raise_open_files_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        if let Err(error) = setrlimit(Resource::Nofile, limit) {
            eprintln!("cannot raise the open-files limit: {error}");
        }
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(rss_bytes(pid) > 0);
        assert!(status(pid).threads >= 1);
        // Burn CPU until a clock tick is counted; on a loaded machine that takes longer
        // than the same wall-clock time, so wait for the tick itself (bounded).
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while cpu_time(pid) == Duration::ZERO && start.elapsed() < Duration::from_secs(30) {
            for _ in 0..100_000 {
                x = x.wrapping_mul(31).wrapping_add(1);
            }
        }
        assert!(x != 1 && cpu_time(pid) > Duration::ZERO);
    }
}
