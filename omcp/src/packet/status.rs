//! The response codes and the text of their status lines.

use std::fmt;

use serde::Serialize;

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
