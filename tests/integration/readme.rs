//! The README cannot drift from the code: its standalone Rust blocks are doctests (see
//! `ReadmeDoctests` in src/lib.rs), and each `rust,ignore` block is an excerpt that must
//! appear word for word in an example, which the test suite compiles and runs.

const README: &str = include_str!("../../README.md");
const EXAMPLES: [&str; 4] = [
    include_str!("../../examples/custom_set.rs"),
    include_str!("../../examples/quickstart.rs"),
    include_str!("../../examples/omcp_module.rs"),
    include_str!("../../examples/cluster.rs"),
];

/// The code blocks of a Markdown text with the given info string.
fn blocks<'a>(markdown: &'a str, info: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&'a str>> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start() == format!("```{info}") => current = Some(Vec::new()),
            Some(lines) if line.trim_start() == "```" => {
                blocks.push(lines.join("\n"));
                current = None;
            }
            Some(lines) => lines.push(line),
            None => {}
        }
    }
    blocks
}

#[test]
fn every_excerpt_of_the_readme_is_in_an_example() {
    let excerpts = blocks(README, "rust,ignore");
    assert!(excerpts.len() >= 3, "the tour shows the example in excerpts");
    for excerpt in excerpts {
        assert!(
            EXAMPLES.iter().any(|example| example.contains(&excerpt)),
            "this README excerpt is not in any example, word for word:\n{excerpt}"
        );
    }
}
