//! What a typed call (a method of a generated `…Client`) returns when it fails.

use crate::broker::RequestError;
use crate::error::OmcpError;
use crate::packet::StatusCode;

/// Why a typed call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TypedCallError {
    /// The module answered an error, or the client answered `408` (no response in time)
    /// or `404` (no such module).
    #[error(transparent)]
    Status(#[from] OmcpError),
    /// No response: the broker could not be reached or the connection dropped.
    #[error(transparent)]
    Client(#[from] RequestError),
    /// The body to send could not be serialized.
    #[error("the request body cannot be serialized: {0}")]
    Encode(#[source] serde_json::Error),
    /// The response body is not what the route returns.
    #[error("unexpected response body: {0}")]
    Decode(#[source] serde_json::Error),
    /// A success of another kind than the route's (a 201 without `location`, …).
    #[error("unexpected response {0}")]
    Unexpected(StatusCode),
}

impl TypedCallError {
    /// The status of an error response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            TypedCallError::Status(error) => Some(error.status()),
            TypedCallError::Unexpected(status) => Some(*status),
            _ => None,
        }
    }
}

impl From<TypedCallError> for OmcpError {
    /// A route that calls another module can answer its failure with `?`: an error the
    /// other module (or the client, for 408 and 404) answered is passed on as it is, any
    /// other failure is this module's 500.
    fn from(error: TypedCallError) -> OmcpError {
        match error {
            TypedCallError::Status(error) => error,
            other => OmcpError::internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_call_becomes_the_callers_error_response() {
        let timeout = OmcpError::timeout("no response from osiris.sensornet");
        assert_eq!(OmcpError::from(TypedCallError::Status(timeout.clone())), timeout);
        let unexpected = OmcpError::from(TypedCallError::Unexpected(StatusCode::Created));
        assert_eq!(unexpected.status(), StatusCode::InternalServerError);
        assert_eq!(unexpected.message(), "unexpected response 201 CREATED");
        let undecodable = serde_json::from_str::<u32>("x").unwrap_err();
        assert_eq!(OmcpError::from(TypedCallError::Decode(undecodable)).status(), StatusCode::InternalServerError);
    }
}
