//! The cluster scenario (`--only cluster`; needs RabbitMQ, `scripts/rabbitmq.sh start`):
//! three node processes on one broker, 1,000 subscribed sessions per node, an emitter on
//! node 1 at rising rates with batching off and at the default window; then a forwarded
//! command against a local one; then a node killed with its 1,000 clients connected.

mod failover;
mod forward;
pub mod node;
mod processes;
mod rates;
mod report;
mod subscribers;
mod testbed;

use std::time::Duration;

use osmp::session::SessionConfig;

use testbed::Testbed;

/// Subscribed sessions per node, and the clients of the node that is killed.
const SESSIONS_PER_NODE: usize = 1_000;

/// How long and how hard each part runs.
struct Plan {
    /// Ticks per second, rising.
    unbatched_rates: &'static [f64],
    batched_rates: &'static [f64],
    step_seconds: f64,
    /// Calls of each kind, one at a time.
    probes: usize,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan { unbatched_rates: &[10.0, 40.0], batched_rates: &[10.0, 80.0], step_seconds: 2.0, probes: 500 }
        } else {
            Plan {
                unbatched_rates: &[5.0, 10.0, 20.0, 40.0, 80.0, 160.0],
                batched_rates: &[10.0, 40.0, 160.0, 320.0, 640.0],
                step_seconds: 5.0,
                probes: 3_000,
            }
        }
    }
}

/// A step that lost more than this share of its deliveries ends the rising rates.
const GIVE_UP_LOSS: f64 = 0.10;

pub async fn run(quick: bool) -> Result<(), String> {
    let plan = Plan::new(quick);
    let url = std::env::var("OMCP_AMQP_URL").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".to_owned());
    let namespace = format!("bench-{}-{}", std::process::id(), crate::serve::unix_micros());
    let context = report::Context::measure().await;
    println!(
        "## cluster: 3 node processes × {SESSIONS_PER_NODE} subscribed sessions, one RabbitMQ ({url}, namespace {namespace})"
    );
    println!("{context}");
    println!("{}\n", report::LEGEND);
    let mut results = report::Results::default();

    // The broker's own part: nearly nothing to fan out.
    let mut light = Testbed::start(&url, &namespace, Duration::ZERO, 1).await?;
    let title = "one session per node, batching off: the broker's own latency";
    results.light = rising_rates(&mut light, title, &[50.0], &plan).await?;
    drop(light);

    let mut unbatched = Testbed::start(&url, &namespace, Duration::ZERO, SESSIONS_PER_NODE).await?;
    let title = format!("{SESSIONS_PER_NODE} sessions per node, batching off (event_batch_window 0)");
    results.unbatched = rising_rates(&mut unbatched, &title, plan.unbatched_rates, &plan).await?;
    drop(unbatched);

    let window = SessionConfig::default().event_batch_window;
    let mut batched = Testbed::start(&url, &namespace, window, SESSIONS_PER_NODE).await?;
    let title = format!(
        "{SESSIONS_PER_NODE} sessions per node, default batching (event_batch_window {} ms)",
        window.as_millis()
    );
    results.batched = rising_rates(&mut batched, &title, plan.batched_rates, &plan).await?;

    let round_trips = forward::round_trips(&mut batched, plan.probes).await?;
    report::print_round_trips(&round_trips, plan.probes);
    results.round_trips = Some(round_trips);

    let failover = failover::kill_a_node(&mut batched, SESSIONS_PER_NODE).await?;
    report::print_failover(&failover);
    results.failover = Some(failover);
    drop(batched);

    println!("{}", report::Context::measure_load());
    println!("{}", results.targets());
    Ok(())
}

/// The steps of `rates`, printed as they end; stops after one that lost too much.
async fn rising_rates(
    testbed: &mut Testbed,
    title: &str,
    rates: &[f64],
    plan: &Plan,
) -> Result<Vec<rates::StepResult>, String> {
    println!("### {title}, {:.0} s per rate", plan.step_seconds);
    println!("{}", report::step_header());
    let mut results = Vec::new();
    for &rate in rates {
        let result = rates::step(testbed, rate, plan.step_seconds).await?;
        println!("{}", report::step_row(&result, testbed.broker.is_alive()));
        let lost_share = result.lost() as f64 / result.expected().max(1) as f64;
        results.push(result);
        if lost_share > GIVE_UP_LOSS {
            println!("(stopped rising: more than {:.0} % lost)", GIVE_UP_LOSS * 100.0);
            break;
        }
    }
    println!();
    Ok(results)
}
