//! The bodies of the messages nodes send each other, as JSON. Events are not here: an
//! event's body is its data, as the sessions get it.

use std::collections::BTreeSet;

use osmp_runtime::instruction::ExportedSet;
use osmp_runtime::session::Identity;
use osmp_runtime::wire::{Payload, Status};
use serde::{Deserialize, Serialize};

/// A node's description: the sets it serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Announcement {
    /// The node's id.
    pub(crate) node: String,
    /// Its name, for people.
    pub(crate) name: String,
    /// A digest of `sets`: beats carry it, so that a change is noticed without the sets.
    pub(crate) digest: String,
    pub(crate) sets: Vec<ExportedSet>,
}

/// A node is alive.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Beat {
    pub(crate) node: String,
    pub(crate) digest: String,
}

/// The caller of a forwarded command: whom the executing node runs it as.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Caller {
    pub(crate) name: String,
    pub(crate) roles: BTreeSet<String>,
}

impl From<&Identity> for Caller {
    fn from(identity: &Identity) -> Caller {
        Caller { name: identity.name.clone(), roles: identity.roles.clone() }
    }
}

impl From<Caller> for Identity {
    fn from(caller: Caller) -> Identity {
        Identity { name: caller.name, roles: caller.roles }
    }
}

/// A command forwarded to the node that serves its set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Command {
    /// The command's canonical name.
    pub(crate) command: String,
    pub(crate) data: Option<Payload>,
    /// Who runs it (`None`: an anonymous session).
    pub(crate) caller: Option<Caller>,
}

/// A question a forwarded command asks its caller's client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Ask {
    /// The question's number on the executing side, which its answer names.
    pub(crate) nr: u64,
    pub(crate) command: String,
    pub(crate) data: Option<Payload>,
}

/// Questions no longer waited for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Withdrawn {
    pub(crate) nrs: Vec<u64>,
}

/// A response: of a forwarded command to its caller, or of the caller's client to a
/// question (then with the question's `nr`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) nr: Option<u64>,
    pub(crate) status: Status,
    pub(crate) result: Option<String>,
    pub(crate) data: Option<Payload>,
}

/// Reads a message body; an undecodable one is logged and ignored.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body)
        .map_err(|error| tracing::warn!(%error, "an undecodable message from another node was ignored"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_back() {
        let answer = Answer {
            nr: Some(3),
            status: Status::Error,
            result: Some("no".into()),
            data: Some(Payload::from_json(r#"{"a":1}"#).unwrap()),
        };
        let text = serde_json::to_string(&answer).unwrap();
        assert_eq!(text, r#"{"nr":3,"status":"ERROR","result":"no","data":{"a":1}}"#);
        let again: Answer = serde_json::from_str(&text).unwrap();
        assert_eq!((again.nr, again.status, again.data), (answer.nr, answer.status, answer.data));
    }
}
