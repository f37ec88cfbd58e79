//! The other nodes: who is there (announcements and heartbeats), what each serves, and
//! the registry that follows (the sets served elsewhere, offered here as `RemoteSet`s).
//! A node that stops beating is forgotten after a few missed beats, and so are the sets
//! only it served; the commands it was running fail at their callers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use lapin::message::Delivery;
use osmp_runtime::instruction::{ExportedSet, InstructionSet};
use tokio::time::Instant;

use crate::messages::{decode, Announcement, Beat};
use crate::names::kind;
use crate::node::Node;
use crate::remote::RemoteSet;

/// The nodes this node knows, by id.
#[derive(Default)]
pub(crate) struct Members {
    known: Mutex<HashMap<String, Member>>,
}

struct Member {
    name: String,
    digest: String,
    sets: Vec<ExportedSet>,
    last_seen: Instant,
}

/// One node as [`ClusterHandle::nodes`](crate::ClusterHandle::nodes) lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeInfo {
    /// The node's id on the broker.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The instruction sets it serves (without the standard set, which every node has).
    pub sets: Vec<String>,
}

impl Members {
    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, Member>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many other nodes are known.
    pub(crate) fn count(&self) -> usize {
        self.known().len()
    }

    pub(crate) fn list(&self) -> Vec<NodeInfo> {
        let known = self.known();
        let mut nodes: Vec<NodeInfo> = known
            .iter()
            .map(|(id, member)| NodeInfo {
                id: id.clone(),
                name: member.name.clone(),
                sets: member.sets.iter().map(set_name).collect(),
            })
            .collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        nodes
    }
}

fn set_name(set: &ExportedSet) -> String {
    set.set["name"].as_str().unwrap_or_default().to_owned()
}

impl Node {
    /// A delivery to this node's queue: another node's announcement, or a message about a
    /// forwarded command (a reply to one sent from here, or a cancel or answer for one
    /// running here).
    pub(crate) fn on_node_message(self: &Arc<Self>, delivery: Delivery) {
        let properties = &delivery.properties;
        let kind = properties.kind().as_ref().map(|kind| kind.as_str().to_owned()).unwrap_or_default();
        let origin = properties.app_id().as_ref().map(|id| id.as_str().to_owned()).unwrap_or_default();
        if origin == self.id {
            return;
        }
        let correlation = properties.correlation_id().as_ref().map(|id| id.as_str().to_owned());
        match (kind.as_str(), correlation) {
            (kind::ANNOUNCE, _) => {
                if let Some(announcement) = decode::<Announcement>(&delivery.data) {
                    self.learn(announcement);
                }
            }
            (kind::BEAT, _) => {
                if let Some(beat) = decode::<Beat>(&delivery.data) {
                    self.beat_from(beat);
                }
            }
            (kind::LEAVE, _) => self.forget(&origin, "it left"),
            (kind::DESCRIBE, _) => {
                let node = self.clone();
                tokio::spawn(async move { node.announce().await });
            }
            (kind::CANCEL | kind::ANSWER, Some(call)) => self.running.deliver(&call, &kind, &delivery.data),
            (_, Some(call)) => self.calls.deliver(&call, &kind, &origin, &delivery.data),
            (other, None) => tracing::debug!(kind = other, %origin, "a message without correlation was ignored"),
        }
    }

    /// A node's description: its sets are offered here.
    fn learn(self: &Arc<Self>, announcement: Announcement) {
        let changed = {
            let mut known = self.members.known();
            let member = Member {
                name: announcement.name,
                digest: announcement.digest,
                sets: announcement.sets,
                last_seen: Instant::now(),
            };
            let changed = known.get(&announcement.node).is_none_or(|old| old.digest != member.digest);
            if changed {
                tracing::info!(node = %announcement.node, sets = ?member.sets.iter().map(set_name).collect::<Vec<_>>(), "a node joined or changed");
            }
            known.insert(announcement.node, member);
            changed
        };
        if changed {
            self.offer_remote_sets();
        }
    }

    /// A node is alive; one whose description is unknown here is asked for it.
    fn beat_from(self: &Arc<Self>, beat: Beat) {
        let known = {
            let mut known = self.members.known();
            match known.get_mut(&beat.node) {
                Some(member) if member.digest == beat.digest => {
                    member.last_seen = Instant::now();
                    true
                }
                _ => false,
            }
        };
        if !known {
            let node = self.clone();
            tokio::spawn(async move {
                let queue = node.names.node_queue(&beat.node);
                if let Err(error) = node.publish("", &queue, kind::DESCRIBE, &node.id).await {
                    tracing::debug!(%error, "could not ask a node for its description");
                }
            });
        }
    }

    /// Forgets the nodes that missed too many beats.
    pub(crate) fn forget_silent(self: &Arc<Self>) {
        let patience = self.patience();
        let silent: Vec<String> = {
            let known = self.members.known();
            known.iter().filter(|(_, member)| member.last_seen.elapsed() > patience).map(|(id, _)| id.clone()).collect()
        };
        for node in silent {
            self.forget(&node, "it missed its heartbeats");
        }
    }

    /// Forgets a node: its sets (unless another node serves them) and the commands it ran.
    fn forget(self: &Arc<Self>, node: &str, why: &str) {
        let removed = self.members.known().remove(node).is_some();
        if removed {
            tracing::warn!(%node, why, "a node left the cluster");
            self.offer_remote_sets();
        }
        self.calls.fail_executor(node, &format!("the node {node} that ran the command went away ({why})"));
    }

    /// Offers here every set other nodes serve and this node does not.
    fn offer_remote_sets(self: &Arc<Self>) {
        let by_name: BTreeMap<String, ExportedSet> = {
            let known = self.members.known();
            let mut ids: Vec<&String> = known.keys().collect();
            ids.sort();
            let mut sets = BTreeMap::new();
            for id in ids {
                for set in &known[id].sets {
                    sets.entry(set_name(set)).or_insert_with(|| set.clone());
                }
            }
            sets
        };
        let remote: Vec<Arc<dyn InstructionSet>> = by_name
            .into_iter()
            .filter(|(name, _)| name != "standard" && !self.local_sets.contains(name))
            .map(|(_, set)| Arc::new(RemoteSet::new(set, self)) as Arc<dyn InstructionSet>)
            .collect();
        tracing::debug!(sets = remote.len(), "sets served elsewhere offered here");
        self.server.set_remote_sets(remote);
    }
}
