//! What the server did to the attackers, counted: each distinct outcome (a close code and
//! its reason, an answer, a reset) and how many attackers it befell.

use std::collections::BTreeMap;

/// Outcomes and their counts, in a stable order.
#[derive(Debug, Default)]
pub struct Tally(BTreeMap<String, usize>);

impl Tally {
    pub fn add(&mut self, outcome: impl Into<String>) {
        *self.0.entry(outcome.into()).or_default() += 1;
    }

    /// `outcome ×count` for each, most frequent first.
    pub fn summary(&self) -> String {
        let mut entries: Vec<(&String, &usize)> = self.0.iter().collect();
        entries.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let parts: Vec<String> = entries.iter().map(|(outcome, count)| format!("{outcome} ×{count}")).collect();
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_outcome_most_frequent_first() {
        let mut tally = Tally::default();
        for outcome in ["close 1008", "reset", "close 1008"] {
            tally.add(outcome);
        }
        assert_eq!(tally.summary(), "close 1008 ×2; reset ×1");
        assert_eq!(Tally::default().summary(), "nothing");
    }
}
