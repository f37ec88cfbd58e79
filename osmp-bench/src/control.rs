//! The line protocol between the load generator and a server child, on the child's
//! standard input and output (after its `port N` line).
//!
//! The load generator writes `allocs`; the child answers `allocs COUNT BYTES` with its
//! allocator's totals, or `allocs off` when built without counting
//! (`crate::counting`). End of input asks the child to exit.

use std::io::{BufRead, Write};

use crate::counting::Allocations;

const ASK_ALLOCATIONS: &str = "allocs";
const NOT_COUNTED: &str = "off";

/// The child's side: answers the load generator's lines until its standard input closes.
///
/// The line buffer is reused and the answer is written into stdout's own buffer, so after
/// the first question answering allocates nothing: what the counters gain between two
/// questions is the server's work alone.
pub fn answer_until_eof() {
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut stdout = std::io::stdout().lock();
        // Written straight into stdout's buffer: no string of our own to allocate.
        let _ = match line.trim() {
            ASK_ALLOCATIONS => match Allocations::now() {
                Some(totals) => writeln!(stdout, "{ASK_ALLOCATIONS} {} {}", totals.count, totals.bytes),
                None => writeln!(stdout, "{ASK_ALLOCATIONS} {NOT_COUNTED}"),
            },
            other => writeln!(stdout, "error unknown request {other:?}"),
        };
        let _ = stdout.flush();
    }
}

/// The load generator's side: asks a child for its allocator's totals (`None`: not counted).
pub fn ask_allocations(
    to_child: &mut impl Write,
    from_child: &mut impl BufRead,
) -> Result<Option<Allocations>, String> {
    writeln!(to_child, "{ASK_ALLOCATIONS}").and_then(|()| to_child.flush()).map_err(|e| e.to_string())?;
    let mut line = String::new();
    from_child.read_line(&mut line).map_err(|e| e.to_string())?;
    parse_allocations(&line).ok_or_else(|| format!("the server answered {line:?} to {ASK_ALLOCATIONS}"))
}

fn parse_allocations(line: &str) -> Option<Option<Allocations>> {
    let words: Vec<&str> = line.strip_prefix(ASK_ALLOCATIONS)?.split_whitespace().collect();
    match words[..] {
        [NOT_COUNTED] => Some(None),
        [count, bytes] => Some(Some(Allocations { count: count.parse().ok()?, bytes: bytes.parse().ok()? })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_answer() {
        assert_eq!(parse_allocations("allocs 12 3400\n"), Some(Some(Allocations { count: 12, bytes: 3400 })));
        assert_eq!(parse_allocations("allocs off\n"), Some(None));
        assert_eq!(parse_allocations("allocs 12\n"), None);
        assert_eq!(parse_allocations("error unknown request \"x\"\n"), None);
    }

    #[test]
    fn asks_and_reads() {
        let mut asked = Vec::new();
        let mut answer: &[u8] = b"allocs 5 80\n";
        assert_eq!(ask_allocations(&mut asked, &mut answer), Ok(Some(Allocations { count: 5, bytes: 80 })));
        assert_eq!(asked, b"allocs\n");
    }
}
