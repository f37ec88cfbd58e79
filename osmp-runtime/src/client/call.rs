//! A command sent to the server: its stream messages, its response, its cancellation.

use serde::de::DeserializeOwned;

use crate::session::{into_result, CallError, OutgoingCall};
use crate::wire::{Nr, Response, StreamItem};

/// A running command on the server.
///
/// Read its stream with [`next`](Call::next), then its response with
/// [`response`](Call::response). [`cancel`](Call::cancel) asks the server to stop (the
/// response still arrives); dropping the handle before the response cancels too.
///
/// ```no_run
/// # extern crate osmp_runtime as osmp;
/// # async fn demo(client: osmp::client::Client) -> Result<(), osmp::session::CallError> {
/// use osmp::wire::StreamItem;
///
/// let mut call = client.start("wait", &serde_json::json!({"seconds": 2})).await?;
/// while let Some(item) = call.next().await {
///     if let StreamItem::Progress { value, total, .. } = item? {
///         println!("{value}/{total}");
///     }
/// }
/// let response = call.response().await?;
/// assert!(response.is_ok());
/// # Ok(()) }
/// ```
pub struct Call {
    inner: OutgoingCall,
}

impl Call {
    pub(crate) fn new(inner: OutgoingCall) -> Call {
        Call { inner }
    }

    /// The command's `nr`.
    pub fn nr(&self) -> Nr {
        self.inner.nr()
    }

    /// The command's name.
    pub fn command(&self) -> &str {
        self.inner.command()
    }

    /// The next stream message; `None` once the response has arrived. Every stream
    /// message restarts the call's timeout.
    pub async fn next(&mut self) -> Option<Result<StreamItem, CallError>> {
        match self.inner.next_stream().await {
            Ok(Some(message)) => Some(Ok(StreamItem::from_data(message.data.as_ref()))),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        }
    }

    /// Waits for the response; `ERROR` becomes [`CallError::Failed`]. Unread stream
    /// messages are discarded.
    pub async fn response(self) -> Result<Response, CallError> {
        let command = self.inner.command().to_owned();
        into_result(&command, self.inner.response().await?)
    }

    /// Waits for the response and decodes its data.
    pub async fn result<R: DeserializeOwned>(self) -> Result<R, CallError> {
        let command = self.inner.command().to_owned();
        decode_data(&command, &self.response().await?)
    }

    /// Asks the server to cancel the command. The response still arrives (usually
    /// `OK "Cancelled"`).
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Stream messages dropped because they were not read fast enough.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped_stream_messages()
    }
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("nr", &self.nr()).field("command", &self.command()).finish()
    }
}

/// Decodes a response's data; a response without data decodes from `null` (so `()` and
/// `Option<T>` work).
pub(crate) fn decode_data<R: DeserializeOwned>(command: &str, response: &Response) -> Result<R, CallError> {
    let decoded = match &response.data {
        Some(data) => data.decode(),
        None => serde_json::from_value(serde_json::Value::Null),
    };
    decoded.map_err(|source| CallError::InvalidData { command: command.to_owned(), source })
}
