//! What a handler answers when it fails, and what a failed call gives the caller.

use std::fmt;

use crate::packet::{Response, StatusCode};

/// An error response: a status and the message of its `error` header.
///
/// Handlers return it (`Err(OmcpError::not_found("no sensor 7"))`), and callers get it back
/// from an error response. Any other error type can be returned by a handler when it
/// converts into `OmcpError`; `?` on a `serde_json::Error` answers 400, on an
/// `std::io::Error` 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmcpError {
    status: StatusCode,
    message: String,
}

impl OmcpError {
    /// An error of any status. A success status (200, 201) is answered as 500: an error
    /// response always reports a failure.
    pub fn new(status: StatusCode, message: impl Into<String>) -> OmcpError {
        let status = if status.is_success() { StatusCode::InternalServerError } else { status };
        OmcpError { status, message: message.into() }
    }

    /// 400: the request cannot be understood.
    pub fn bad_request(message: impl Into<String>) -> OmcpError {
        OmcpError::new(StatusCode::BadRequest, message)
    }

    /// 403: the request is not allowed.
    pub fn forbidden(message: impl Into<String>) -> OmcpError {
        OmcpError::new(StatusCode::Forbidden, message)
    }

    /// 404: no such resource.
    pub fn not_found(message: impl Into<String>) -> OmcpError {
        OmcpError::new(StatusCode::NotFound, message)
    }

    /// 405: the resource does not accept this method.
    pub fn method_not_allowed(message: impl Into<String>) -> OmcpError {
        OmcpError::new(StatusCode::MethodNotAllowed, message)
    }

    /// 408: no response in time.
    pub fn timeout(message: impl Into<String>) -> OmcpError {
        OmcpError::new(StatusCode::RequestTimeout, message)
    }

    /// 500: the module failed.
    pub fn internal(message: impl Into<String>) -> OmcpError {
        OmcpError::new(StatusCode::InternalServerError, message)
    }

    /// 501: declared but not implemented. This is what the methods of a `#[module]` trait
    /// answer until an implementation overrides them.
    pub fn not_implemented(message: impl Into<String>) -> OmcpError {
        OmcpError::new(StatusCode::NotImplemented, message)
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message (the `error` header).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for OmcpError {
    /// `404 NOT FOUND: no sensor 7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.status)
        } else {
            write!(f, "{}: {}", self.status, self.message)
        }
    }
}

impl std::error::Error for OmcpError {}

/// An error answers as a response of its status, with its message in `error`.
impl From<OmcpError> for Response {
    fn from(error: OmcpError) -> Response {
        Response::error(error.status(), error.message())
    }
}

impl Response {
    /// The response if it is a success (200, 201), otherwise its status and error message.
    pub fn into_result(self) -> Result<Response, OmcpError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            let message = self.error.unwrap_or_default();
            Err(OmcpError::new(self.status, message))
        }
    }
}

impl From<serde_json::Error> for OmcpError {
    /// A body or value that is not the expected JSON: 400.
    fn from(error: serde_json::Error) -> OmcpError {
        OmcpError::bad_request(error.to_string())
    }
}

impl From<std::io::Error> for OmcpError {
    /// 500.
    fn from(error: std::io::Error) -> OmcpError {
        OmcpError::internal(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::StatusCode;

    #[test]
    fn into_result() {
        assert!(Response::ok_empty().into_result().is_ok());
        let error = Response::error(StatusCode::NotFound, "no sensor 7").into_result().unwrap_err();
        assert_eq!(error, OmcpError::not_found("no sensor 7"));
        let without_message = Response::new(StatusCode::Forbidden).into_result().unwrap_err();
        assert_eq!(without_message, OmcpError::forbidden(""));
        assert_eq!(Response::from(OmcpError::internal("boom")).error.as_deref(), Some("boom"));
    }

    #[test]
    fn constructors_and_display() {
        let cases = [
            (OmcpError::bad_request("b"), 400),
            (OmcpError::forbidden("f"), 403),
            (OmcpError::not_found("n"), 404),
            (OmcpError::method_not_allowed("m"), 405),
            (OmcpError::timeout("t"), 408),
            (OmcpError::internal("i"), 500),
            (OmcpError::not_implemented("x"), 501),
        ];
        for (error, code) in cases {
            assert_eq!(error.status().code(), code);
        }
        assert_eq!(OmcpError::not_found("no sensor 7").to_string(), "404 NOT FOUND: no sensor 7");
        assert_eq!(OmcpError::not_found("").to_string(), "404 NOT FOUND");
        assert_eq!(OmcpError::new(StatusCode::Ok, "x").status(), StatusCode::InternalServerError);
    }

    #[test]
    fn conversions() {
        let json = serde_json::from_str::<u32>("x").unwrap_err();
        assert_eq!(OmcpError::from(json).status(), StatusCode::BadRequest);
        let io = std::io::Error::other("disk");
        assert_eq!(OmcpError::from(io), OmcpError::internal("disk"));
    }
}
