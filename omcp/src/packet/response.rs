//! The response packet: building, reading and writing it.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::codec::{
    check_version, decode_json, find_header, push_header, push_others_and_body, utf16_len, Headers, Packet, RawPacket,
};
use super::{format_date, now, ParseError, StatusCode, JSON, TEXT, VERSION};

/// A response packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The outcome.
    pub status: StatusCode,
    /// When it was sent (`date`), to the second.
    pub date: Option<DateTime<Utc>>,
    /// The answering module as it describes itself (`module`, e.g. `sensornet` or
    /// `test-java/0.1`).
    pub module: Option<String>,
    /// The type of the body (`content-type`).
    pub content_type: Option<String>,
    /// Where a created resource is (`location`, `omcp://module/path`).
    pub location: Option<String>,
    /// What went wrong (`error`).
    pub error: Option<String>,
    /// Any other headers, in order, with lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body (a 200's content).
    pub body: String,
}

impl Response {
    /// A response of any status, dated now, without body.
    pub fn new(status: StatusCode) -> Response {
        Response {
            status,
            date: Some(now()),
            module: None,
            content_type: None,
            location: None,
            error: None,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// 200 with a body of the given type.
    pub fn ok(content_type: impl Into<String>, body: impl Into<String>) -> Response {
        Response { content_type: Some(content_type.into()), body: body.into(), ..Response::new(StatusCode::Ok) }
    }

    /// 200 with a JSON body.
    pub fn ok_json<T: Serialize + ?Sized>(value: &T) -> Result<Response, serde_json::Error> {
        Ok(Response::ok(JSON, serde_json::to_string(value)?))
    }

    /// 200 without content (PUT, DELETE, NOTIFY): an empty `text/plain` body.
    pub fn ok_empty() -> Response {
        Response::ok(TEXT, "")
    }

    /// 201 with the location of the new resource: a full address (`omcp://module/path`) or
    /// a path of the answering module, completed by the server that sends the response.
    pub fn created(location: impl Into<String>) -> Response {
        Response { location: Some(location.into()), ..Response::new(StatusCode::Created) }
    }

    /// An error response.
    pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
        Response { error: Some(message.into()), ..Response::new(status) }
    }

    /// Sets the answering module.
    pub fn module(mut self, module: impl Into<String>) -> Response {
        self.module = Some(module.into());
        self
    }

    /// Adds a header of another name than the ones the protocol defines.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Response {
        self.headers.push((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// The value of another header than the ones the protocol defines.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The `content-length` the original writes: the body's length in UTF-16 units.
    pub fn content_length(&self) -> usize {
        utf16_len(&self.body)
    }

    /// The body decoded from JSON. A `text/plain` body that is not JSON is read as a JSON
    /// string, so that `String` results from modules that answer in plain text decode too.
    pub fn decode_body<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        decode_json(self.content_type.as_deref(), &self.body)
    }

    /// Reads a response.
    pub fn decode(bytes: &[u8]) -> Result<Response, ParseError> {
        match Packet::decode(bytes)? {
            Packet::Response(response) => Ok(response),
            Packet::Request(_) => Err(ParseError::NotAResponse),
        }
    }

    /// The text on the wire.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(160 + self.body.len());
        out.push_str(VERSION);
        out.push(' ');
        out.push_str(&self.status.code().to_string());
        out.push(' ');
        out.push_str(self.status.text());
        out.push('\n');
        if let Some(date) = &self.date {
            push_header(&mut out, "date", &format_date(date));
        }
        if let Some(module) = &self.module {
            push_header(&mut out, "module", module);
        }
        let with_body = self.status == StatusCode::Ok || !self.body.is_empty();
        if with_body {
            push_header(&mut out, "content-length", &self.content_length().to_string());
        }
        if let Some(content_type) = &self.content_type {
            push_header(&mut out, "content-type", content_type);
        }
        if let Some(location) = &self.location {
            push_header(&mut out, "location", location);
        }
        if let Some(error) = &self.error {
            push_header(&mut out, "error", error);
        }
        push_others_and_body(&mut out, &self.headers, with_body.then_some(self.body.as_str()));
        out
    }

    pub(super) fn from_raw(raw: RawPacket<'_>) -> Result<Response, ParseError> {
        let mut parts = raw.start_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        check_version(version)?;
        let code = parts.next().unwrap_or_default();
        let status = code
            .parse::<u16>()
            .ok()
            .and_then(StatusCode::from_code)
            .ok_or_else(|| ParseError::UnknownStatus(code.to_owned()))?;
        let mut headers = Headers::read(&raw.headers)?;
        Ok(Response {
            status,
            date: headers.date()?,
            module: headers.take("module"),
            content_type: headers.take("content-type"),
            location: headers.take("location"),
            error: headers.take("error"),
            headers: headers.into_others(),
            body: raw.body.to_owned(),
        })
    }
}
