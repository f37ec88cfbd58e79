//! Percent-encoding in paths: how a path parameter travels, how an address's path is
//! written on the wire, and how the router reads a segment back.
//!
//! The original Java client sends path parameters as they are (`/echo/café:1`), decodes the
//! `%XX` escapes of an address before sending it, and the original modules never decode.
//! This crate does the same, except for the characters that cannot travel in a path
//! segment as they are: `/` (it would add a segment), `?` (it would start
//! the query), `%` (it would be read as an escape) and white space or control characters
//! (the start line is cut at white space, a packet's line at a line break). Those are sent
//! as `%XX` escapes of their UTF-8 bytes. The router decodes every `%XX` escape, so it
//! reads a segment the same whichever way the caller wrote it: `/echo/café:1`,
//! `/echo/caf%C3%A9%3A1`.

/// Whether a character cannot travel as it is in a path segment: `/`, `?`, `%`, white
/// space and control characters.
fn must_escape(c: char) -> bool {
    matches!(c, '/' | '?' | '%') || c.is_whitespace() || c.is_control()
}

/// Appends `value` as one path segment as the original client writes it: as it is, except
/// the characters that cannot travel as they are, which are percent-encoded (their UTF-8
/// bytes as `%XX`): `/` (it would add a segment), `?` (it would start the query), `%` (it
/// would be read as an escape), white space and control characters (they would cut the
/// start line). What the typed client of `#[module]` sends for a path parameter.
///
/// A module of the original receives exactly the value, unless it holds one of those
/// characters (the original client cannot send a `/` or `?` in a parameter at all).
///
/// ```
/// let mut path = String::from("/echo/");
/// omcp::push_plain_segment(&mut path, "café:1");
/// assert_eq!(path, "/echo/café:1");
/// omcp::push_plain_segment(&mut path, "/a b?100%");
/// assert_eq!(path, "/echo/café:1%2Fa%20b%3F100%25");
/// ```
pub fn push_plain_segment(path: &mut String, value: &str) {
    let mut utf8 = [0; 4];
    for c in value.chars() {
        if must_escape(c) {
            push_escaped(path, c.encode_utf8(&mut utf8).as_bytes());
        } else {
            path.push(c);
        }
    }
}

/// Appends `value` as one path segment with everything but unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) percent-encoded, so a `/` in a value cannot add a segment: the
/// fully encoded form of RFC 3986, which the router reads as well as the plain one of
/// [`push_plain_segment`].
///
/// ```
/// let mut path = String::from("/echo/");
/// omcp::push_segment(&mut path, "café:1");
/// assert_eq!(path, "/echo/caf%C3%A9%3A1");
/// ```
pub fn push_segment(path: &mut String, value: &str) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            path.push(char::from(byte));
        } else {
            push_escaped(path, &[byte]);
        }
    }
}

fn push_escaped(path: &mut String, bytes: &[u8]) {
    for byte in bytes {
        path.push_str(&format!("%{byte:02X}"));
    }
}

/// Decodes `%XX` escapes; `Err` with the segment when an escape is invalid or the result
/// is not UTF-8.
///
/// ```
/// assert_eq!(omcp::percent_decode("caf%C3%A9%3A1").unwrap(), "café:1");
/// assert_eq!(omcp::percent_decode("café:1").unwrap(), "café:1");
/// assert!(omcp::percent_decode("100%").is_err());
/// ```
pub fn percent_decode(segment: &str) -> Result<String, String> {
    if !segment.contains('%') {
        return Ok(segment.to_owned());
    }
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = segment.get(index + 1..index + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok());
            match hex {
                Some(byte) => decoded.push(byte),
                None => return Err(segment.to_owned()),
            }
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| segment.to_owned())
}

/// A path as the original client sends it: in each segment, the escapes of characters that
/// can travel as they are are decoded (`/caf%C3%A9` → `/café`), those of characters that
/// cannot are kept (`/a%2Fb` stays, in upper case). A segment with an invalid escape is
/// kept as it is written (the module answers it 400).
pub(crate) fn plain_path(path: &str) -> String {
    if !path.contains('%') {
        return path.to_owned();
    }
    let mut plain = String::with_capacity(path.len());
    for (index, segment) in path.split('/').enumerate() {
        if index > 0 {
            plain.push('/');
        }
        match percent_decode(segment) {
            Ok(decoded) => push_plain_segment(&mut plain, &decoded),
            Err(_) => plain.push_str(segment),
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding() {
        let mut path = String::from("/files/");
        push_segment(&mut path, "a b/c.txt~ü");
        assert_eq!(path, "/files/a%20b%2Fc.txt~%C3%BC");
        assert_eq!(percent_decode("a%20b%2Fc.txt~%C3%BC").unwrap(), "a b/c.txt~ü");
        assert_eq!(percent_decode("plain").unwrap(), "plain");
        for invalid in ["%", "%2", "%zz", "%FF", "a%ü"] {
            assert_eq!(percent_decode(invalid), Err(invalid.to_owned()), "{invalid}");
        }
    }

    #[test]
    fn plain_segments_as_the_original_sends_them() {
        let plain = |value: &str| {
            let mut path = String::new();
            push_plain_segment(&mut path, value);
            path
        };
        assert_eq!(plain("café:1"), "café:1");
        assert_eq!(plain("a+b=c&d;e@f!$'()*,#[]~ü😀"), "a+b=c&d;e@f!$'()*,#[]~ü😀");
        assert_eq!(plain("a/b?c%d e"), "a%2Fb%3Fc%25d%20e");
        assert_eq!(plain("tab\tline\r\nnbsp\u{a0}nul\0"), "tab%09line%0D%0Anbsp%C2%A0nul%00");
        assert_eq!(plain(""), "");
    }

    #[test]
    fn every_value_comes_back_from_either_form() {
        let values = ["café:1", "a/b", "100%", "%41", "%%2F", "a b\tc\n", "?x=1#y", "\u{2028}\u{a0}", "", "😀/😀"];
        for value in values {
            let (mut plain, mut encoded) = (String::new(), String::new());
            push_plain_segment(&mut plain, value);
            push_segment(&mut encoded, value);
            assert!(!plain.contains(['/', '?']) && !plain.contains(char::is_whitespace), "{plain:?}");
            assert_eq!(percent_decode(&plain).as_deref(), Ok(value), "{plain:?}");
            assert_eq!(percent_decode(&encoded).as_deref(), Ok(value), "{encoded:?}");
            // A plain segment is already plain; an encoded one becomes the plain one.
            assert_eq!(plain_path(&plain), plain);
            assert_eq!(plain_path(&encoded), plain);
        }
    }

    #[test]
    fn plain_paths() {
        assert_eq!(plain_path("/echo/caf%C3%A9%3A1"), "/echo/café:1");
        assert_eq!(plain_path("/files/a%2fb%3Fc%25d%20e/x"), "/files/a%2Fb%3Fc%25d%20e/x");
        assert_eq!(plain_path("/sensors/%zz/100%/%C3"), "/sensors/%zz/100%/%C3");
        assert_eq!(plain_path("/plain/café"), "/plain/café");
        assert_eq!(plain_path("/"), "/");
        assert_eq!(plain_path("//a%41//"), "//aA//");
    }
}
