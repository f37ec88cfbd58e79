//! The processes the cluster scenario measures: three nodes (children of the bench, started
//! as `osmp-bench serve --kind osmp --cluster …`) and the RabbitMQ broker (`beam.smp`, found by the pid
//! file `scripts/rabbitmq.sh` writes, or by name).

use std::time::Duration;

use serde_json::json;

use super::node::NodeCounts;
use crate::load::{call, command, connect, ServerProcess, Ws};
use crate::Kind;

/// How a node is started.
pub struct NodeSpec<'a> {
    pub url: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    /// `--sets`: `bench`, `emitter`.
    pub sets: &'a str,
    pub batch_window: Duration,
}

/// A node in a child process, with a session of the bench's own for its counters.
pub struct NodeProcess {
    pub name: String,
    pub server: ServerProcess,
    control: Ws,
    nr: u64,
}

impl NodeProcess {
    /// Starts a node and waits until it listens (it has joined the cluster by then).
    pub async fn start(spec: &NodeSpec<'_>) -> Result<NodeProcess, String> {
        let window = spec.batch_window.as_millis().to_string();
        let args = [
            "--cluster",
            spec.url,
            "--namespace",
            spec.namespace,
            "--node-name",
            spec.name,
            "--sets",
            spec.sets,
            "--batch-window-ms",
            window.as_str(),
        ];
        let server = ServerProcess::start_with(Kind::Osmp, &args).map_err(|error| {
            format!("node {}: {error}; is RabbitMQ up at {}? (scripts/rabbitmq.sh start)", spec.name, spec.url)
        })?;
        let control = connect(&server).await?;
        Ok(NodeProcess { name: spec.name.to_owned(), server, control, nr: 0 })
    }

    /// Calls a command on the node's control session and returns its reply's `data`.
    pub async fn call(&mut self, id: &str, data: &serde_json::Value) -> Result<serde_json::Value, String> {
        self.nr += 1;
        let reply = call(&mut self.control, Kind::Osmp, command(self.nr, id, data), self.nr)
            .await
            .map_err(|error| format!("{id} on {}: {error}", self.name))?;
        let mut reply: serde_json::Value = serde_json::from_str(&reply).map_err(|e| e.to_string())?;
        Ok(reply["data"].take())
    }

    /// The node's cluster counters.
    pub async fn counts(&mut self) -> Result<NodeCounts, String> {
        let data = self.call("node-stats", &json!({})).await?;
        serde_json::from_value(data).map_err(|e| format!("node-stats of {}: {e}", self.name))
    }

    /// Waits until the node knows `nodes` nodes (itself included) and the command `command`.
    pub async fn await_cluster(&mut self, nodes: u64, command: &str) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let known = self.counts().await?.nodes;
            let help = self.call("help", &json!({ "cmd": command })).await;
            if known >= nodes && help.is_ok() {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(format!("node {} knows {known} of {nodes} nodes after 20 s", self.name));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn cpu(&self) -> Duration {
        self.server.cpu()
    }
}

/// The RabbitMQ broker's process, when it runs on this machine.
pub struct Broker {
    pub pid: Option<u32>,
}

impl Broker {
    /// The broker `scripts/rabbitmq.sh` started (its pid file), else the only `beam.smp`.
    pub fn find() -> Broker {
        let dir = std::env::var("OMCP_RABBITMQ_DIR")
            .unwrap_or_else(|_| format!("/tmp/omcp-rabbitmq-{}", rustix::process::getuid().as_raw()));
        let from_file = std::fs::read_to_string(format!("{dir}/rabbitmq.pid"))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok())
            .filter(|pid| is_beam(*pid));
        Broker { pid: from_file.or_else(only_beam) }
    }

    /// Its CPU time so far (zero when it is not found, or gone).
    pub fn cpu(&self) -> Duration {
        self.pid.map_or(Duration::ZERO, crate::sys::cpu_time)
    }

    /// Whether the process is still the broker (another run may restart it).
    pub fn is_alive(&self) -> bool {
        self.pid.is_some_and(is_beam)
    }
}

fn is_beam(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|name| name.trim() == "beam.smp")
}

fn only_beam() -> Option<u32> {
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| is_beam(*pid))
        .collect();
    match pids.as_slice() {
        [pid] => Some(*pid),
        _ => None,
    }
}
