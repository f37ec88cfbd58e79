//! Commands this side sent to the peer and is waiting on.
//!
//! Used in both directions: the client's calls and the server's commands to its client
//! (login challenges, confirmations). The reader routes `response`, `stream` and the
//! `session-status` refreshes here without ever waiting: a caller that does not consume its
//! stream loses the oldest stream messages, never blocks the session.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use super::lossy::LossyQueue;
use super::SessionShared;
use crate::sync::lock;
use crate::wire::{CancelTarget, Command, Message, Nr, Payload, Response, StreamMessage};

/// Why a command sent to the peer did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The peer answered `status: ERROR`.
    #[error("command '{command}' failed: {}", response.result.as_deref().unwrap_or("no reason given"))]
    Failed {
        /// The command sent.
        command: String,
        /// The peer's response.
        response: Box<Response>,
    },
    /// Neither response, stream nor `session-status` arrived within the timeout.
    #[error("command '{command}' got no response within {after:?}")]
    Timeout {
        /// The command sent.
        command: String,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The command that asked was cancelled while it waited (the question is withdrawn:
    /// the peer gets a `cancel` for it).
    #[error("command '{command}' was withdrawn: the command that asked was cancelled")]
    Cancelled {
        /// The command sent.
        command: String,
    },
    /// The session ended before the response arrived.
    #[error("connection closed: {reason}")]
    Closed {
        /// Why the session ended.
        reason: String,
    },
    /// The parameters could not be serialized.
    #[error("parameters of '{command}' could not be serialized: {source}")]
    InvalidParams {
        /// The command.
        command: String,
        /// The serialization error.
        source: serde_json::Error,
    },
    /// The response data did not have the expected shape.
    #[error("unexpected result data of '{command}': {source}")]
    InvalidData {
        /// The command.
        command: String,
        /// The decoding error.
        source: serde_json::Error,
    },
}

impl CallError {
    /// The peer's response, if the peer answered `ERROR`.
    pub fn response(&self) -> Option<&Response> {
        match self {
            CallError::Failed { response, .. } => Some(response),
            _ => None,
        }
    }
}

/// Milliseconds since the session started at which the call last heard from the peer.
type Activity = Arc<AtomicU64>;

struct PendingCall {
    reply: oneshot::Sender<Response>,
    stream: Option<Arc<LossyQueue<StreamMessage>>>,
    activity: Activity,
}

/// The table of calls waiting for the peer, keyed by the `nr` of their command.
#[derive(Default)]
pub(crate) struct PendingCalls {
    calls: Mutex<HashMap<Nr, PendingCall>>,
}

impl PendingCalls {
    /// Hands a response to its caller; false if nobody waits for it.
    pub(crate) fn complete(&self, response: Response) -> bool {
        let Some(call) = lock(&self.calls).remove(&response.cmd_nr) else {
            return false;
        };
        if let Some(stream) = &call.stream {
            stream.close();
        }
        call.reply.send(response).is_ok()
    }

    /// Hands a stream message to its caller and counts it as a sign of life.
    pub(crate) fn stream(&self, message: StreamMessage, now: u64) -> bool {
        let calls = lock(&self.calls);
        let Some(call) = calls.get(&message.cmd_nr) else {
            return false;
        };
        call.activity.store(now, Ordering::Relaxed);
        if let Some(stream) = &call.stream {
            stream.push(message);
        }
        true
    }

    /// `session-status` names commands still running on the peer: they are alive.
    pub(crate) fn refresh(&self, nrs: &[Nr], now: u64) {
        let calls = lock(&self.calls);
        for nr in nrs {
            if let Some(call) = calls.get(nr) {
                call.activity.store(now, Ordering::Relaxed);
            }
        }
    }

    fn remove(&self, nr: Nr) -> bool {
        lock(&self.calls).remove(&nr).is_some()
    }

    /// Fails every waiting call (their senders are dropped): the session ended.
    pub(crate) fn fail_all(&self) {
        let calls = std::mem::take(&mut *lock(&self.calls));
        for call in calls.into_values() {
            if let Some(stream) = &call.stream {
                stream.close();
            }
        }
    }
}

/// One command sent to the peer: its stream messages and, at the end, its response.
///
/// Dropping it before the response arrived cancels the command on the peer.
pub(crate) struct OutgoingCall {
    session: Arc<SessionShared>,
    nr: Nr,
    command: String,
    reply: oneshot::Receiver<Response>,
    stream: Option<Arc<LossyQueue<StreamMessage>>>,
    activity: Activity,
    timeout: Option<Duration>,
    response: Option<Response>,
    finished: bool,
}

impl OutgoingCall {
    /// Sends a command. `with_stream` keeps its stream messages for [`Self::next_stream`].
    pub(crate) fn start(
        session: &Arc<SessionShared>,
        command: &str,
        data: Option<Payload>,
        timeout: Option<Duration>,
        with_stream: bool,
    ) -> Result<OutgoingCall, CallError> {
        let (reply_tx, reply) = oneshot::channel();
        let activity: Activity = Arc::new(AtomicU64::new(session.now_ms()));
        let stream = with_stream.then(|| Arc::new(LossyQueue::new(session.limits.commands.call_stream_buffer)));
        let pending = PendingCall { reply: reply_tx, stream: stream.clone(), activity: activity.clone() };
        // The call is registered under the outbound lock, before the command can be written,
        // so its response cannot arrive before anyone waits for it.
        let nr = session
            .outbound
            .push(|nr| {
                lock(&session.calls.calls).insert(nr, pending);
                Message::Cmd(Command { nr, id: command.to_owned(), data })
            })
            .map_err(|_| CallError::Closed { reason: session.close_reason() })?;
        Ok(OutgoingCall {
            session: session.clone(),
            nr,
            command: command.to_owned(),
            reply,
            stream,
            activity,
            timeout,
            response: None,
            finished: false,
        })
    }

    pub(crate) fn nr(&self) -> Nr {
        self.nr
    }

    pub(crate) fn command(&self) -> &str {
        &self.command
    }

    /// How many stream messages were dropped because the caller did not keep up.
    pub(crate) fn dropped_stream_messages(&self) -> u64 {
        self.stream.as_ref().map_or(0, |stream| stream.dropped())
    }

    /// The next stream message; `Ok(None)` once the response has arrived.
    pub(crate) async fn next_stream(&mut self) -> Result<Option<StreamMessage>, CallError> {
        loop {
            if let Some(message) = self.stream.as_ref().and_then(|stream| stream.try_pop()) {
                return Ok(Some(message));
            }
            if self.response.is_some() || self.finished {
                return Ok(None);
            }
            let ready = async {
                match &self.stream {
                    Some(stream) => stream.readable().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                reply = &mut self.reply => {
                    self.response = Some(self.take_reply(reply)?);
                }
                () = ready => {}
                () = wait_for_silence(&self.session, &self.activity, self.timeout) => {
                    return Err(self.time_out());
                }
            }
        }
    }

    /// Waits for the response (discarding unread stream messages).
    pub(crate) async fn response(mut self) -> Result<Response, CallError> {
        if let Some(response) = self.response.take() {
            self.finished = true;
            return Ok(response);
        }
        tokio::select! {
            biased;
            reply = &mut self.reply => self.take_reply(reply),
            () = wait_for_silence(&self.session, &self.activity, self.timeout) => Err(self.time_out()),
        }
    }

    /// Asks the peer to cancel the command; its response still arrives.
    pub(crate) fn cancel(&self) {
        if !self.finished && self.response.is_none() {
            self.session.send_cancel(CancelTarget::Commands(vec![self.nr]));
        }
    }

    fn take_reply(&mut self, reply: Result<Response, oneshot::error::RecvError>) -> Result<Response, CallError> {
        self.finished = true;
        reply.map_err(|_| CallError::Closed { reason: self.session.close_reason() })
    }

    fn time_out(&mut self) -> CallError {
        self.finished = true;
        if self.session.calls.remove(self.nr) {
            // The peer may still be working on it; tell it to stop.
            self.session.send_cancel(CancelTarget::Commands(vec![self.nr]));
        }
        CallError::Timeout { command: self.command.clone(), after: self.timeout.unwrap_or_default() }
    }
}

impl Drop for OutgoingCall {
    fn drop(&mut self) {
        if !self.finished && self.session.calls.remove(self.nr) {
            self.session.send_cancel(CancelTarget::Commands(vec![self.nr]));
        }
    }
}

/// Completes when the peer has been silent about the call for the whole timeout: every
/// stream message and `session-status` that names the call restarts the clock.
async fn wait_for_silence(session: &SessionShared, activity: &AtomicU64, timeout: Option<Duration>) {
    let Some(timeout) = timeout else {
        return std::future::pending().await;
    };
    let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    loop {
        let last = activity.load(Ordering::Relaxed);
        let deadline = last.saturating_add(timeout_ms);
        let now = session.now_ms();
        if now >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(deadline - now)).await;
    }
}
