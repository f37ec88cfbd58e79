//! The line protocol between the load generator and a server child, on the child's
//! standard input and output (after its `port N` line).
//!
//! The load generator writes `count`; the child starts counting its allocations
//! (`crate::counting`) and answers `counting`. Then it writes `allocs`; the child stops
//! counting and answers `allocs COUNT` with what it counted in between. End of input asks
//! the child to exit.

use std::io::{BufRead, Write};

const START_COUNTING: &str = "count";
const STARTED: &str = "counting";
const ASK_ALLOCATIONS: &str = "allocs";

/// The child's side: answers the load generator's lines until its standard input closes.
///
/// The line buffer is reused and the answer is written into stdout's own buffer, so while
/// counting, answering allocates nothing: what the count holds is the server's work alone.
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
            START_COUNTING => {
                crate::counting::start();
                writeln!(stdout, "{STARTED}")
            }
            ASK_ALLOCATIONS => writeln!(stdout, "{ASK_ALLOCATIONS} {}", crate::counting::stop()),
            other => writeln!(stdout, "error unknown request {other:?}"),
        };
        let _ = stdout.flush();
    }
}

/// The load generator's side: asks a child to start counting its allocations.
pub fn start_counting(to_child: &mut impl Write, from_child: &mut impl BufRead) -> Result<(), String> {
    match ask(to_child, from_child, START_COUNTING)?.trim() {
        STARTED => Ok(()),
        other => Err(format!("the server answered {other:?} to {START_COUNTING}")),
    }
}

/// The load generator's side: asks a child for the allocations it counted since
/// [`start_counting`], which stops the count.
pub fn ask_allocations(to_child: &mut impl Write, from_child: &mut impl BufRead) -> Result<u64, String> {
    let line = ask(to_child, from_child, ASK_ALLOCATIONS)?;
    parse_allocations(&line).ok_or_else(|| format!("the server answered {line:?} to {ASK_ALLOCATIONS}"))
}

/// Writes one question and reads the answer's line.
fn ask(to_child: &mut impl Write, from_child: &mut impl BufRead, question: &str) -> Result<String, String> {
    writeln!(to_child, "{question}").and_then(|()| to_child.flush()).map_err(|e| e.to_string())?;
    let mut line = String::new();
    match from_child.read_line(&mut line) {
        Ok(0) => Err(format!("the server closed its output instead of answering {question}")),
        Ok(_) => Ok(line),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_allocations(line: &str) -> Option<u64> {
    let words: Vec<&str> = line.strip_prefix(ASK_ALLOCATIONS)?.split_whitespace().collect();
    match words[..] {
        [count] => count.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_answer() {
        assert_eq!(parse_allocations("allocs 12\n"), Some(12));
        assert_eq!(parse_allocations("allocs 12 3400\n"), None);
        assert_eq!(parse_allocations("allocs\n"), None);
        assert_eq!(parse_allocations("error unknown request \"x\"\n"), None);
    }

    #[test]
    fn asks_and_reads() {
        let mut asked = Vec::new();
        let mut answer: &[u8] = b"counting\nallocs 5\n";
        assert_eq!(start_counting(&mut asked, &mut answer), Ok(()));
        assert_eq!(ask_allocations(&mut asked, &mut answer), Ok(5));
        assert_eq!(asked, b"count\nallocs\n");
    }

    #[test]
    fn a_wrong_or_missing_answer_is_an_error() {
        let mut asked = Vec::new();
        let mut answer: &[u8] = b"error unknown request \"count\"\n";
        assert!(start_counting(&mut asked, &mut answer).is_err());
        assert!(ask_allocations(&mut asked, &mut answer).is_err(), "end of output");
    }
}
