//! The request packet: building, reading and writing it.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::codec::{
    check_version, decode_json, find_header, push_clean, push_header, push_others_and_body, utf16_len, Headers, Packet,
    RawPacket,
};
use super::{format_date, now, Method, ParseError, JSON, VERSION};
use crate::address::Address;

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
        push_others_and_body(&mut out, &self.headers, with_body.then_some(self.body.as_str()));
        out
    }

    pub(super) fn from_raw(raw: RawPacket<'_>) -> Result<Request, ParseError> {
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
