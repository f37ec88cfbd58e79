//! What a typed call (a method of a generated `…Client`) returns when it fails.

use crate::broker::ClientError;
use crate::error::OmcpError;
use crate::packet::Status;

/// Why a typed call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The module answered an error, or the client answered `408` (no response in time)
    /// or `404` (no such module).
    #[error(transparent)]
    Status(#[from] OmcpError),
    /// No response: the broker could not be reached or the connection dropped.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The body to send could not be serialized.
    #[error("the request body cannot be serialized: {0}")]
    Encode(#[source] serde_json::Error),
    /// The response body is not what the route returns.
    #[error("unexpected response body: {0}")]
    Decode(#[source] serde_json::Error),
    /// A success of another kind than the route's (a 201 without `location`, …).
    #[error("unexpected response {0}")]
    Unexpected(Status),
}

impl CallError {
    /// The status of an error response.
    pub fn status(&self) -> Option<Status> {
        match self {
            CallError::Status(error) => Some(error.status()),
            CallError::Unexpected(status) => Some(*status),
            _ => None,
        }
    }
}

impl From<CallError> for OmcpError {
    /// A route that calls another module can answer its failure with `?`: an error the
    /// other module (or the client, for 408 and 404) answered is passed on as it is, any
    /// other failure is this module's 500.
    fn from(error: CallError) -> OmcpError {
        match error {
            CallError::Status(error) => error,
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
        assert_eq!(OmcpError::from(CallError::Status(timeout.clone())), timeout);
        let unexpected = OmcpError::from(CallError::Unexpected(Status::Created));
        assert_eq!(unexpected.status(), Status::InternalServerError);
        assert_eq!(unexpected.message(), "unexpected response 201 CREATED");
        let undecodable = serde_json::from_str::<u32>("x").unwrap_err();
        assert_eq!(OmcpError::from(CallError::Decode(undecodable)).status(), Status::InternalServerError);
    }
}
