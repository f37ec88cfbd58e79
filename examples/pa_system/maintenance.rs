//! A maintenance instruction set beside the specification's two: the line test, a long
//! command that measures the loudspeaker lines of a zone one after the other and reports
//! its progress as it goes (`progress-indeterminate` while preparing, `progress` line by
//! line, `progress-complete`), and stops early when cancelled.
//!
//! The example's binary serves it (`with_maintenance`); the specification's examples are
//! tested against the two product sets alone.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use osmp::prelude::*;

use super::installation::{Installation, Status};
use super::simulation::PaSystem;

/// Seconds a line measurement may take at most: longer is a typo, not a test.
const MAX_SECONDS_PER_LINE: f64 = 60.0;

/// Maintenance of the installation.
#[osmp::instruction_set(name = "maintenance")]
pub trait Maintenance {
    /// Test the loudspeaker lines of a zone.
    ///
    /// Measures each output of the zone, one after the other, reporting progress line by
    /// line, and answers with every line's result: ok, or the fault that keeps it silent
    /// (amplifier in error, controller offline). Cancel it to stop after the current line;
    /// the answer then lists the lines measured so far.
    async fn line_test(
        &self,
        cx: CommandContext,
        #[param(doc = "The zone whose lines to test: a zone name (Floor 1, Lobby) or an output address")] zone: String,
        #[param(doc = "How long each measurement takes, in seconds (default 0.5, at most 60)")]
        seconds_per_line: Option<f64>,
    ) -> Result<LineTestReport, CommandError>;
}

/// What `line-test` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct LineTestReport {
    /// The zone tested
    pub zone: String,
    /// Whether the test was cancelled before every line was measured
    pub cancelled: bool,
    /// Each line measured, in order
    pub lines: Vec<LineResult>,
}

/// One measured line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct LineResult {
    /// The output's address
    pub output: String,
    /// The amplifier that feeds it
    pub amplifier: Option<String>,
    /// ok, amplifier-error or controller-offline
    pub result: String,
}

impl Maintenance for PaSystem {
    async fn line_test(
        &self,
        cx: CommandContext,
        zone: String,
        seconds_per_line: Option<f64>,
    ) -> Result<LineTestReport, CommandError> {
        let seconds = seconds_per_line.unwrap_or(0.5);
        if !(0.0..=MAX_SECONDS_PER_LINE).contains(&seconds) {
            return Err(CommandError::invalid_params(format!(
                "parameter 'seconds-per-line': {seconds} is not from 0 to {MAX_SECONDS_PER_LINE}"
            )));
        }
        let outputs = self.lock().installation.outputs_of(&zone);
        let outputs = outputs.ok_or_else(|| CommandError::not_found(format!("No such zone: {zone}")))?;
        cx.progress_indeterminate(format!("Preparing the line test of {zone}")).await?;
        let mut report = LineTestReport { zone, cancelled: false, lines: Vec::new() };
        let total = outputs.len() as u64;
        for (done, output) in outputs.iter().enumerate() {
            cx.progress_message(done as u64, total, format!("Measuring {output}")).await?;
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs_f64(seconds)) => {}
                () = cx.cancelled() => {
                    report.cancelled = true;
                    return Ok(report);
                }
            }
            report.lines.push(self.measure(output));
        }
        cx.progress_message(total, total, "All lines measured").await?;
        cx.progress_complete().await?;
        Ok(report)
    }
}

impl PaSystem {
    /// A line works when its controller is reachable and its amplifier is not in error.
    fn measure(&self, output: &str) -> LineResult {
        let state = self.lock();
        let amplifier = Installation::amplifier_of(output);
        let amplifier_status = amplifier.as_deref().and_then(|amplifier| state.devices.get(amplifier));
        let result = if state.devices.available(output) {
            "ok"
        } else if amplifier_status.is_some_and(|device| matches!(device.status, Status::Error | Status::NotInstalled)) {
            "amplifier-error"
        } else {
            "controller-offline"
        };
        LineResult { output: output.to_owned(), amplifier, result: result.to_owned() }
    }
}
