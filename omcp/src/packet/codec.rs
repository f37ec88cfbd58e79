//! What reading and writing both kinds of packet share: either packet, the cutting of a
//! packet into start line, headers and body, the headers by name, and the writing of
//! header lines.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

use super::{parse_date, ParseError, Request, Response, JSON, TEXT, VERSION};

/// Either packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `METHOD resource OMCP/0.1`.
    Request(Request),
    /// `OMCP/0.1 CODE TEXT`.
    Response(Response),
}

impl Packet {
    /// Reads a packet.
    pub fn decode(bytes: &[u8]) -> Result<Packet, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|error| ParseError::NotUtf8(error.valid_up_to()))?;
        let raw = RawPacket::split(text)?;
        if raw.start_line.starts_with("OMCP/") || raw.start_line.starts_with("omcp/") {
            Response::from_raw(raw).map(Packet::Response)
        } else {
            Request::from_raw(raw).map(Packet::Request)
        }
    }

    /// The text on the wire.
    pub fn encode(&self) -> String {
        match self {
            Packet::Request(request) => request.encode(),
            Packet::Response(response) => response.encode(),
        }
    }
}

/// A packet cut into its start line, header lines and body.
pub(super) struct RawPacket<'a> {
    pub(super) start_line: &'a str,
    pub(super) headers: Vec<&'a str>,
    pub(super) body: &'a str,
}

impl<'a> RawPacket<'a> {
    pub(super) fn split(text: &'a str) -> Result<RawPacket<'a>, ParseError> {
        if text.trim().is_empty() {
            return Err(ParseError::Empty);
        }
        let (start_line, mut rest, crlf) = next_line(text);
        let start_line = start_line.trim();
        let mut headers = Vec::new();
        let mut body = "";
        while !rest.is_empty() {
            let (line, after, _) = next_line(rest);
            rest = after;
            if line.is_empty() {
                // The body is the rest of the packet, without the final line end.
                body = strip_final_line_end(rest, crlf);
                break;
            }
            headers.push(line);
        }
        Ok(RawPacket { start_line, headers, body })
    }
}

/// The first line of `text` (without its `\n` or `\r\n`), the rest, and whether the line
/// ended with `\r\n`.
fn next_line(text: &str) -> (&str, &str, bool) {
    let (line, rest) = text.split_once('\n').unwrap_or((text, ""));
    match line.strip_suffix('\r') {
        Some(line) => (line, rest, true),
        None => (line, rest, false),
    }
}

/// The body without the line end that closes the packet: `\r\n` in packets whose lines end
/// so, otherwise `\n`. A body missing it is taken as it is.
fn strip_final_line_end(body: &str, crlf: bool) -> &str {
    if crlf {
        if let Some(stripped) = body.strip_suffix("\r\n") {
            return stripped;
        }
    }
    body.strip_suffix('\n').unwrap_or(body)
}

/// The header lines of a packet by name.
pub(super) struct Headers {
    list: Vec<(String, String)>,
}

impl Headers {
    pub(super) fn read(lines: &[&str]) -> Result<Headers, ParseError> {
        let mut list = Vec::with_capacity(lines.len());
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                return Err(ParseError::InvalidHeader((*line).to_owned()));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(ParseError::InvalidHeader((*line).to_owned()));
            }
            list.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let mut headers = Headers { list };
        if let Some(length) = headers.take("content-length") {
            if length.parse::<usize>().is_err() {
                return Err(ParseError::InvalidContentLength(length));
            }
        }
        Ok(headers)
    }

    /// Removes the first header of this name and returns its value; later ones of the
    /// same name are dropped.
    pub(super) fn take(&mut self, name: &str) -> Option<String> {
        let index = self.list.iter().position(|(known, _)| known == name)?;
        let (_, value) = self.list.remove(index);
        self.list.retain(|(known, _)| known != name);
        Some(value)
    }

    pub(super) fn date(&mut self) -> Result<Option<DateTime<Utc>>, ParseError> {
        match self.take("date") {
            Some(text) => parse_date(&text).map(Some).ok_or(ParseError::InvalidDate(text)),
            None => Ok(None),
        }
    }

    pub(super) fn into_others(self) -> Vec<(String, String)> {
        self.list
    }
}

pub(super) fn check_version(version: &str) -> Result<(), ParseError> {
    if version.eq_ignore_ascii_case(VERSION) {
        Ok(())
    } else {
        Err(ParseError::UnsupportedVersion(version.to_owned()))
    }
}

pub(super) fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(known, _)| known.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

/// `name:value\n`; a value cannot span lines, so line breaks in it become spaces.
pub(super) fn push_header(out: &mut String, name: &str, value: &str) {
    push_clean(out, name);
    out.push(':');
    push_clean(out, value);
    out.push('\n');
}

/// The end of a packet: the headers of other names, then, if there is a body, an empty
/// line, the body and the line end that closes the packet.
pub(super) fn push_others_and_body(out: &mut String, others: &[(String, String)], body: Option<&str>) {
    for (name, value) in others {
        push_header(out, name, value);
    }
    if let Some(body) = body {
        out.push('\n');
        out.push_str(body);
        out.push('\n');
    }
}

pub(super) fn push_clean(out: &mut String, text: &str) {
    if text.contains(['\r', '\n']) {
        out.push_str(&text.replace("\r\n", " ").replace(['\r', '\n'], " "));
    } else {
        out.push_str(text);
    }
}

/// Java's `String.length()`.
pub(super) fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// A body as JSON. A `text/plain` body that is not JSON is read as a JSON string; an XML
/// body (what the original's XStream serializer writes when asked) is refused with an error
/// that says so: this implementation reads and writes JSON only (see the crate
/// documentation, "Differences from the original").
pub(super) fn decode_json<T: DeserializeOwned>(content_type: Option<&str>, body: &str) -> Result<T, serde_json::Error> {
    if let Some(xml) = content_type.filter(|content_type| is_xml(content_type)) {
        return Err(serde::de::Error::custom(format!(
            "XML bodies are not supported (content-type `{xml}`): this implementation of OMCP reads and writes JSON \
             (`{JSON}`)"
        )));
    }
    match serde_json::from_str(body) {
        Ok(value) => Ok(value),
        Err(error) => {
            let plain = content_type.is_some_and(|ty| ty.trim().to_ascii_lowercase().starts_with(TEXT));
            if plain {
                serde_json::from_value(serde_json::Value::String(body.to_owned())).map_err(|_| error)
            } else {
                Err(error)
            }
        }
    }
}

/// Whether a content type is XML: `application/xml`, `text/xml` or a `+xml` type, with any
/// parameters.
pub(super) fn is_xml(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
}
