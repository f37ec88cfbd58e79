//! The response codes and the text of their status lines.

use std::fmt;

use serde::Serialize;

/// A response code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
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

impl StatusCode {
    /// Every code.
    pub const ALL: [StatusCode; 9] = [
        StatusCode::Ok,
        StatusCode::Created,
        StatusCode::BadRequest,
        StatusCode::Forbidden,
        StatusCode::NotFound,
        StatusCode::MethodNotAllowed,
        StatusCode::RequestTimeout,
        StatusCode::InternalServerError,
        StatusCode::NotImplemented,
    ];

    /// The number (`404`).
    pub const fn code(self) -> u16 {
        match self {
            StatusCode::Ok => 200,
            StatusCode::Created => 201,
            StatusCode::BadRequest => 400,
            StatusCode::Forbidden => 403,
            StatusCode::NotFound => 404,
            StatusCode::MethodNotAllowed => 405,
            StatusCode::RequestTimeout => 408,
            StatusCode::InternalServerError => 500,
            StatusCode::NotImplemented => 501,
        }
    }

    /// The text of the status line: the code's name with spaces (`NOT FOUND`).
    pub const fn text(self) -> &'static str {
        match self {
            StatusCode::Ok => "OK",
            StatusCode::Created => "CREATED",
            StatusCode::BadRequest => "BAD REQUEST",
            StatusCode::Forbidden => "FORBIDDEN",
            StatusCode::NotFound => "NOT FOUND",
            StatusCode::MethodNotAllowed => "METHOD NOT ALLOWED",
            StatusCode::RequestTimeout => "REQUEST TIMEOUT",
            StatusCode::InternalServerError => "INTERNAL SERVER ERROR",
            StatusCode::NotImplemented => "NOT IMPLEMENTED",
        }
    }

    /// The status with this number.
    pub fn from_code(code: u16) -> Option<StatusCode> {
        StatusCode::ALL.into_iter().find(|status| status.code() == code)
    }

    /// 200 and 201.
    pub const fn is_success(self) -> bool {
        matches!(self, StatusCode::Ok | StatusCode::Created)
    }
}

impl fmt::Display for StatusCode {
    /// `404 NOT FOUND`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.text())
    }
}

impl Serialize for StatusCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(self.code())
    }
}
