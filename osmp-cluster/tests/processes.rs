//! Three nodes as separate processes on a real RabbitMQ (`scripts/rabbitmq.sh`): events
//! from one reach the subscribers on all, once and in order; a node killed with SIGKILL
//! takes nothing with it but its own commands, which fail fast at their callers; its
//! clients reconnect elsewhere and go on hearing the events; its queues go away.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use osmp_cluster::{Cluster, QueueSettings};
use osmp_runtime::client::{Client, ReconnectPolicy};
use osmp_runtime::instruction::{CommandContext, CommandError, Outcome};
use osmp_runtime::server::Server;
use osmp_runtime::wire::StreamItem;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PATIENCE: Duration = Duration::from_secs(20);

/// What the child process of `node_process` is to be: `namespace|name|lab`.
const NODE: &str = "OSMP_CLUSTER_TEST_NODE";

/// Long commands and ticks, served by the nodes started with `lab`.
#[osmp_runtime::instruction_set(name = "lab", crate = "osmp_runtime")]
pub trait Lab {
    /// Says where it runs, then runs until cancelled.
    async fn hold(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Counts to a number, one progress message each, slowly.
    async fn count(&self, cx: CommandContext, to: u64) -> Result<Outcome, CommandError>;

    /// Asks the client for its password.
    async fn unlock(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Emits ticks 1..=n of a series.
    async fn fire(&self, cx: CommandContext, series: u64, n: u64) -> Result<(), CommandError>;

    /// A tick of a series.
    #[event]
    fn tick(series: u64, n: u64);
}

struct LabNode(String);

impl Lab for LabNode {
    async fn hold(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        cx.stream(&json!({ "node": self.0 })).await?;
        cx.cancelled().await;
        Ok(Outcome::text("Cancelled"))
    }

    async fn count(&self, cx: CommandContext, to: u64) -> Result<Outcome, CommandError> {
        for value in 1..=to {
            if cx.is_cancelled() {
                return Ok(Outcome::text("Cancelled"));
            }
            cx.progress(value, to).await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Outcome::text("done"))
    }

    async fn unlock(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        let answer = cx.ask("password-prompt", &json!({"prompt": "password?"})).await?;
        let password = answer.data.map(|data| data.to_value()["password"].as_str().unwrap_or_default().to_owned());
        Ok(Outcome::text(format!("unlocked with {}", password.unwrap_or_default())))
    }

    async fn fire(&self, cx: CommandContext, series: u64, n: u64) -> Result<(), CommandError> {
        let events = LabEvents::new(cx.events());
        for n in 1..=n {
            events.tick(series, n)?;
        }
        Ok(())
    }
}

fn url() -> String {
    std::env::var("OMCP_AMQP_URL").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".to_owned())
}

fn settings() -> QueueSettings {
    let mut queues = QueueSettings::default();
    queues.expires = Duration::from_secs(2);
    queues
}

/// The node a child process runs: it prints its URL, serves until its stdin closes, leaves.
#[tokio::test]
#[ignore = "the node process the other tests start"]
async fn node_process() {
    let Ok(spec) = std::env::var(NODE) else { return };
    let mut parts = spec.split('|');
    let (namespace, name, lab) = (parts.next().unwrap(), parts.next().unwrap(), parts.next() == Some("lab"));
    let cluster = Cluster::rabbitmq(url())
        .namespace(namespace)
        .node_name(name)
        .heartbeat(Duration::from_millis(200), 3)
        .queues(settings());
    let handle = cluster.handle();
    let mut builder = Server::builder().no_tls().cluster(cluster);
    if lab {
        builder = builder.instruction_set(LabServer::new(LabNode(name.to_owned())));
    }
    let server = builder.build().await.expect("joins").spawn();
    println!("node {}", handle.node_id().unwrap_or_default());
    println!("listening on {}", server.url());
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = stdin.next_line().await {}
    server.shutdown().await;
}

/// A node in a child process.
struct NodeProcess {
    child: Child,
    url: String,
    /// The node's id on the broker.
    id: String,
}

async fn spawn_node(namespace: &str, name: &str, lab: bool) -> NodeProcess {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "node_process", "--ignored", "--nocapture", "--test-threads=1"])
        .env(NODE, format!("{namespace}|{name}|{}", if lab { "lab" } else { "plain" }))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the node process starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (id, url) = tokio::time::timeout(PATIENCE, async {
        let mut id = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(node) = line.strip_prefix("node ") {
                id = node.to_owned();
            }
            if let Some(url) = line.strip_prefix("listening on ") {
                return (id, url.to_owned());
            }
        }
        panic!("the node process {name} ended before listening");
    })
    .await
    .expect("the node process listens in time");
    // Read what else it writes, so that it never writes into a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    NodeProcess { child, url, id }
}

impl NodeProcess {
    /// Ends the node gracefully (it leaves the cluster).
    async fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = tokio::time::timeout(PATIENCE, self.child.wait()).await;
    }

    fn kill(&mut self) {
        let pid = self.child.id().expect("running") as i32;
        std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().expect("kill");
    }
}

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future).await.unwrap_or_else(|_| panic!("took too long: {what}"))
}

/// A client that knows the whole cluster, as soon as it does.
async fn client_of(node: &NodeProcess, command: &str) -> Client {
    let client = Client::builder(&node.url)
        .call_timeout(Duration::from_secs(60))
        .on_command("password-prompt", |_| async { Outcome::data(&json!({"password": "open sesame"})) })
        .connect()
        .await
        .expect("connects");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let help = client.call_as::<Value, _>("help", &json!({ "cmd": command })).await;
        if help.is_ok() {
            return client;
        }
        assert!(tokio::time::Instant::now() < deadline, "{} never learnt of {command}", node.url);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ticks a subscriber received, by series, in arrival order.
#[derive(Default)]
struct Tally {
    ticks: Mutex<Vec<(u64, u64)>>,
}

impl Tally {
    fn start(client: &Client) -> Arc<Tally> {
        let tally = Arc::new(Tally::default());
        let (client, recording) = (client.clone(), tally.clone());
        tokio::spawn(async move {
            let mut ticks = client.subscribe("tick").await.expect("subscribed");
            while let Some(event) = ticks.next().await {
                let data = event.data.map(|data| data.to_value()).unwrap_or_default();
                let tick = (data["series"].as_u64().unwrap_or(0), data["n"].as_u64().unwrap_or(0));
                recording.ticks.lock().unwrap().push(tick);
            }
        });
        tally
    }

    /// `(lost, duplicated, reordered)` ticks of `series` against 1..=n.
    fn faults(&self, series: u64, n: u64) -> (u64, u64, u64) {
        let ticks: Vec<u64> =
            self.ticks.lock().unwrap().iter().filter(|(s, _)| *s == series).map(|(_, n)| *n).collect();
        let mut seen = std::collections::BTreeSet::new();
        let duplicated = ticks.iter().filter(|n| !seen.insert(**n)).count() as u64;
        let lost = (1..=n).filter(|n| !seen.contains(n)).count() as u64;
        let reordered = ticks.windows(2).filter(|pair| pair[1] < pair[0]).count() as u64;
        (lost, duplicated, reordered)
    }

    async fn complete(&self, series: u64, n: u64) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while self.ticks.lock().unwrap().iter().filter(|(s, _)| *s == series).count() < n as usize {
            if tokio::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn three_nodes_serve_as_one_and_survive_a_killed_node() {
    let namespace = format!("test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let mut alpha = spawn_node(&namespace, "alpha", true).await;
    let bravo = spawn_node(&namespace, "bravo", false).await;
    let charlie = spawn_node(&namespace, "charlie", true).await;

    let at_alpha = client_of(&alpha, "hold").await;
    let at_bravo = client_of(&bravo, "hold").await;
    let at_charlie = client_of(&charlie, "hold").await;
    // A client of alpha that moves to bravo when alpha goes.
    let mover = Client::builder(&alpha.url)
        .alternative_url(&bravo.url)
        .reconnect(ReconnectPolicy { initial_delay: Duration::from_millis(50), ..ReconnectPolicy::default() })
        .connect()
        .await
        .expect("connects");
    let tallies = [Tally::start(&at_alpha), Tally::start(&at_bravo), Tally::start(&at_charlie), Tally::start(&mover)];
    tokio::time::sleep(Duration::from_secs(1)).await; // the bindings follow the subscriptions

    // Events from one node reach every subscriber of every node, once and in order.
    at_charlie.call("fire", &json!({"series": 1, "n": 1000})).await.expect("fired");
    for (index, tally) in tallies.iter().enumerate() {
        tally.complete(1, 1000).await;
        assert_eq!(tally.faults(1, 1000), (0, 0, 0), "subscriber {index}: (lost, duplicated, reordered)");
    }

    // Forwarded through bravo: progress in order, a question for the client, a cancel.
    let mut count = at_bravo.start("count", &json!({"to": 4})).await.expect("started");
    let mut progress = Vec::new();
    while let Some(item) = bounded("progress", count.next()).await {
        if let StreamItem::Progress { value, .. } = item.expect("an item") {
            progress.push(value as u64);
        }
    }
    assert_eq!(progress, [1, 2, 3, 4]);
    let unlocked = bounded("unlock", at_bravo.call("unlock", &())).await.expect("answered");
    assert_eq!(unlocked.result.as_deref(), Some("unlocked with open sesame"));
    let mut long = at_bravo.start("count", &json!({"to": 1000})).await.expect("started");
    bounded("a first progress", long.next()).await.expect("an item").expect("progress");
    long.cancel();
    assert_eq!(
        bounded("the cancelled count", long.response()).await.expect("answered").result.as_deref(),
        Some("Cancelled")
    );

    // Holds through bravo, spread over alpha and charlie.
    let mut holds = Vec::new();
    for _ in 0..6 {
        let mut hold = at_bravo.start("hold", &()).await.expect("started");
        let Some(Ok(StreamItem::Data(place))) = bounded("where the hold runs", hold.next()).await else {
            panic!("the hold says where it runs");
        };
        holds.push((place.to_value()["node"].as_str().unwrap_or_default().to_owned(), hold));
    }
    assert!(holds.iter().any(|(node, _)| node == "alpha"), "some holds run on alpha");
    assert!(holds.iter().any(|(node, _)| node == "charlie"), "some run on charlie");

    alpha.kill();
    let killed_at = tokio::time::Instant::now();
    for (node, hold) in holds.into_iter() {
        if node == "alpha" {
            let error = bounded("the hold on the killed node fails", hold.response()).await.expect_err("its node died");
            let text = error.to_string();
            assert!(text.contains("went away"), "{text}");
        } else {
            hold.cancel();
            bounded("a hold elsewhere goes on and is cancelled", hold.response()).await.expect("answered");
        }
    }
    let failed_within = killed_at.elapsed();
    assert!(failed_within < Duration::from_secs(10), "failed after {failed_within:?}, before any client timeout");

    // The others see no gap, and alpha's displaced client hears them through bravo.
    bounded("the mover reconnected", async {
        while !mover.is_connected() || mover.session_info().is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    at_charlie.call("fire", &json!({"series": 2, "n": 500})).await.expect("fired");
    for (index, tally) in [&tallies[1], &tallies[2], &tallies[3]].into_iter().enumerate() {
        tally.complete(2, 500).await;
        assert_eq!(tally.faults(2, 500), (0, 0, 0), "subscriber {index} after the kill");
    }

    // The killed node's queues go away (x-expires, 2 s here).
    let connection = lapin::Connection::connect(&url(), lapin::ConnectionProperties::default()).await.expect("broker");
    for queue in [format!("{namespace}.osmp.events.{}", alpha.id), format!("{namespace}.osmp.node.{}", alpha.id)] {
        bounded("alpha's queue expires", async {
            loop {
                let channel = connection.create_channel().await.expect("a channel");
                let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
                if channel.queue_declare(queue.as_str().into(), passive, FieldTable::default()).await.is_err() {
                    return;
                }
                let _ = channel.close(200, "looked".into()).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await;
    }
    let _ = connection.close(200, "done".into()).await;

    bravo.stop().await;
    charlie.stop().await;
}
