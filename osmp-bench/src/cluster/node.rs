//! A node of the benchmark's cluster, in a child process of its own:
//! `osmp-bench serve --cluster AMQP_URL --node-name NAME --namespace NS [--sets bench,emitter]
//! [--batch-window-ms MS]`. It prints `port N` once it listens and leaves the cluster when its
//! standard input closes.

use std::time::Duration;

use osmp::cluster::{Cluster, ClusterHandle};
use osmp::prelude::*;
use osmp::session::SessionConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::serve::{announce, emit_tick, BenchServer, BenchSet};

/// Sessions a node accepts, from one address too: the bench process holds 1,000 per node,
/// and 1,500 per survivor once a node is killed.
const MAX_SESSIONS: usize = 20_000;

/// What a node is told on its command line.
struct NodeOptions {
    url: String,
    name: String,
    namespace: String,
    bind: String,
    /// Serves the `bench` set (the `tick` event, `fire`, `storm`, `flood`).
    bench: bool,
    /// Serves the `bench-emitter` set (`pace`, `probe`): on one node only.
    emitter: bool,
    batch_window: Duration,
}

impl NodeOptions {
    fn parse(args: &[String]) -> Result<NodeOptions, String> {
        let mut options = NodeOptions {
            url: String::new(),
            name: "bench".to_owned(),
            namespace: String::new(),
            bind: "127.0.0.1:0".to_owned(),
            bench: false,
            emitter: false,
            batch_window: SessionConfig::default().event_batch_window,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().cloned().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--cluster" => options.url = value()?,
                "--node-name" => options.name = value()?,
                "--namespace" => options.namespace = value()?,
                "--bind" => options.bind = value()?,
                "--kind" => {
                    let kind = value()?;
                    if kind != "osmp" {
                        return Err(format!("a cluster node is an osmp server, not {kind}"));
                    }
                }
                "--sets" => {
                    for set in value()?.split(',').filter(|set| !set.is_empty()) {
                        match set {
                            "bench" => options.bench = true,
                            "emitter" => options.emitter = true,
                            other => return Err(format!("unknown set {other} (bench, emitter)")),
                        }
                    }
                }
                "--batch-window-ms" => {
                    let millis = value()?.parse::<u64>().map_err(|e| format!("--batch-window-ms: {e}"))?;
                    options.batch_window = Duration::from_millis(millis);
                }
                other => return Err(format!("unknown argument {other} of a cluster node")),
            }
        }
        if options.url.is_empty() || options.namespace.is_empty() {
            return Err("a cluster node needs --cluster AMQP_URL and --namespace NS".to_owned());
        }
        Ok(options)
    }
}

/// Runs a node until its standard input closes; then it leaves the cluster and exits.
pub fn serve(args: &[String]) -> Result<(), String> {
    let options = NodeOptions::parse(args)?;
    crate::sys::raise_open_files_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(run(options))
}

async fn run(options: NodeOptions) -> Result<(), String> {
    let cluster = Cluster::rabbitmq(&options.url).node_name(&options.name).namespace(&options.namespace);
    let handle = cluster.handle();
    let mut limits = Limits::default();
    limits.connections.max_sessions = MAX_SESSIONS;
    limits.connections.max_sessions_per_address = MAX_SESSIONS;
    let mut session = SessionConfig::default();
    session.event_batch_window = options.batch_window;
    let mut builder = Server::builder()
        .no_tls()
        .bind(&options.bind)
        .limits(limits)
        .session_config(session)
        .instruction_set(BenchNodeServer::new(NodeSet { handle }))
        .cluster(cluster);
    if options.bench {
        builder = builder.instruction_set(BenchServer::new(BenchSet));
    }
    if options.emitter {
        builder = builder.instruction_set(BenchEmitterServer::new(EmitterSet));
    }
    let server = builder.build().await.map_err(|e| format!("cannot join the cluster at {}: {e}", options.url))?;
    announce(server.local_addr().port());
    let server = server.spawn();
    // The bench may ask for our allocation counters, and closes our standard input when it
    // is done with us.
    let (closed, stdin_closed) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        crate::control::answer_until_eof();
        let _ = closed.send(());
    });
    let _ = stdin_closed.await;
    server.shutdown().await;
    Ok(())
}

/// A node's own counters (`ClusterHandle::stats`), as `node-stats` answers them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct NodeCounts {
    /// The node's id on the broker.
    pub node: String,
    /// Nodes it knows, itself included.
    pub nodes: u64,
    /// Events emitted here and published.
    pub published: u64,
    /// Events emitted here that could not be published.
    pub not_published: u64,
    /// Events of other nodes received.
    pub received: u64,
    /// Gaps in other nodes' numbering.
    pub lost: u64,
    /// Events of other nodes that came twice or out of order.
    pub duplicated: u64,
}

/// Served on every node: each answers for itself (a local set wins over a remote one).
#[osmp::instruction_set(name = "bench-node")]
pub trait BenchNode {
    /// This node's cluster counters.
    async fn node_stats(&self) -> Result<NodeCounts, CommandError>;
}

struct NodeSet {
    handle: ClusterHandle,
}

impl BenchNode for NodeSet {
    async fn node_stats(&self) -> Result<NodeCounts, CommandError> {
        let stats = self.handle.stats();
        Ok(NodeCounts {
            node: self.handle.node_id().unwrap_or_default().to_owned(),
            nodes: stats.nodes as u64,
            published: stats.events_published,
            not_published: stats.events_not_published,
            received: stats.events_received,
            lost: stats.events_lost,
            duplicated: stats.events_duplicated,
        })
    }
}

/// What `pace` did.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Paced {
    /// Ticks emitted.
    pub events: u64,
    /// Deliveries queued for this node's sessions.
    pub local_deliveries: u64,
    /// From the first emit to the last.
    pub seconds: f64,
}

/// What `probe` answers: its token.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Probed {
    /// The token it was given.
    pub token: String,
}

/// Served on the emitting node only.
#[osmp::instruction_set(name = "bench-emitter")]
pub trait BenchEmitter {
    /// Emits `count` ticks numbered `first`, `first + 1`, … at `rate` per second.
    async fn pace(&self, cx: CommandContext, rate: f64, count: u64, first: u64) -> Result<Paced, CommandError>;

    /// Answers its token, as `echo` does; served on one node, so forwarded from the others.
    async fn probe(&self, token: String) -> Result<Probed, CommandError>;
}

struct EmitterSet;

impl BenchEmitter for EmitterSet {
    async fn pace(&self, cx: CommandContext, rate: f64, count: u64, first: u64) -> Result<Paced, CommandError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(CommandError::new("Error: rate must be positive"));
        }
        let start = tokio::time::Instant::now();
        let mut paced = Paced { events: 0, local_deliveries: 0, seconds: 0.0 };
        for index in 0..count {
            // Due times from the start, not from the last emit: a late tick does not slow
            // the rest down.
            tokio::time::sleep_until(start + Duration::from_secs_f64(index as f64 / rate)).await;
            if cx.is_cancelled() {
                break;
            }
            paced.local_deliveries += emit_tick(&cx, first + index)?;
            paced.events += 1;
        }
        paced.seconds = start.elapsed().as_secs_f64();
        Ok(paced)
    }

    async fn probe(&self, token: String) -> Result<Probed, CommandError> {
        Ok(Probed { token })
    }
}
