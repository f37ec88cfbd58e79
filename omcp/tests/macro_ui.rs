//! What `#[module]` accepts and rejects, compiled as separate user crates.
//!
//! `ui/pass/*.rs` must compile without warnings and run; `ui/fail/*.rs` must fail with the
//! messages in the `.stderr` file beside each (regenerate with `TRYBUILD=overwrite`, then
//! read every changed snapshot).

#[test]
fn macro_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
