//! The OMCP/0.1 packets exactly as the original (Java) implementation writes them, and a
//! reader that accepts what it and its peers send.
//!
//! A request:
//!
//! ```text
//! POST /sensors OMCP/0.1
//! date:Thu, 24 Jul 2014 15:40:03 GMT
//! module:sensornet
//! source:dashboard
//! content-length:9
//! content-type:application/json
//!
//! {"id": 3}
//! ```
//!
//! A response:
//!
//! ```text
//! OMCP/0.1 200 OK
//! date:Thu, 24 Jul 2014 15:40:03 GMT
//! module:sensornet
//! content-length:11
//! content-type:text/plain
//!
//! request ok!
//! ```
//!
//! Writing: lines end with `\n`; headers are `name:value` with lowercase names and no space
//! after the colon; requests carry `date`, `module` (the destination), `source` and, when
//! known, `content-type`; POST, PUT and NOTIFY add `content-length`, an empty line, the
//! body and a final `\n`, while GET and DELETE end after the headers. Responses carry `date`
//! and `module` (the answering module); 200 adds `content-length`, `content-type`, an empty
//! line and the body; 201 adds `location`; every error adds `error`.
//!
//! Reading tolerates the original's quirks: `\r\n` line ends, a `content-length` counting
//! UTF-16 units (it is checked to be a number, never used for framing: one broker message
//! is one packet), bodies of several lines, headers in any order and case, a space after
//! the colon, unknown headers (kept in `headers`). It never panics: every problem is a
//! [`ParseError`].

mod date;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use date::{format_date, now, parse_date};

use crate::address::Address;
use crate::error::OmcpError;

/// The protocol version every packet names.
pub const VERSION: &str = "OMCP/0.1";

/// The content type of JSON bodies.
pub const JSON: &str = "application/json";

/// The content type of plain text bodies, and of 200 responses that do not name one.
pub const TEXT: &str = "text/plain";

/// A request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Reads a resource; answered.
    Get,
    /// Creates a resource; answered (201 and its location).
    Post,
    /// Updates a resource; answered.
    Put,
    /// Deletes a resource; answered.
    Delete,
    /// Tells a module something; never answered, delivery not guaranteed.
    Notify,
}

impl Method {
    /// Every method, in the order of the specification.
    pub const ALL: [Method; 5] = [Method::Get, Method::Post, Method::Put, Method::Delete, Method::Notify];

    /// The name on the wire (`GET`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Notify => "NOTIFY",
        }
    }

    /// Whether requests of this method carry a body (`content-length`, empty line, body).
    pub const fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Notify)
    }

    /// Whether the receiver answers (all but NOTIFY).
    pub const fn is_answered(self) -> bool {
        !matches!(self, Method::Notify)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = ParseError;

    /// The method named on the wire, in any case.
    fn from_str(name: &str) -> Result<Method, ParseError> {
        Method::ALL
            .into_iter()
            .find(|method| method.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| ParseError::UnknownMethod(name.to_owned()))
    }
}

impl Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A response code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// 200: the request succeeded (GET returns the resource, PUT and DELETE nothing).
    Ok,
    /// 201: a resource was created (POST); `location` says where.
    Created,
    /// 400: the request cannot be understood (bad packet, body or path parameter).
    BadRequest,
    /// 403: the request is not allowed.
    Forbidden,
    /// 404: no such resource (or no such module).
    NotFound,
    /// 405: the resource exists but does not accept this method.
    MethodNotAllowed,
    /// 408: no response in time (given by the client; the original waits forever).
    RequestTimeout,
    /// 500: the module failed.
    InternalServerError,
    /// 501: the module declares the resource but does not implement it.
    NotImplemented,
}

impl Status {
    /// Every code.
    pub const ALL: [Status; 9] = [
        Status::Ok,
        Status::Created,
        Status::BadRequest,
        Status::Forbidden,
        Status::NotFound,
        Status::MethodNotAllowed,
        Status::RequestTimeout,
        Status::InternalServerError,
        Status::NotImplemented,
    ];

    /// The number (`404`).
    pub const fn code(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::Created => 201,
            Status::BadRequest => 400,
            Status::Forbidden => 403,
            Status::NotFound => 404,
            Status::MethodNotAllowed => 405,
            Status::RequestTimeout => 408,
            Status::InternalServerError => 500,
            Status::NotImplemented => 501,
        }
    }

    /// The text of the status line: the code's name with spaces (`NOT FOUND`).
    pub const fn text(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Created => "CREATED",
            Status::BadRequest => "BAD REQUEST",
            Status::Forbidden => "FORBIDDEN",
            Status::NotFound => "NOT FOUND",
            Status::MethodNotAllowed => "METHOD NOT ALLOWED",
            Status::RequestTimeout => "REQUEST TIMEOUT",
            Status::InternalServerError => "INTERNAL SERVER ERROR",
            Status::NotImplemented => "NOT IMPLEMENTED",
        }
    }

    /// The status with this number.
    pub fn from_code(code: u16) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.code() == code)
    }

    /// 200 and 201.
    pub const fn is_success(self) -> bool {
        matches!(self, Status::Ok | Status::Created)
    }
}

impl fmt::Display for Status {
    /// `404 NOT FOUND`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.text())
    }
}

impl Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.code())
    }
}

/// Why bytes are not an OMCP packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Packets are text.
    #[error("the packet is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    /// Nothing to read.
    #[error("the packet is empty")]
    Empty,
    /// The first line is neither `METHOD resource OMCP/0.1` nor `OMCP/0.1 CODE TEXT`.
    #[error("invalid first line `{0}`: expected `METHOD /resource OMCP/0.1` or `OMCP/0.1 CODE TEXT`")]
    InvalidStartLine(String),
    /// A version other than OMCP/0.1.
    #[error("unsupported protocol version `{0}`: expected `OMCP/0.1`")]
    UnsupportedVersion(String),
    /// A method other than GET, POST, PUT, DELETE and NOTIFY.
    #[error("unknown method `{0}`: expected GET, POST, PUT, DELETE or NOTIFY")]
    UnknownMethod(String),
    /// A response code OMCP does not define.
    #[error("unknown response code `{0}`")]
    UnknownStatus(String),
    /// The resource of a request must be a path.
    #[error("invalid resource `{0}`: expected a path starting with `/`")]
    InvalidResource(String),
    /// A header line without a colon or without a name.
    #[error("invalid header line `{0}`: expected `name:value`")]
    InvalidHeader(String),
    /// A request without one of the headers the protocol requires.
    #[error("missing header `{0}`")]
    MissingHeader(&'static str),
    /// A `date` that is not an RFC 1123 date.
    #[error("invalid date `{0}`: expected an RFC 1123 date like `Thu, 24 Jul 2014 15:40:03 GMT`")]
    InvalidDate(String),
    /// A `content-length` that is not a number.
    #[error("invalid content-length `{0}`")]
    InvalidContentLength(String),
    /// A response where a request was expected.
    #[error("expected a request, got a response")]
    NotARequest,
    /// A request where a response was expected.
    #[error("expected a response, got a request")]
    NotAResponse,
}

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

/// A request packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What to do.
    pub method: Method,
    /// The resource: a path with an optional query (`/sensors/3?unit=celsius`).
    pub resource: String,
    /// When it was sent (`date`), to the second.
    pub date: DateTime<Utc>,
    /// The destination module (`module`).
    pub module: String,
    /// The sender (`source`), absent in packets of some original versions.
    pub source: Option<String>,
    /// The type of the body, or on GET the desired type of the response (`content-type`).
    pub content_type: Option<String>,
    /// Any other headers, in order, with lowercase names.
    pub headers: Vec<(String, String)>,
    /// The body (empty for GET and DELETE).
    pub body: String,
}

impl Request {
    /// A request for `resource` (a path, with an optional query) of `module`, dated now.
    pub fn new(method: Method, module: impl Into<String>, resource: impl Into<String>) -> Request {
        Request {
            method,
            resource: resource.into(),
            date: now(),
            module: module.into(),
            source: None,
            content_type: None,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// A request for the resource an address names.
    pub fn to(method: Method, address: &Address) -> Request {
        Request::new(method, address.module.clone(), address.resource())
    }

    /// Sets the sender.
    pub fn source(mut self, source: impl Into<String>) -> Request {
        self.source = Some(source.into());
        self
    }

    /// Sets the body and its type.
    pub fn body(mut self, content_type: impl Into<String>, body: impl Into<String>) -> Request {
        self.content_type = Some(content_type.into());
        self.body = body.into();
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Request, serde_json::Error> {
        Ok(self.body(JSON, serde_json::to_string(value)?))
    }

    /// Adds a header of another name than the ones the protocol defines.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// The path of the resource, without the query.
    pub fn path(&self) -> &str {
        self.resource.split_once('?').map_or(&self.resource, |(path, _)| path)
    }

    /// The query of the resource (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.resource.split_once('?').map(|(_, query)| query)
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
    /// string, so that `String` bodies from modules that send plain text decode too.
    pub fn decode_body<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        decode_json(self.content_type.as_deref(), &self.body)
    }

    /// Reads a request.
    pub fn decode(bytes: &[u8]) -> Result<Request, ParseError> {
        match Packet::decode(bytes)? {
            Packet::Request(request) => Ok(request),
            Packet::Response(_) => Err(ParseError::NotARequest),
        }
    }

    /// The text on the wire.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(160 + self.body.len());
        out.push_str(self.method.as_str());
        out.push(' ');
        push_clean(&mut out, &self.resource.replace(' ', "%20"));
        out.push(' ');
        out.push_str(VERSION);
        out.push('\n');
        push_header(&mut out, "date", &format_date(&self.date));
        push_header(&mut out, "module", &self.module);
        if let Some(source) = &self.source {
            push_header(&mut out, "source", source);
        }
        let with_body = self.method.has_body() || !self.body.is_empty();
        if with_body {
            push_header(&mut out, "content-length", &self.content_length().to_string());
        }
        if let Some(content_type) = &self.content_type {
            push_header(&mut out, "content-type", content_type);
        }
        for (name, value) in &self.headers {
            push_header(&mut out, name, value);
        }
        if with_body {
            out.push('\n');
            out.push_str(&self.body);
            out.push('\n');
        }
        out
    }

    fn from_raw(raw: RawPacket<'_>) -> Result<Request, ParseError> {
        let mut parts = raw.start_line.split_whitespace();
        let (Some(method), Some(resource), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ParseError::InvalidStartLine(raw.start_line.to_owned()));
        };
        let method = method.parse::<Method>()?;
        check_version(version)?;
        if !resource.starts_with('/') {
            return Err(ParseError::InvalidResource(resource.to_owned()));
        }
        let mut headers = Headers::read(&raw.headers)?;
        Ok(Request {
            method,
            resource: resource.to_owned(),
            date: headers.date()?.ok_or(ParseError::MissingHeader("date"))?,
            module: headers.take("module").ok_or(ParseError::MissingHeader("module"))?,
            source: headers.take("source"),
            content_type: headers.take("content-type"),
            headers: headers.into_others(),
            body: raw.body.to_owned(),
        })
    }
}

/// A response packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The outcome.
    pub status: Status,
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
    pub fn new(status: Status) -> Response {
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
        Response { content_type: Some(content_type.into()), body: body.into(), ..Response::new(Status::Ok) }
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
        Response { location: Some(location.into()), ..Response::new(Status::Created) }
    }

    /// An error response.
    pub fn error(status: Status, message: impl Into<String>) -> Response {
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

    /// The response if it is a success (200, 201), otherwise its status and error message.
    pub fn into_result(self) -> Result<Response, OmcpError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            let message = self.error.unwrap_or_default();
            Err(OmcpError::new(self.status, message))
        }
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
        let with_body = self.status == Status::Ok || !self.body.is_empty();
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
        for (name, value) in &self.headers {
            push_header(&mut out, name, value);
        }
        if with_body {
            out.push('\n');
            out.push_str(&self.body);
            out.push('\n');
        }
        out
    }

    fn from_raw(raw: RawPacket<'_>) -> Result<Response, ParseError> {
        let mut parts = raw.start_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        check_version(version)?;
        let code = parts.next().unwrap_or_default();
        let status = code
            .parse::<u16>()
            .ok()
            .and_then(Status::from_code)
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

impl From<OmcpError> for Response {
    fn from(error: OmcpError) -> Response {
        Response::error(error.status(), error.message())
    }
}

/// A packet cut into its start line, header lines and body.
struct RawPacket<'a> {
    start_line: &'a str,
    headers: Vec<&'a str>,
    body: &'a str,
}

impl<'a> RawPacket<'a> {
    fn split(text: &'a str) -> Result<RawPacket<'a>, ParseError> {
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
struct Headers {
    list: Vec<(String, String)>,
}

impl Headers {
    fn read(lines: &[&str]) -> Result<Headers, ParseError> {
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
    fn take(&mut self, name: &str) -> Option<String> {
        let index = self.list.iter().position(|(known, _)| known == name)?;
        let (_, value) = self.list.remove(index);
        self.list.retain(|(known, _)| known != name);
        Some(value)
    }

    fn date(&mut self) -> Result<Option<DateTime<Utc>>, ParseError> {
        match self.take("date") {
            Some(text) => parse_date(&text).map(Some).ok_or(ParseError::InvalidDate(text)),
            None => Ok(None),
        }
    }

    fn into_others(self) -> Vec<(String, String)> {
        self.list
    }
}

fn check_version(version: &str) -> Result<(), ParseError> {
    if version.eq_ignore_ascii_case(VERSION) {
        Ok(())
    } else {
        Err(ParseError::UnsupportedVersion(version.to_owned()))
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(known, _)| known.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

/// `name:value\n`; a value cannot span lines, so line breaks in it become spaces.
fn push_header(out: &mut String, name: &str, value: &str) {
    push_clean(out, name);
    out.push(':');
    push_clean(out, value);
    out.push('\n');
}

fn push_clean(out: &mut String, text: &str) {
    if text.contains(['\r', '\n']) {
        out.push_str(&text.replace("\r\n", " ").replace(['\r', '\n'], " "));
    } else {
        out.push_str(text);
    }
}

/// Java's `String.length()`.
fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

fn decode_json<T: DeserializeOwned>(content_type: Option<&str>, body: &str) -> Result<T, serde_json::Error> {
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
