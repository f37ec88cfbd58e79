//! A domain set written with `#[instruction_set]`, served and called through its generated
//! typed client: what a user of the framework does.

use std::sync::Mutex;
use std::time::Duration;

use osmp::prelude::*;
use osmp::standard::Help;
use osmp::wire::StreamItem;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::support::PATIENCE;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    /// The sensor measured
    pub sensor: String,
    /// Mean of the samples
    pub mean: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Calibration {
    /// The sensor to calibrate
    pub sensor: String,
    /// Calibration steps
    pub steps: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepDone {
    pub step: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Reading {
    pub sensor: String,
    pub value: f64,
}

/// A small laboratory.
#[osmp::instruction_set(name = "lab")]
pub trait Lab {
    /// Measure a sensor.
    ///
    /// Averages the given number of samples.
    async fn measure(
        &self,
        #[param(doc = "Sensor address")] sensor: String,
        #[param(doc = "Samples to average")] samples: Option<u32>,
    ) -> Result<Measurement, CommandError>;

    /// Calibrate a sensor, step by step.
    #[command(stream = StepDone, alias = "cal")]
    async fn calibrate(&self, cx: CommandContext, #[flatten] calibration: Calibration)
        -> Result<Outcome, CommandError>;

    /// Echo, the laboratory's way: upper case.
    #[command(version = 1)]
    async fn echo(&self, token: Option<String>) -> Result<Outcome, CommandError>;

    /// A new reading of a sensor.
    #[event]
    fn reading(#[flatten] reading: Reading);

    /// A sensor is out of range.
    #[event]
    fn alarm(sensor: String, level: Option<u8>);
}

#[derive(Default)]
struct Laboratory {
    last: Mutex<Option<Reading>>,
}

impl Lab for Laboratory {
    async fn measure(&self, sensor: String, samples: Option<u32>) -> Result<Measurement, CommandError> {
        let samples = samples.unwrap_or(1);
        if samples == 0 {
            return Err(CommandError::invalid_params("samples must be at least 1"));
        }
        Ok(Measurement { sensor, mean: f64::from(samples) / 2.0 })
    }

    async fn calibrate(&self, cx: CommandContext, calibration: Calibration) -> Result<Outcome, CommandError> {
        for step in 1..=calibration.steps {
            cx.progress(u64::from(step), u64::from(calibration.steps)).await?;
            cx.stream(&StepDone { step }).await?;
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
                () = cx.cancelled() => return Ok(Outcome::text("Cancelled")),
            }
        }
        Ok(Outcome::text(format!("{} calibrated", calibration.sensor)))
    }

    async fn echo(&self, token: Option<String>) -> Result<Outcome, CommandError> {
        Ok(Outcome::text(token.unwrap_or_default().to_uppercase()))
    }

    fn on_subscribe(&self, event: &str, events: LabEvents) {
        if event == "reading" {
            if let Some(last) = &*self.last.lock().unwrap() {
                let _ = events.reading(last);
            }
        }
    }
}

async fn lab_server() -> ServerHandle {
    let laboratory = Laboratory { last: Mutex::new(Some(Reading { sensor: "t1".into(), value: 21.5 })) };
    crate::support::plain_server(|builder| builder.instruction_set(LabServer::new(laboratory))).await
}

#[tokio::test]
async fn typed_calls_take_borrowed_arguments_and_return_typed_results() {
    let server = lab_server().await;
    let client = crate::support::client(&server).await;
    let lab = LabClient::new(&client);

    let measured = lab.measure("t1", Some(&4)).await.unwrap();
    assert_eq!(measured, Measurement { sensor: "t1".into(), mean: 2.0 });
    assert_eq!(lab.measure("t1", None).await.unwrap().mean, 0.5);

    let refused = lab.measure("t1", Some(&0)).await.unwrap_err();
    assert_eq!(refused.response().unwrap().result.as_deref(), Some("samples must be at least 1"));

    // What the generated dispatch says about bad parameters, seen from a raw call.
    let missing = client.call("measure", &json!({})).await.unwrap_err();
    assert_eq!(missing.response().unwrap().result.as_deref(), Some("missing mandatory parameter 'sensor'"));
    let wrong = client.call("measure", &json!({"sensor": "t1", "samples": "many"})).await.unwrap_err();
    assert_eq!(
        wrong.response().unwrap().result.as_deref(),
        Some(r#"parameter 'samples': expected integer, got string "many""#)
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_started_call_streams_typed_items_and_can_be_cancelled() {
    let server = lab_server().await;
    let client = crate::support::client(&server).await;
    let lab = LabClient::new(&client);

    let mut call = lab.start_calibrate(&Calibration { sensor: "t1".into(), steps: 3 }).await.unwrap();
    let mut steps = Vec::new();
    let mut progress = Vec::new();
    while let Some(item) = tokio::time::timeout(PATIENCE, call.next()).await.unwrap() {
        match item.unwrap() {
            StreamItem::Data(StepDone { step }) => steps.push(step),
            StreamItem::Progress { value, total, .. } => progress.push((value, total)),
            other => panic!("unexpected stream item {other:?}"),
        }
    }
    assert_eq!(steps, vec![1, 2, 3]);
    assert_eq!(progress, vec![(1.0, 3.0), (2.0, 3.0), (3.0, 3.0)]);
    let response = call.response().await.unwrap();
    assert_eq!(response.result.as_deref(), Some("t1 calibrated"));

    let endless = lab.start_calibrate(&Calibration { sensor: "t2".into(), steps: 10_000 }).await.unwrap();
    endless.cancel();
    let cancelled = tokio::time::timeout(PATIENCE, endless.response()).await.unwrap().unwrap();
    assert_eq!(cancelled.result.as_deref(), Some("Cancelled"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_domain_set_overrides_a_standard_command_by_version_and_help_shows_it() {
    let server = lab_server().await;
    let client = crate::support::client(&server).await;
    let standard = client.standard();

    let echoed = client.call("echo", &json!({"token": "quiet"})).await.unwrap();
    assert_eq!(echoed.result.as_deref(), Some("QUIET"), "the lab's echo answers");

    let Help::Detail(echo) = standard.help(Some("echo")).await.unwrap() else { panic!("a detail") };
    assert_eq!((echo.instruction_set.as_str(), echo.version), ("lab", 1));
    let Help::Detail(calibrate) = standard.help(Some("cal")).await.unwrap() else { panic!("a detail") };
    assert_eq!(calibrate.command, "calibrate");
    let mandatory: Vec<&str> = calibrate.mandatory_params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(mandatory, vec!["sensor", "steps"], "from the parameter struct's schema");
    assert_eq!(calibrate.mandatory_params[0].description, "The sensor to calibrate");

    let Help::List(list) = standard.help(None).await.unwrap() else { panic!("a list") };
    let echoes = list.commands.iter().filter(|c| c.command == "echo").count();
    assert_eq!(echoes, 1, "an overridden command is listed once");
    assert!(list.commands.iter().any(|c| c.command == "measure" && c.instruction_set == "lab"));

    let document = standard.schema().await.unwrap();
    let lab = &document["instruction-sets"][1];
    assert_eq!(lab["name"], "lab");
    let calibrate = lab["commands"].as_array().unwrap().iter().find(|c| c["command"] == "calibrate").unwrap();
    assert_eq!(calibrate["params-schema"]["required"], json!(["sensor", "steps"]), "{calibrate}");
    assert_eq!(calibrate["params-schema"]["properties"]["sensor"]["description"], "The sensor to calibrate");
    assert_eq!(calibrate["stream-schema"]["required"], json!(["step"]));
    let measure = lab["commands"].as_array().unwrap().iter().find(|c| c["command"] == "measure").unwrap();
    assert_eq!(measure["params-schema"]["required"], json!(["sensor"]));
    assert_eq!(measure["result-schema"]["properties"]["mean"]["type"], "number");

    let found = standard.apropos("averages").await.unwrap();
    assert_eq!(found.commands.iter().map(|m| m.cmd.as_str()).collect::<Vec<_>>(), vec!["measure"]);
    server.shutdown().await;
}

#[tokio::test]
async fn the_standard_set_is_typed_too() {
    let server = crate::support::plain_server(|builder| builder).await;
    let client = crate::support::client(&server).await;
    let standard = client.standard();

    let echo = standard.echo(Some(&json!({"nested": [1, 2]}))).await.unwrap().expect("an echo with a token has data");
    assert_eq!(echo.token, json!({"nested": [1, 2]}));
    assert_eq!(standard.echo(None).await.unwrap(), None, "no token, no data");

    let time = standard.time().await.unwrap();
    assert!(time.date_time.to_string().contains('T'));

    let wait = standard.start_wait(None).await.unwrap();
    let active = standard.active_cmds().await.unwrap();
    assert_eq!(active.cmds.iter().map(|c| (c.name.as_str(), c.cmd_nr)).collect::<Vec<_>>(), vec![("wait", wait.nr())]);
    wait.cancel();
    assert_eq!(wait.response().await.unwrap().result.as_deref(), Some("Cancelled"));

    let events = standard.event_list().await.unwrap();
    assert!(events.events.is_empty(), "the standard set declares no events");
    server.shutdown().await;
}

#[tokio::test]
async fn typed_subscriptions_get_the_snapshot_then_the_events() {
    let server = lab_server().await;
    let client = crate::support::client(&server).await;
    let lab = LabClient::new(&client);

    let mut readings = lab.subscribe_reading().await.unwrap();
    let snapshot = tokio::time::timeout(PATIENCE, readings.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(snapshot, Reading { sensor: "t1".into(), value: 21.5 }, "on_subscribe sent the current state");

    let mut alarms = lab.subscribe_alarm().await.unwrap();
    let emitter = LabEvents::new(server.events());
    assert_eq!(emitter.reading(&Reading { sensor: "t2".into(), value: 3.0 }).unwrap(), 1);
    emitter.alarm("t2", Some(&7)).unwrap();

    let reading = tokio::time::timeout(PATIENCE, readings.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(reading.sensor, "t2");
    let alarm: LabAlarm = tokio::time::timeout(PATIENCE, alarms.next()).await.unwrap().unwrap().unwrap();
    assert_eq!((alarm.sensor.as_str(), alarm.level), ("t2", Some(7)));
    server.shutdown().await;
}
