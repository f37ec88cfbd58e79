//! Name resolution across instruction sets, with the specification's override rule.
//!
//! Sets are registered in order (the standard set first). A command name is owned by the
//! registration with the highest version; on equal versions the later registration wins.
//! That is how a domain set overrides a standard command. Lookup tries the exact name, then
//! an alias, then either with all dashes removed (`eventlist`), ignoring ASCII case.

use std::collections::HashMap;
use std::sync::Arc;

use super::{CommandSchema, EventSchema, InstructionSet};

/// All commands and events a server offers.
pub struct Registry {
    sets: Vec<Arc<dyn InstructionSet>>,
    /// The winning command of every name, in registration order.
    commands: Vec<Slot>,
    /// Lower-cased name → index into `commands`; names first, then aliases, then dash-less forms.
    by_name: HashMap<String, usize>,
    by_alias: HashMap<String, usize>,
    by_dashless: HashMap<String, usize>,
    /// The winning event of every name, in registration order.
    events: Vec<Slot>,
    event_by_name: HashMap<String, usize>,
}

#[derive(Clone, Copy)]
struct Slot {
    set: usize,
    index: usize,
}

/// A command as the registry resolved it.
#[derive(Clone, Copy)]
pub struct RegisteredCommand<'a> {
    set: &'a Arc<dyn InstructionSet>,
    index: usize,
}

impl<'a> RegisteredCommand<'a> {
    /// The command's description.
    pub fn schema(&self) -> &'a CommandSchema {
        &self.set.schema().commands[self.index]
    }

    /// The name of the set that provides it.
    pub fn set_name(&self) -> &'a str {
        &self.set.schema().name
    }

    /// The set that provides it.
    pub fn set(&self) -> &'a Arc<dyn InstructionSet> {
        self.set
    }

    /// Its index in the set's command table.
    pub fn index(&self) -> usize {
        self.index
    }
}

/// An event as the registry resolved it.
#[derive(Clone, Copy)]
pub struct RegisteredEvent<'a> {
    set: &'a Arc<dyn InstructionSet>,
    index: usize,
}

impl<'a> RegisteredEvent<'a> {
    /// The event's description.
    pub fn schema(&self) -> &'a EventSchema {
        &self.set.schema().events[self.index]
    }

    /// The name of the set that declares it.
    pub fn set_name(&self) -> &'a str {
        &self.set.schema().name
    }

    /// The set that declares it.
    pub fn set(&self) -> &'a Arc<dyn InstructionSet> {
        self.set
    }
}

impl Registry {
    /// Registers sets in order; later sets override earlier ones by the version rule.
    pub fn new(sets: impl IntoIterator<Item = Arc<dyn InstructionSet>>) -> Registry {
        let sets: Vec<Arc<dyn InstructionSet>> = sets.into_iter().collect();
        let commands = winners(&sets, |set| {
            set.schema().commands.iter().map(|command| (command.name.to_string(), command.version)).collect()
        });
        let events =
            winners(&sets, |set| set.schema().events.iter().map(|event| (event.name.to_string(), 0)).collect());

        let mut registry = Registry {
            sets,
            commands,
            by_name: HashMap::new(),
            by_alias: HashMap::new(),
            by_dashless: HashMap::new(),
            events,
            event_by_name: HashMap::new(),
        };
        registry.index_names();
        registry
    }

    fn index_names(&mut self) {
        for (position, slot) in self.commands.iter().enumerate() {
            let schema = &self.sets[slot.set].schema().commands[slot.index];
            self.by_name.insert(schema.name.to_ascii_lowercase(), position);
            self.by_dashless.entry(dashless(&schema.name)).or_insert(position);
        }
        for (position, slot) in self.commands.iter().enumerate() {
            let schema = &self.sets[slot.set].schema().commands[slot.index];
            for alias in schema.aliases.iter() {
                self.by_alias.insert(alias.to_ascii_lowercase(), position);
                self.by_dashless.entry(dashless(alias)).or_insert(position);
            }
        }
        for (position, slot) in self.events.iter().enumerate() {
            let schema = &self.sets[slot.set].schema().events[slot.index];
            self.event_by_name.insert(schema.name.to_ascii_lowercase(), position);
        }
    }

    /// Finds a command by name, alias, or either without dashes.
    pub fn resolve(&self, name: &str) -> Option<RegisteredCommand<'_>> {
        // Nearly every peer sends the canonical name: found without lower-casing a copy.
        if let Some(&position) = self.by_name.get(name) {
            return Some(self.command_at(position));
        }
        let key = name.to_ascii_lowercase();
        let position = self
            .by_name
            .get(&key)
            .or_else(|| self.by_alias.get(&key))
            .or_else(|| self.by_dashless.get(&dashless(&key)))?;
        Some(self.command_at(*position))
    }

    /// Every command that is in effect, in registration order.
    pub fn commands(&self) -> impl Iterator<Item = RegisteredCommand<'_>> {
        (0..self.commands.len()).map(|position| self.command_at(position))
    }

    /// Finds an event by name (ignoring ASCII case).
    pub fn event(&self, name: &str) -> Option<RegisteredEvent<'_>> {
        let position = *self.event_by_name.get(&name.to_ascii_lowercase())?;
        let slot = self.events[position];
        Some(RegisteredEvent { set: &self.sets[slot.set], index: slot.index })
    }

    /// Every event that can be subscribed, in registration order.
    pub fn events(&self) -> impl Iterator<Item = RegisteredEvent<'_>> {
        self.events.iter().map(|slot| RegisteredEvent { set: &self.sets[slot.set], index: slot.index })
    }

    /// The canonical name of every event that can be subscribed.
    pub fn event_names(&self) -> impl Iterator<Item = &str> {
        self.events().map(|event| event.schema().name.as_ref())
    }

    /// Every registered set as one JSON document (see [`export_schema`](super::export_schema)).
    pub fn export_schema(&self) -> serde_json::Value {
        super::export_sets(&self.sets, |_| true)
    }

    /// The registered sets, in registration order.
    pub fn sets(&self) -> &[Arc<dyn InstructionSet>] {
        &self.sets
    }

    fn command_at(&self, position: usize) -> RegisteredCommand<'_> {
        let slot = self.commands[position];
        RegisteredCommand { set: &self.sets[slot.set], index: slot.index }
    }
}

/// For each name, the registration that wins: highest version, later on ties. The result
/// keeps the position where the name first appeared, so `help` lists in a stable order.
fn winners(sets: &[Arc<dyn InstructionSet>], names: impl Fn(&dyn InstructionSet) -> Vec<(String, u32)>) -> Vec<Slot> {
    let mut slots: Vec<(Slot, u32)> = Vec::new();
    let mut position_of: HashMap<String, usize> = HashMap::new();
    for (set_index, set) in sets.iter().enumerate() {
        for (index, (name, version)) in names(set.as_ref()).into_iter().enumerate() {
            let slot = Slot { set: set_index, index };
            match position_of.get(&name.to_ascii_lowercase()) {
                Some(&position) if slots[position].1 > version => {
                    tracing::debug!(command = %name, "registration shadowed by a higher version");
                }
                Some(&position) => slots[position] = (slot, version),
                None => {
                    position_of.insert(name.to_ascii_lowercase(), slots.len());
                    slots.push((slot, version));
                }
            }
        }
    }
    slots.into_iter().map(|(slot, _)| slot).collect()
}

fn dashless(name: &str) -> String {
    name.chars().filter(|c| *c != '-').map(|c| c.to_ascii_lowercase()).collect()
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("sets", &self.sets.iter().map(|set| set.schema().name.to_string()).collect::<Vec<_>>())
            .field("commands", &self.commands().map(|c| c.schema().name.to_string()).collect::<Vec<_>>())
            .finish()
    }
}
