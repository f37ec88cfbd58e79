//! `cpu-usage` (alias `cpu`): the busy share of the machine's CPU time, once a second.

use std::time::Duration;

use super::types::CpuUsage;
use crate::instruction::{CommandContext, CommandError, Outcome};

/// How often a value is sent (the reference's one second).
const INTERVAL: Duration = Duration::from_secs(1);

/// Streams a value every [`INTERVAL`] until cancelled.
pub(super) async fn stream(cx: &CommandContext) -> Result<Outcome, CommandError> {
    let mut previous = read_times()?;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + INTERVAL, INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            () = cx.cancelled() => return Ok(Outcome::text("Cancelled.")),
            _ = ticks.tick() => {
                let now = read_times()?;
                let value = now.busy_percent_since(&previous);
                previous = now;
                let item = CpuUsage { value };
                tokio::select! {
                    biased;
                    () = cx.cancelled() => return Ok(Outcome::text("Cancelled.")),
                    sent = cx.stream(&item) => sent?,
                }
            }
        }
    }
}

/// The machine's CPU time so far, in clock ticks, all cores together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CpuTimes {
    total: u64,
    idle: u64,
}

impl CpuTimes {
    /// Parses the `cpu` line of `/proc/stat`: user nice system idle iowait irq softirq steal
    /// (guest time is part of user time already and is not added again).
    fn parse(stat: &str) -> Option<CpuTimes> {
        let line = stat.lines().find(|line| line.split_ascii_whitespace().next() == Some("cpu"))?;
        let fields: Vec<u64> =
            line.split_ascii_whitespace().skip(1).take(8).map(str::parse).collect::<Result<_, _>>().ok()?;
        if fields.len() < 4 {
            return None;
        }
        let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
        Some(CpuTimes { total: fields.iter().sum(), idle })
    }

    /// Percent of the time between `earlier` and `self` that was busy, rounded.
    fn busy_percent_since(&self, earlier: &CpuTimes) -> u8 {
        let total = self.total.saturating_sub(earlier.total);
        let idle = self.idle.saturating_sub(earlier.idle).min(total);
        if total == 0 {
            return 0;
        }
        let percent = ((total - idle) as f64 * 100.0 / total as f64).round();
        percent.clamp(0.0, 100.0) as u8
    }
}

#[cfg(target_os = "linux")]
fn read_times() -> Result<CpuTimes, CommandError> {
    let stat = std::fs::read_to_string("/proc/stat").map_err(|error| unavailable(&error.to_string()))?;
    CpuTimes::parse(&stat).ok_or_else(|| unavailable("/proc/stat has an unexpected format"))
}

#[cfg(not(target_os = "linux"))]
fn read_times() -> Result<CpuTimes, CommandError> {
    Err(unavailable("this platform has no /proc/stat"))
}

fn unavailable(reason: &str) -> CommandError {
    CommandError::new(format!("CPU usage not available: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_share_of_the_interval() {
        let before = CpuTimes::parse("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n").unwrap();
        assert_eq!(before, CpuTimes { total: 1000, idle: 800 });
        let after = CpuTimes::parse("cpu  150 0 150 850 150 0 0 0 0 0\n").unwrap();
        // 300 ticks passed, 100 of them busy.
        assert_eq!(after.busy_percent_since(&before), 33);
        assert_eq!(after.busy_percent_since(&after), 0, "no time passed");
        assert_eq!(CpuTimes::parse("intr 1 2 3"), None);
        assert_eq!(CpuTimes::parse("cpu 1 x 3 4"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_machine_has_cpu_times() {
        let times = read_times().unwrap();
        assert!(times.total >= times.idle && times.total > 0, "{times:?}");
    }
}
