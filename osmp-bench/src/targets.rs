//! The targets for the OSMP server, filled in as the scenarios run, and their verdicts.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::load::EchoResult;
use crate::Kind;

/// Throughput at least this share of the baseline's, in every loaded scenario.
const MIN_THROUGHPUT: f64 = 0.9;
/// Server CPU per request at most this multiple of the baseline's, in every loaded scenario.
const MAX_CPU: f64 = 1.2;
/// 16×16 throughput at least this multiple of jsonrpsee's.
const MIN_VS_JSONRPSEE: f64 = 3.0;
/// 1×1 median latency at most this multiple of the baseline's.
const MAX_P50: f64 = 1.1;
/// Memory of one idle `ws://` session.
const MAX_SESSION_BYTES: f64 = 8.0 * 1024.0;
/// Memory of one idle `wss://` session, as a multiple of the `ws://` figure.
const MAX_TLS_SESSION: f64 = 2.0;
/// Emit to the last of 1,000 subscribed sessions, microseconds.
const MAX_FAN_OUT_US: f64 = 5_000.0;

/// The echo scenarios with throughput and CPU targets; `wss-` before a name is its TLS twin.
const LOADED: [&str; 3] = ["16x16", "64x4", "1000x1"];
/// Every echo scenario, for the allocation figures.
const ECHO: [&str; 4] = ["1x1", "16x16", "64x4", "1000x1"];
const TLS: &str = "wss-";

/// One server's TLS handshake rate, as the handshakes scenario measures it.
#[derive(Debug, Clone, Copy)]
pub struct HandshakeFigures {
    pub kind: Kind,
    pub per_second: f64,
    pub cpu_per_handshake_us: f64,
}

/// osmp's figures in one echo scenario, against the other servers' in the same scenario.
#[derive(Debug, Clone, Copy, Default)]
struct EchoRatios {
    /// osmp ÷ baseline requests per second.
    throughput: Option<f64>,
    /// osmp ÷ jsonrpsee requests per second.
    vs_jsonrpsee: Option<f64>,
    /// osmp ÷ baseline server CPU per request.
    cpu: Option<f64>,
    /// osmp ÷ baseline median latency.
    p50: Option<f64>,
    /// Allocations per request: osmp's, and the baseline's when it ran.
    allocations: Option<(f64, Option<f64>)>,
}

/// The targets, filled in as scenarios run.
#[derive(Default)]
pub struct Targets {
    /// By scenario name: `16x16`, …, `wss-16x16`, ….
    echo: HashMap<String, EchoRatios>,
    /// Bytes per idle `ws://` session.
    session: Option<f64>,
    /// Bytes per idle `wss://` session.
    tls_session: Option<f64>,
    /// Microseconds from emit to the last of 1,000 sessions (median over the events):
    /// osmp's, and the baseline's when it ran.
    fan_out: Option<(f64, Option<f64>)>,
    /// TLS handshakes: osmp's and the TLS baseline's.
    handshakes: Vec<HandshakeFigures>,
}

impl Targets {
    /// Notes one echo scenario (`16x16` or `wss-16x16`, …): osmp against the others.
    pub fn note_echo(&mut self, scenario: &str, results: &[(Kind, EchoResult)]) {
        let get = |kind| results.iter().find(|(k, _)| *k == kind).map(|(_, r)| r);
        let Some(osmp) = get(Kind::Osmp) else { return };
        let baseline = get(Kind::Baseline);
        let ratios = EchoRatios {
            throughput: baseline.map(|b| osmp.rate() / b.rate()),
            vs_jsonrpsee: get(Kind::Jsonrpsee).map(|j| osmp.rate() / j.rate()),
            cpu: baseline.map(|b| osmp.cpu_per_request() / b.cpu_per_request()),
            p50: baseline.map(|b| osmp.percentile(0.5) / b.percentile(0.5)),
            allocations: osmp
                .allocations_per_request()
                .map(|allocations| (allocations, baseline.and_then(EchoResult::allocations_per_request))),
        };
        self.echo.insert(scenario.to_owned(), ratios);
    }

    /// Notes osmp's memory per idle `ws://` session, in bytes.
    pub fn note_session_memory(&mut self, bytes: f64) {
        self.session = Some(bytes);
    }

    /// Notes osmp's memory per idle `wss://` session, in bytes.
    pub fn note_tls_session_memory(&mut self, bytes: f64) {
        self.tls_session = Some(bytes);
    }

    /// Notes the median time from emit to the last of 1,000 sessions, in microseconds:
    /// osmp's, and the baseline's when it ran.
    pub fn note_fan_out(&mut self, micros: f64, baseline: Option<f64>) {
        self.fan_out = Some((micros, baseline));
    }

    /// Notes the TLS handshake figures of the servers that ran (osmp and the baseline count).
    pub fn note_handshakes(&mut self, figures: &[HandshakeFigures]) {
        self.handshakes = figures.to_vec();
    }

    pub fn report(&self) -> String {
        let mut report = Report(String::from("## targets\n"));
        self.report_plain(&mut report);
        self.report_allocations(&mut report);
        self.report_tls(&mut report);
        report.0
    }

    /// The `ws://` targets.
    fn report_plain(&self, report: &mut Report) {
        self.report_loaded(report, "");
        let p50 = self.ratio("1x1", |r| r.p50);
        report.line(format!("1×1 p50 latency ≤ {MAX_P50}× baseline: {}×", show(p50)), p50.map(|v| v <= MAX_P50));
        report.line(
            format!("idle ws session ≤ {} KiB: {} KiB", MAX_SESSION_BYTES / 1024.0, kib(self.session)),
            self.session.map(|b| b <= MAX_SESSION_BYTES),
        );
        let fan_out_ms = show(self.fan_out.map(|(us, _)| us / 1e3));
        let baseline = match self.fan_out {
            Some((_, Some(baseline))) => format!(" (baseline {} ms)", show(Some(baseline / 1e3))),
            _ => String::new(),
        };
        report.line(
            format!("fan-out to 1,000 sessions ≤ {} ms: {fan_out_ms} ms{baseline}", MAX_FAN_OUT_US / 1e3),
            self.fan_out.map(|(us, _)| us <= MAX_FAN_OUT_US),
        );
    }

    /// The `wss://` targets.
    fn report_tls(&self, report: &mut Report) {
        self.report_loaded(report, TLS);
        let tls = self.tls_session.zip(self.session).map(|(tls, plain)| tls / plain);
        report.line(
            format!("idle wss session ≤ {MAX_TLS_SESSION}× ws: {} KiB, {}×", kib(self.tls_session), show(tls)),
            tls.map(|v| v <= MAX_TLS_SESSION),
        );
        self.report_handshakes(report);
    }

    /// Throughput and CPU against the (TLS) baseline in 16×16, 64×4 and 1000×1; jsonrpsee at 16×16.
    fn report_loaded(&self, report: &mut Report, transport: &str) {
        let baseline = if transport == TLS { "TLS baseline" } else { "baseline" };
        for name in LOADED {
            let scenario = format!("{transport}{name}");
            let (throughput, cpu) = (self.ratio(&scenario, |r| r.throughput), self.ratio(&scenario, |r| r.cpu));
            let label = label(&scenario);
            report.line(
                format!("{label} throughput ≥ {MIN_THROUGHPUT}× {baseline}: {}×", show(throughput)),
                throughput.map(|v| v >= MIN_THROUGHPUT),
            );
            report.line(
                format!("{label} server CPU/request ≤ {MAX_CPU}× {baseline}: {}×", show(cpu)),
                cpu.map(|v| v <= MAX_CPU),
            );
            if scenario == "16x16" {
                let peer = self.ratio(&scenario, |r| r.vs_jsonrpsee);
                report.line(
                    format!("{label} throughput ≥ {MIN_VS_JSONRPSEE}× jsonrpsee: {}×", show(peer)),
                    peer.map(|v| v >= MIN_VS_JSONRPSEE),
                );
            }
        }
    }

    /// Informational: allocations per request of osmp against the baseline, where measured.
    fn report_allocations(&self, report: &mut Report) {
        let mut any = false;
        let scenarios =
            ECHO.iter().map(|name| (*name).to_owned()).chain(ECHO.iter().map(|name| format!("{TLS}{name}")));
        for scenario in scenarios {
            let Some((osmp, baseline)) = self.echo.get(&scenario).and_then(|r| r.allocations) else { continue };
            any = true;
            let versus = match baseline {
                Some(baseline) => {
                    format!(", baseline {baseline:.1} ({}×)", show((baseline > 0.0).then(|| osmp / baseline)))
                }
                None => String::new(),
            };
            report.info(format!("{} allocations/request: osmp {osmp:.1}{versus}", label(&scenario)));
        }
        if !any {
            report.line("allocations/request, osmp vs baseline".to_owned(), None);
        }
    }

    /// Informational: TLS handshakes per second and CPU per handshake of osmp against the TLS baseline.
    fn report_handshakes(&self, report: &mut Report) {
        let get = |kind| self.handshakes.iter().find(|h| h.kind == kind);
        let Some(osmp) = get(Kind::Osmp) else {
            report.line("TLS handshakes/s, osmp vs TLS baseline".to_owned(), None);
            return;
        };
        let versus = match get(Kind::Baseline) {
            Some(baseline) => format!(
                ", TLS baseline {:.0}/s at {:.0} µs CPU ({}× the rate, {}× the CPU)",
                baseline.per_second,
                baseline.cpu_per_handshake_us,
                show(Some(osmp.per_second / baseline.per_second)),
                show(Some(osmp.cpu_per_handshake_us / baseline.cpu_per_handshake_us))
            ),
            None => String::new(),
        };
        report.info(format!(
            "TLS handshakes: osmp {:.0}/s at {:.0} µs CPU each{versus}",
            osmp.per_second, osmp.cpu_per_handshake_us
        ));
    }

    fn ratio(&self, scenario: &str, pick: impl Fn(&EchoRatios) -> Option<f64>) -> Option<f64> {
        self.echo.get(scenario).and_then(pick)
    }
}

/// The targets' lines: a verdict, then what was measured against what.
struct Report(String);

impl Report {
    fn line(&mut self, what: String, met: Option<bool>) {
        let verdict = match met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not measured",
        };
        let _ = writeln!(self.0, "{verdict:<13} {what}");
    }

    /// A figure with no threshold.
    fn info(&mut self, what: String) {
        let _ = writeln!(self.0, "{:<13} {what}", "info");
    }
}

/// `16x16` → `16×16`, `wss-64x4` → `wss-64×4 (1 KiB)`.
fn label(scenario: &str) -> String {
    let label = scenario.replace('x', "×");
    if scenario.ends_with("64x4") {
        format!("{label} (1 KiB)")
    } else {
        label
    }
}

fn kib(bytes: Option<f64>) -> String {
    show(bytes.map(|b| b / 1024.0))
}

fn show(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |v| format!("{v:.2}"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// 1,000 requests in a second at `p50` µs, `cpu_ms` of server CPU and `allocs` allocations each.
    fn echo(p50: u32, cpu_ms: u64, allocs: u64) -> EchoResult {
        EchoResult {
            elapsed: Duration::from_secs(1),
            latencies: vec![p50; 1_000],
            server_cpu: Duration::from_millis(cpu_ms),
            server_allocations: allocs * 500,
            counted_requests: 500,
        }
    }

    fn line<'a>(report: &'a str, what: &str) -> &'a str {
        report.lines().find(|line| line.contains(what)).unwrap_or_else(|| panic!("no line with {what:?} in\n{report}"))
    }

    #[test]
    fn ws_and_wss_scenarios_have_their_own_lines() {
        let mut targets = Targets::default();
        let fast = [(Kind::Baseline, echo(100, 100, 4)), (Kind::Osmp, echo(100, 110, 10))];
        targets.note_echo("16x16", &fast);
        let slow = [(Kind::Baseline, echo(100, 100, 4)), (Kind::Osmp, echo(100, 130, 10))];
        targets.note_echo("wss-16x16", &slow);
        let report = targets.report();
        assert!(line(&report, "16×16 server CPU/request ≤ 1.2× baseline: 1.10×").starts_with("met"));
        assert!(line(&report, "wss-16×16 server CPU/request ≤ 1.2× TLS baseline: 1.30×").starts_with("MISSED"));
        assert!(line(&report, "wss-64×4 (1 KiB) throughput").starts_with("not measured"));
        assert!(line(&report, "16×16 throughput ≥ 3× jsonrpsee: -×").starts_with("not measured"));
        assert!(line(&report, "16×16 allocations/request: osmp 10.0, baseline 4.0 (2.50×)").starts_with("info"));
    }

    #[test]
    fn tls_memory_and_handshakes_are_compared_with_their_baselines() {
        let mut targets = Targets::default();
        targets.note_session_memory(6.0 * 1024.0);
        targets.note_tls_session_memory(15.0 * 1024.0);
        targets.note_handshakes(&[
            HandshakeFigures { kind: Kind::Baseline, per_second: 2_000.0, cpu_per_handshake_us: 400.0 },
            HandshakeFigures { kind: Kind::Osmp, per_second: 1_800.0, cpu_per_handshake_us: 440.0 },
        ]);
        let report = targets.report();
        assert!(line(&report, "idle ws session ≤ 8 KiB: 6.00 KiB").starts_with("met"));
        assert!(line(&report, "idle wss session ≤ 2× ws: 15.00 KiB, 2.50×").starts_with("MISSED"));
        assert!(line(&report, "(0.90× the rate, 1.10× the CPU)").starts_with("info"));
    }
}
