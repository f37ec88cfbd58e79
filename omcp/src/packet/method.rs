//! The request methods: GET, POST, PUT, DELETE and NOTIFY.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::ParseError;

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
