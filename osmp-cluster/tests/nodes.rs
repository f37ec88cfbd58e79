//! Two nodes in one process against a real RabbitMQ (`scripts/rabbitmq.sh`): a set served on
//! one is described, run, streamed, cancelled and asked through the other, and events cross
//! between them. Each test has a namespace of its own on the broker.

use std::time::Duration;

use osmp_cluster::{Cluster, ClusterHandle};
use osmp_runtime::auth::Users;
use osmp_runtime::client::Client;
use osmp_runtime::instruction::{CommandContext, CommandError, Outcome};
use osmp_runtime::server::{Server, ServerHandle};
use osmp_runtime::wire::StreamItem;
use serde_json::{json, Value};

/// Every wait is bounded by this.
const PATIENCE: Duration = Duration::from_secs(15);

/// Commands of every kind a forwarded command can be.
#[osmp_runtime::instruction_set(name = "lab", crate = "osmp_runtime")]
pub trait Lab {
    /// Counts to a number, one progress message each.
    async fn count(&self, cx: CommandContext, to: u64) -> Result<Outcome, CommandError>;

    /// Runs until cancelled.
    async fn hold(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Asks the client for a name and greets it.
    async fn greet(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Says who runs it, and where.
    async fn whoami(&self, cx: CommandContext) -> Result<Outcome, CommandError>;

    /// Emits ticks.
    async fn fire(&self, cx: CommandContext, n: u64) -> Result<(), CommandError>;

    /// For operators only.
    #[command(requires = "operator")]
    async fn secret(&self) -> Result<(), CommandError>;

    /// A tick.
    #[event]
    fn tick(n: u64);
}

struct LabNode {
    name: &'static str,
}

impl Lab for LabNode {
    async fn count(&self, cx: CommandContext, to: u64) -> Result<Outcome, CommandError> {
        for value in 1..=to {
            cx.progress(value, to).await?;
        }
        Ok(Outcome::text(format!("counted to {to}")))
    }

    async fn hold(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        cx.cancelled().await;
        Ok(Outcome::text("Cancelled"))
    }

    async fn greet(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        let answer = cx.ask("name-request", &json!({"why": "to greet you"})).await?;
        let name = answer.data.map(|data| data.to_value()["name"].as_str().unwrap_or_default().to_owned());
        Ok(Outcome::text(format!("hello {}", name.unwrap_or_default())))
    }

    async fn whoami(&self, cx: CommandContext) -> Result<Outcome, CommandError> {
        let user = cx.session().user().map_or_else(|| "nobody".to_owned(), |user| user.name.clone());
        Ok(Outcome::text(format!("{user} on {}", self.name)))
    }

    async fn fire(&self, cx: CommandContext, n: u64) -> Result<(), CommandError> {
        let events = LabEvents::new(cx.events());
        for n in 1..=n {
            events.tick(n)?;
        }
        Ok(())
    }

    async fn secret(&self) -> Result<(), CommandError> {
        Ok(())
    }
}

fn url() -> String {
    std::env::var("OMCP_AMQP_URL").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".to_owned())
}

fn namespace() -> String {
    format!("test-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

fn accounts() -> Users {
    let mut users = Users::new();
    users.add_password("jon", "secret").unwrap();
    users.grant("jon", ["operator"]);
    users.add_password("sam", "books").unwrap();
    users
}

/// A plain `ws://` node of the cluster `namespace`, serving `lab` when asked to.
async fn node(namespace: &str, name: &'static str, lab: bool) -> (ServerHandle, ClusterHandle) {
    let cluster =
        Cluster::rabbitmq(url()).namespace(namespace).node_name(name).heartbeat(Duration::from_millis(200), 3);
    let handle = cluster.handle();
    let mut builder = Server::builder().no_tls().users(accounts()).cluster(cluster);
    if lab {
        builder = builder.instruction_set(LabServer::new(LabNode { name }));
    }
    let server = builder.build().await.expect("the node joins (is RabbitMQ running? scripts/rabbitmq.sh start)");
    (server.spawn(), handle)
}

async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future).await.unwrap_or_else(|_| panic!("took too long: {what}"))
}

#[tokio::test]
async fn a_set_served_on_one_node_is_used_through_another() {
    let namespace = namespace();
    let (lab, _) = node(&namespace, "lab", true).await;
    let (front, front_cluster) = node(&namespace, "front", false).await;
    eventually("the front knows the lab set", || front.registry().resolve("count").is_some()).await;
    assert_eq!(front_cluster.nodes().iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["lab"]);

    let client = Client::builder(front.url())
        .on_command("name-request", |_| async { Outcome::data(&json!({"name": "Sam"})) })
        .connect()
        .await
        .expect("connects");

    // Help describes the whole cluster.
    let help: Value = client.call_as("help", &json!({"cmd": "count"})).await.expect("help");
    assert_eq!(help["instruction-set"], "lab", "{help}");
    let schema: Value = client.call_as("schema", &()).await.expect("schema");
    let sets: Vec<&str> =
        schema["instruction-sets"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert!(sets.contains(&"lab"), "{sets:?}");

    // A streaming command: every progress message, in order, then the response.
    let mut count = client.start("count", &json!({"to": 5})).await.expect("started");
    let mut seen = Vec::new();
    while let Some(item) = bounded("progress", count.next()).await {
        if let StreamItem::Progress { value, .. } = item.expect("an item") {
            seen.push(value as u64);
        }
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    assert_eq!(count.response().await.expect("answered").result.as_deref(), Some("counted to 5"));

    // A question for the client, asked by the node that runs the command.
    let greeting = bounded("greet", client.call("greet", &())).await.expect("greeted");
    assert_eq!(greeting.result.as_deref(), Some("hello Sam"));

    // Cancelled by the client: the command stops where it runs.
    let hold = client.start("hold", &()).await.expect("started");
    eventually("the hold runs on the lab node", || lab.stats().active_commands == 1).await;
    hold.cancel();
    assert_eq!(
        bounded("the cancelled hold", hold.response()).await.expect("answered").result.as_deref(),
        Some("Cancelled")
    );
    eventually("nothing runs on the lab node", || lab.stats().active_commands == 0).await;

    front.shutdown().await;
    lab.shutdown().await;
}

#[tokio::test]
async fn the_callers_identity_travels_and_permissions_hold_where_the_command_runs() {
    let namespace = namespace();
    let (lab, _) = node(&namespace, "lab", true).await;
    let (front, _) = node(&namespace, "front", false).await;
    eventually("the front knows the lab set", || front.registry().resolve("whoami").is_some()).await;
    let client = Client::connect(front.url()).await.expect("connects");
    assert_eq!(client.call("whoami", &()).await.unwrap().result.as_deref(), Some("nobody on lab"));
    client.login("sam", "books").await.expect("login");
    assert_eq!(client.call("whoami", &()).await.unwrap().result.as_deref(), Some("sam on lab"));
    let refused = client.call("secret", &()).await.expect_err("sam is no operator");
    assert_eq!(refused.response().unwrap().result.as_deref(), Some("Permission denied"));
    client.login("jon", "secret").await.expect("login");
    client.call("secret", &()).await.expect("jon is an operator");
    front.shutdown().await;
    lab.shutdown().await;
}

#[tokio::test]
async fn events_cross_nodes_once_and_in_order() {
    let namespace = namespace();
    let (lab, lab_cluster) = node(&namespace, "lab", true).await;
    let (front, front_cluster) = node(&namespace, "front", false).await;
    eventually("the front knows the lab set", || front.registry().event("tick").is_some()).await;

    let listener = Client::connect(front.url()).await.expect("connects");
    let mut ticks = listener.subscribe("tick").await.expect("subscribed");
    let local = Client::connect(lab.url()).await.expect("connects");
    let mut local_ticks = local.subscribe("tick").await.expect("subscribed");
    // The binding follows the subscription, within moments.
    eventually("the nodes know each other", || front_cluster.stats().nodes == 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    local.call("fire", &json!({"n": 200})).await.expect("fired");
    for expected in 1..=200u64 {
        let event = bounded("a remote tick", ticks.next()).await.expect("open");
        assert_eq!(event.data.unwrap().to_value()["n"], expected, "in order, none lost");
        let event = bounded("a local tick", local_ticks.next()).await.expect("open");
        assert_eq!(event.data.unwrap().to_value()["n"], expected);
    }
    let (front_stats, lab_stats) = (front_cluster.stats(), lab_cluster.stats());
    assert_eq!(lab_stats.events_published, 200);
    assert_eq!((front_stats.events_received, front_stats.events_lost, front_stats.events_duplicated), (200, 0, 0));
    assert_eq!(lab_stats.events_received, 0, "a node drops its own events");

    front.shutdown().await;
    lab.shutdown().await;
}

#[tokio::test]
async fn a_node_that_leaves_takes_its_sets_with_it() {
    let namespace = namespace();
    let (lab, _) = node(&namespace, "lab", true).await;
    let (front, front_cluster) = node(&namespace, "front", false).await;
    eventually("the front knows the lab set", || front.registry().resolve("count").is_some()).await;
    lab.shutdown().await;
    eventually("the front forgot the lab set", || front.registry().resolve("count").is_none()).await;
    assert!(front_cluster.nodes().is_empty());
    let client = Client::connect(front.url()).await.expect("connects");
    let error = client.call("count", &json!({"to": 1})).await.expect_err("nobody serves it");
    assert_eq!(error.response().unwrap().result.as_deref(), Some("Error: command 'count' not found"));
    front.shutdown().await;
}
