//! The typed layer generated clients stand on: calls whose results and stream data, and
//! subscriptions whose events, decode into the set's own types.

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::{Call, Subscription};
use crate::session::CallError;
use crate::wire::{Nr, Payload, Response, StreamItem};

/// Turns a response into a command's typed result.
pub type DecodeResponse<R> = fn(&str, Response) -> Result<R, CallError>;

/// Decodes a response's data into `R` (no data decodes from `null`, so `()` works).
pub fn decode_response<R: DeserializeOwned>(command: &str, response: Response) -> Result<R, CallError> {
    super::call::decode_data(command, &response)
}

/// Keeps the response as it is (for commands that answer with text and data of their own
/// choosing, declared to return `Outcome`).
pub fn keep_response(_command: &str, response: Response) -> Result<Response, CallError> {
    Ok(response)
}

/// A running command with a typed result `R` and typed structured stream data `S`.
///
/// Generated clients return it for commands that stream (those that take a
/// `CommandContext`). Cancel with [`cancel`](Self::cancel) or by dropping it.
pub struct TypedCall<R, S = Payload> {
    call: Call,
    decode: DecodeResponse<R>,
    _stream: PhantomData<fn() -> S>,
}

impl<R, S: DeserializeOwned> TypedCall<R, S> {
    /// Wraps a call with the function that decodes its response.
    pub fn new(call: Call, decode: DecodeResponse<R>) -> TypedCall<R, S> {
        TypedCall { call, decode, _stream: PhantomData }
    }

    /// The command's `nr`.
    pub fn nr(&self) -> Nr {
        self.call.nr()
    }

    /// The next stream message, structured data decoded as `S`; `None` once the response
    /// has arrived.
    pub async fn next(&mut self) -> Option<Result<StreamItem<S>, CallError>> {
        let item = match self.call.next().await? {
            Ok(item) => item,
            Err(error) => return Some(Err(error)),
        };
        let command = self.call.command().to_owned();
        Some(item.try_map(|data| {
            data.decode::<S>().map_err(|source| CallError::InvalidData { command: command.clone(), source })
        }))
    }

    /// Waits for the response and decodes it.
    pub async fn response(self) -> Result<R, CallError> {
        let command = self.call.command().to_owned();
        let response = self.call.response().await?;
        (self.decode)(&command, response)
    }

    /// Asks the server to cancel the command; the response still arrives.
    pub fn cancel(&self) {
        self.call.cancel();
    }

    /// The untyped call.
    pub fn into_inner(self) -> Call {
        self.call
    }
}

impl<R, S> std::fmt::Debug for TypedCall<R, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedCall").field("call", &self.call).finish()
    }
}

/// An event that arrived with data its declared type cannot hold.
#[derive(Debug, thiserror::Error)]
#[error("event '{event}' has unexpected data: {source}")]
pub struct EventDecodeError {
    /// The event name.
    pub event: String,
    /// Why decoding failed.
    pub source: serde_json::Error,
}

/// A subscription whose events decode into `E`.
pub struct TypedSubscription<E> {
    subscription: Subscription,
    _event: PhantomData<fn() -> E>,
}

impl<E: DeserializeOwned> TypedSubscription<E> {
    /// Wraps a subscription.
    pub fn new(subscription: Subscription) -> TypedSubscription<E> {
        TypedSubscription { subscription, _event: PhantomData }
    }

    /// The next event, decoded; `None` once the client is closed for good.
    pub async fn next(&mut self) -> Option<Result<E, EventDecodeError>> {
        let item = self.subscription.next().await?;
        let decoded = match &item.data {
            Some(data) => data.decode(),
            None => serde_json::from_value(serde_json::Value::Null),
        };
        Some(decoded.map_err(|source| EventDecodeError { event: item.event, source }))
    }

    /// Events dropped because this subscriber fell behind.
    pub fn dropped(&self) -> u64 {
        self.subscription.dropped()
    }

    /// The untyped subscription.
    pub fn into_inner(self) -> Subscription {
        self.subscription
    }
}

impl<E> std::fmt::Debug for TypedSubscription<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedSubscription").field("subscription", &self.subscription).finish()
    }
}
