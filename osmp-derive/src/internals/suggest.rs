//! "Did you mean …?": the known name closest to a misspelled one, for attribute names and
//! their keys.

/// The candidate closest to `word`, if one is close enough to be what was meant: at most
/// one edit (an insertion, deletion, substitution or swap of neighbours) for short words,
/// one per three letters for longer ones.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let allowed = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `; did you mean `x`?` to end a message with, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map(|found| format!("; did you mean `{found}`?")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_far_ones_not() {
        let helpers = ["command", "event", "param", "flatten"];
        assert_eq!(closest("commmand", helpers), Some("command"));
        assert_eq!(closest("evnet", helpers), Some("event"));
        assert_eq!(closest("flaten", helpers), Some("flatten"));
        assert_eq!(closest("params", helpers), Some("param"));
        assert_eq!(closest("doc", helpers), None);
        assert_eq!(closest("serde", helpers), None);
        assert_eq!(closest("alais", ["name", "alias", "aliases"]), Some("alias"));
    }
}
