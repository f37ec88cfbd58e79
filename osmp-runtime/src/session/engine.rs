//! The session's two loops: the reader, which never waits on handler work, and the writer,
//! which owns the transport's sending half and the session's timers.

use std::collections::VecDeque;
use std::fmt::Display;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::task::Context;
use std::time::Duration;

use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::active::Refused;
use super::outbound::WriterTask;
use super::reply::{IntoReply, Reply};
use super::{Session, SessionShared};
use crate::transport::{CloseReason, Frame};
use crate::wire::{CancelTarget, Command, EventItem, Message, Nr, Payload, Response};

/// A command the peer sent, handed to the [`PeerHandler`].
pub(crate) struct IncomingCommand<'a> {
    pub(crate) nr: Nr,
    pub(crate) id: &'a str,
    pub(crate) data: Option<Payload>,
    pub(crate) token: CancellationToken,
}

/// What one side does with the commands and events its peer sends.
pub(crate) trait PeerHandler: Send + Sync + 'static {
    /// A running command, answering with anything the engine can turn into a response.
    type Future: Future<Output: IntoReply> + Send + 'static;

    /// Starts a command. Called on the reader: resolve and decode, then return a future;
    /// never block.
    fn dispatch(&self, session: &Session, command: IncomingCommand<'_>) -> Self::Future;

    /// An event the peer sent (other than `session-status`, which the engine handles).
    fn on_event(&self, session: &Session, event: EventItem) {
        let _ = (session, event);
    }
}

/// Runs a session until it ends; returns why it ended.
///
/// The reader yields frames, or the reason the transport failed. `shutdown` starts a
/// graceful close: running commands are cancelled, their responses go out, then a close
/// frame.
pub(crate) async fn run<H, R, W>(
    session: Session,
    handler: Arc<H>,
    reader: R,
    writer: W,
    shutdown: CancellationToken,
) -> String
where
    H: PeerHandler,
    R: Stream<Item = Result<Frame, CloseReason>> + Send,
    W: Sink<Frame> + Send + Unpin + 'static,
    W::Error: Display,
{
    let shared = session.0.clone();
    let writer_done = CancellationToken::new();
    // Both halves run in this one task, as a hand-written server would: the replies to
    // every frame read in one wake-up go out in one write, and no wake-up crosses threads
    // (a writer task of its own cost one cross-thread wake-up and one small write per
    // reply, and a lock around the socket shared by two threads).
    let writing = async {
        if let Err(reason) = write_loop(&shared, writer).await {
            shared.note_close_reason(&reason);
        }
        writer_done.cancel();
    };
    let reading = async {
        Reader { session, handler }.read_loop(reader, &writer_done, &shutdown).await;
        shared.end("session closed");
    };
    let (mut writing, mut reading) = (pin!(writing), pin!(reading));
    let mut writer_finished = false;
    std::future::poll_fn(|cx| {
        // The writer first: what was queued meanwhile (by commands that ran on tasks of
        // their own) goes out before more is read, so a reader with frames to spare cannot
        // take every turn. Then the reader; then the writer again, so that the replies to
        // what was just read go out in this same turn rather than after a wake-up.
        let mut poll_writer = |cx: &mut std::task::Context<'_>| {
            writer_finished = writer_finished || writing.as_mut().poll(cx).is_ready();
        };
        poll_writer(cx);
        shared.outbound.begin_reader_turn();
        let read = reading.as_mut().poll(cx);
        shared.outbound.end_reader_turn();
        if read.is_ready() {
            return std::task::Poll::Ready(());
        }
        poll_writer(cx);
        std::task::Poll::Pending
    })
    .await;
    if !writer_finished && tokio::time::timeout(shared.limits.connections.close_timeout, writing).await.is_err() {
        tracing::debug!(session = %shared.id, "the writer did not finish in time; dropped");
    }
    let reason = shared.close_reason();
    tracing::debug!(session = %shared.id, %reason, "session ended");
    reason
}

struct Reader<H> {
    session: Session,
    handler: Arc<H>,
}

impl<H: PeerHandler> Reader<H> {
    async fn read_loop<R>(&self, reader: R, writer_done: &CancellationToken, shutdown: &CancellationToken)
    where
        R: Stream<Item = Result<Frame, CloseReason>>,
    {
        let shared = &self.session.0;
        let mut reader = pin!(reader);
        let mut reading = true;
        let mut writer_finished = false;
        let mut shutting_down = false;
        // Once closing, how long the other half may take to finish.
        let mut close_deadline: Option<Instant> = None;
        let begin_close = |reason: CloseReason, deadline: &mut Option<Instant>| {
            shared.note_close_reason(&reason.reason);
            shared.outbound.close(reason);
            deadline.get_or_insert(Instant::now() + shared.limits.connections.close_timeout);
        };

        while reading || !writer_finished {
            // While the peer is behind in reading, read nothing new from it: its own TCP
            // window then slows it down, instead of its answers piling up here.
            let paused = reading && shared.outbound.is_backed_up();
            tokio::select! {
                biased;
                frame = reader.next(), if reading && !paused => match frame {
                    Some(Ok(Frame::Text(text))) => {
                        shared.touch();
                        self.on_text(&text);
                        // Bounded work per wake-up: a peer flooding cheap commands (whose
                        // frames are already buffered) must let the other sessions run.
                        tokio::task::consume_budget().await;
                    }
                    Some(Ok(Frame::Close(_))) | None => {
                        reading = false;
                        begin_close(CloseReason::normal("closed by peer"), &mut close_deadline);
                    }
                    Some(Ok(Frame::Ping(_) | Frame::Pong(_) | Frame::Binary(_))) => shared.touch(),
                    Some(Err(reason)) => {
                        tracing::debug!(session = %shared.id, %reason, "transport failed");
                        reading = false;
                        begin_close(reason, &mut close_deadline);
                    }
                },
                () = shared.outbound.room(), if paused => {}
                () = shutdown.cancelled(), if !shutting_down => {
                    shutting_down = true;
                    tokio::spawn(graceful_close(shared.clone()));
                }
                () = writer_done.cancelled(), if !writer_finished => {
                    writer_finished = true;
                    close_deadline.get_or_insert(Instant::now() + shared.limits.connections.close_timeout);
                }
                () = sleep_until(close_deadline) => break,
            }
        }
    }

    /// Handles one text frame. Never awaits: commands run on their own tasks.
    fn on_text(&self, text: &str) {
        let shared = &self.session.0;
        match Message::decode(text) {
            Ok(Message::Cmd(command)) => self.start_command(command),
            Ok(Message::Cancel(cancel)) => {
                let cancelled = shared.active.cancel(&cancel.target);
                tracing::debug!(session = %shared.id, cancelled, "cancel received");
            }
            Ok(Message::Response(response)) => {
                let cmd_nr = response.cmd_nr;
                if !shared.calls.complete(response) {
                    tracing::debug!(session = %shared.id, cmd_nr, "response to no waiting command");
                }
            }
            Ok(Message::Stream(stream)) => {
                shared.calls.stream(stream, shared.now_ms());
            }
            Ok(Message::Event(event)) => {
                for item in event.body.into_items() {
                    if item.event == "session-status" {
                        shared.calls.refresh(&status_nrs(item.data.as_ref()), shared.now_ms());
                    } else {
                        self.handler.on_event(&self.session, item);
                    }
                }
            }
            Err(error) => report_undecodable(shared, text, &error),
        }
    }

    fn start_command(&self, command: Command) {
        let shared = &self.session.0;
        let Command { nr, id, data } = command;
        let incoming = |token: &CancellationToken| IncomingCommand { nr, id: &id, data, token: token.clone() };
        match shared.active.insert(nr, &id) {
            Ok((token, was_empty)) => {
                if was_empty {
                    // The writer runs the `session-status` timer only while commands run.
                    shared.outbound.wake_writer();
                }
                let incoming = incoming(&token);
                match catch_unwind(AssertUnwindSafe(|| self.handler.dispatch(&self.session, incoming))) {
                    Ok(future) => run_or_spawn(execute(shared.clone(), nr, future, token)),
                    Err(panic) => {
                        let reply = panicked(shared, nr, &id, panic.as_ref());
                        answer(shared, nr, reply);
                    }
                }
            }
            Err(Refused::TooMany(limit)) => {
                tracing::warn!(session = %shared.id, limit, command = %id, "too many active commands");
                let reply = Reply::error(format!("Too many active commands (limit {limit})"));
                let _ = shared.outbound.push(response(nr, id, reply));
            }
            Err(Refused::TooManyOnServer(limit)) => {
                tracing::warn!(session = %shared.id, limit, command = %id, "too many active commands on the server");
                let reply = Reply::error(format!("Too many active commands on this server (limit {limit})"));
                let _ = shared.outbound.push(response(nr, id, reply));
            }
            Err(Refused::DuplicateNr) => {
                // Answering would complete the command that already has this number, so the
                // peer learns of its mistake through an error event instead.
                let description = format!("Command nr {nr} is already active; command '{id}' was ignored.");
                tracing::warn!(session = %shared.id, nr, command = %id, "duplicate command number");
                push_error_event(shared, description);
            }
        }
    }
}

/// Polls a command once here; only if it has to wait does it get a task of its own. Most
/// commands complete without waiting, and a spawn costs more than the command.
fn run_or_spawn(command: impl Future<Output = ()> + Send + 'static) {
    let mut command = Box::pin(command);
    // A pending future registers this no-op waker, but the spawned task polls it again at
    // once with its real waker, which then replaces the registration.
    let mut context = Context::from_waker(std::task::Waker::noop());
    if command.as_mut().poll(&mut context).is_pending() {
        tokio::spawn(command);
    }
}

/// Runs one command to its response.
async fn execute<F>(shared: Arc<SessionShared>, nr: Nr, future: F, token: CancellationToken)
where
    F: Future<Output: IntoReply>,
{
    let guarded = AssertUnwindSafe(future).catch_unwind();
    let reply = tokio::select! {
        biased;
        result = guarded => match result {
            Ok(answer) => answer.into_reply(),
            Err(panic) => panicked(&shared, nr, &shared.active.name(nr), panic.as_ref()),
        },
        () = abandon_after_grace(&token, shared.limits.commands.cancel_grace) => {
            let command = shared.active.name(nr);
            tracing::warn!(session = %shared.id, nr, %command, "cancelled command did not finish in time; dropped");
            Reply::ok("Cancelled")
        }
    };
    answer(&shared, nr, reply);
}

/// Ends a command's life with its response (and the session's, if the reply says so).
fn answer(shared: &SessionShared, nr: Nr, mut reply: Reply) {
    // The response ends the command's life: it must be gone from `active-cmds` by the time
    // the peer can read the response. The table gives back the name the response repeats.
    let id = shared.active.remove(nr).unwrap_or_default();
    let close = reply.close.take();
    let _ = shared.outbound.push(response(nr, id, reply));
    if let Some(reason) = close {
        shared.outbound.close(reason);
    }
}

/// Completes `grace` after the command was cancelled.
async fn abandon_after_grace(token: &CancellationToken, grace: Duration) {
    token.cancelled().await;
    tokio::time::sleep(grace).await;
}

fn response(cmd_nr: Nr, id: String, reply: Reply) -> impl FnOnce(Nr) -> Message {
    move |nr| {
        let Reply { status, result, data, .. } = reply;
        Message::Response(Response { nr, id: Some(id), cmd_nr, status, result, data })
    }
}

/// Logs a handler's panic and turns it into the error its command answers.
fn panicked(shared: &SessionShared, nr: Nr, id: &str, panic: &(dyn std::any::Any + Send)) -> Reply {
    let what = panic_message(panic);
    tracing::error!(session = %shared.id, nr, command = %id, panic = %what, "command handler panicked");
    Reply::error(format!("Internal error: command '{id}' failed unexpectedly"))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic payload")
}

/// The command numbers a `session-status` event lists.
fn status_nrs(data: Option<&Payload>) -> Vec<Nr> {
    let Some(data) = data else { return Vec::new() };
    let value = data.to_value();
    let Some(list) = value.get("active-cmds").and_then(serde_json::Value::as_array) else {
        return Vec::new();
    };
    list.iter().filter_map(|nr| nr.as_u64().or_else(|| nr.as_str().and_then(|text| text.trim().parse().ok()))).collect()
}

/// Undecodable input gets no response but an `error` event; the session continues.
fn report_undecodable(shared: &SessionShared, text: &str, error: &crate::wire::DecodeError) {
    tracing::debug!(session = %shared.id, %error, "undecodable message");
    let description =
        format!("Unable to decode message, wrong formatting? Got this: '{}'\n{error}", excerpt(text, 256));
    push_error_event(shared, description);
}

fn push_error_event(shared: &SessionShared, description: String) {
    let data = Payload::from_value(&serde_json::json!({ "description": description }));
    let _ = shared.outbound.push_protocol_event(EventItem { event: "error".to_owned(), data: Some(data) });
}

/// The start of `text`, at most `max` bytes, cut at a character boundary.
fn excerpt(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let cut = (0..=max).rev().find(|&index| text.is_char_boundary(index)).unwrap_or(0);
    format!("{}… ({} bytes)", &text[..cut], text.len())
}

/// Stops accepting work: cancels every command, lets their responses go out, then closes.
async fn graceful_close(shared: Arc<SessionShared>) {
    shared.active.cancel(&CancelTarget::All);
    let patience = shared.limits.commands.cancel_grace + Duration::from_secs(1);
    let _ = tokio::time::timeout(patience, shared.active.wait_idle()).await;
    shared.outbound.close(CloseReason::going_away("shutting down"));
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Writes whatever is queued, one flush per batch, and runs the timers.
async fn write_loop<W>(shared: &SessionShared, mut sink: W) -> Result<(), String>
where
    W: Sink<Frame> + Unpin,
    W::Error: Display,
{
    let mut batch = VecDeque::new();
    let mut timers = Timers::new(shared);
    loop {
        timers.run_due(shared, &mut sink).await?;
        match shared.outbound.next_task(&mut batch) {
            WriterTask::Write => {
                for message in batch.drain(..) {
                    watched(shared, sink.feed(Frame::Text(message.to_json().into()))).await?;
                }
                watched(shared, sink.flush()).await?;
                shared.outbound.wrote();
            }
            WriterTask::Close(reason) => {
                // The peer may already be gone; the close frame is a courtesy.
                let _ = sink.send(Frame::Close(Some(reason))).await;
                return Ok(());
            }
            WriterTask::Wait(events_due) => {
                let deadline = earliest(events_due, timers.next_deadline(shared));
                tokio::select! {
                    () = shared.outbound.writer_woken() => {}
                    () = sleep_until(deadline) => {}
                }
            }
        }
    }
}

/// Awaits a write to the transport. When the transport counts what it writes, a write that
/// sees no byte go out for `write_stall_timeout` fails: the peer reads nothing, and whatever
/// else it sends (pongs, commands), it must not hold the session's output forever.
async fn watched<E: Display>(shared: &SessionShared, write: impl Future<Output = Result<(), E>>) -> Result<(), String> {
    let failed = |error: E| format!("write failed: {error}");
    let mut write = pin!(write);
    // Most writes complete at once: no timer for them.
    if let Some(result) = write.as_mut().now_or_never() {
        return result.map_err(failed);
    }
    let Some(account) = &shared.account else {
        return write.await.map_err(failed);
    };
    let stall = shared.limits.outgoing.write_stall_timeout;
    let check = (stall / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let (mut written, mut progress_at) = (account.written(), Instant::now());
    loop {
        tokio::select! {
            biased;
            result = &mut write => return result.map_err(failed),
            () = tokio::time::sleep(check) => {
                let now = account.written();
                if now != written {
                    (written, progress_at) = (now, Instant::now());
                } else if progress_at.elapsed() >= stall {
                    tracing::warn!(session = %shared.id, stalled = ?stall, "the peer reads nothing; closing the session");
                    return Err(format!("the peer read nothing for {} s", stall.as_secs()));
                }
            }
        }
    }
}

/// The writer's periodic duties: `session-status` while commands run, and pings.
struct Timers {
    next_keepalive: Option<Instant>,
    next_ping: Option<Instant>,
}

impl Timers {
    fn new(shared: &SessionShared) -> Timers {
        Timers {
            next_keepalive: None,
            next_ping: shared.config.ping_interval.map(|interval| Instant::now() + interval),
        }
    }

    fn next_deadline(&mut self, shared: &SessionShared) -> Option<Instant> {
        if let Some(interval) = shared.config.keepalive_interval {
            if shared.active.is_empty() {
                self.next_keepalive = None;
            } else if self.next_keepalive.is_none() {
                self.next_keepalive = Some(Instant::now() + interval);
            }
        }
        earliest(self.next_keepalive, self.next_ping)
    }

    async fn run_due<W>(&mut self, shared: &SessionShared, sink: &mut W) -> Result<(), String>
    where
        W: Sink<Frame> + Unpin,
        W::Error: Display,
    {
        let now = Instant::now();
        if let (Some(due), Some(interval)) = (self.next_keepalive, shared.config.keepalive_interval) {
            if now >= due {
                if let Some(nrs) = shared.active.keepalive_due(shared.config.keepalive_after) {
                    let data = Payload::from_value(&serde_json::json!({ "active-cmds": nrs }));
                    let item = EventItem { event: "session-status".to_owned(), data: Some(data) };
                    let _ = shared.outbound.push_protocol_event(item);
                }
                self.next_keepalive = Some(now + interval);
            }
        }
        if let (Some(due), Some(interval)) = (self.next_ping, shared.config.ping_interval) {
            if now >= due {
                let silent = Duration::from_millis(shared.silent_for_ms());
                if silent > shared.limits.connections.dead_peer_timeout {
                    return Err(format!("no sign of life from the peer for {} s", silent.as_secs()));
                }
                watched(shared, sink.send(Frame::Ping(Vec::new()))).await?;
                self.next_ping = Some(now + interval);
            }
        }
        Ok(())
    }
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_char_boundaries() {
        assert_eq!(excerpt("hello?", 256), "hello?");
        let long = "é".repeat(200);
        let cut = excerpt(&long, 5);
        assert!(cut.starts_with("éé…"), "{cut}");
    }

    #[test]
    fn reads_session_status_numbers() {
        let data = Payload::from_value(&serde_json::json!({"active-cmds": [1, "2", "x"]}));
        assert_eq!(status_nrs(Some(&data)), vec![1, 2]);
        assert!(status_nrs(None).is_empty());
    }
}
