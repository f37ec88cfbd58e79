//! The instruction sets a server offers: its own (the standard set first), and those other
//! nodes of a cluster serve, composed into the registry in effect.
//!
//! The registry is replaced as a whole when the remote sets change; each command resolves
//! in the registry current when it arrives and keeps it for its life.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::instruction::{InstructionSet, Registry};
use crate::sync::{read, write};

pub(crate) struct ServedSets {
    /// This server's own sets, the standard set first.
    local: Vec<Arc<dyn InstructionSet>>,
    current: RwLock<Arc<Registry>>,
    /// Counts the replacements of `current`: a session keeps its registry until this moves.
    version: AtomicU64,
}

impl ServedSets {
    pub(crate) fn new(local: Vec<Arc<dyn InstructionSet>>) -> ServedSets {
        let current = RwLock::new(Arc::new(Registry::new(local.iter().cloned())));
        ServedSets { local, current, version: AtomicU64::new(0) }
    }

    /// The registry in effect.
    pub(crate) fn registry(&self) -> Arc<Registry> {
        read(&self.current).clone()
    }

    /// How many times the registry was replaced; read for every command (a value written
    /// only when the cluster's sets change, so reading it costs no shared write).
    pub(crate) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// This server's own sets.
    pub(crate) fn local(&self) -> &[Arc<dyn InstructionSet>] {
        &self.local
    }

    /// Offers `remote` besides the server's own sets: after the standard set, before the
    /// domain sets, so that on equal versions a set served here wins over one served
    /// elsewhere (local commands never travel).
    pub(crate) fn set_remote(&self, remote: Vec<Arc<dyn InstructionSet>>) {
        let (standard, domain) = self.local.split_at(self.local.len().min(1));
        let sets = standard.iter().cloned().chain(remote).chain(domain.iter().cloned());
        *write(&self.current) = Arc::new(Registry::new(sets));
        self.version.fetch_add(1, Ordering::Release);
    }
}
