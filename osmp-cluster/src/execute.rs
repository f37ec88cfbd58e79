//! The executing side of a forwarded command: taken from its set's queue, run in a session
//! of its own here (`ServerRef::serve_forwarded`, logged in as the caller), and what that
//! session writes (stream items, questions for the client, the response) sent back to the
//! caller's node, in order. The caller's cancel and its client's answers come back the same
//! way and are fed into that session as its peer's messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_channel::mpsc;
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::BasicAckOptions;
use lapin::types::ShortString;
use lapin::Consumer;
use osmp_broker::next_delivery;
use osmp_runtime::transport::{CloseReason, Frame};
use osmp_runtime::wire::{Cancel, CancelTarget, Command as WireCommand, Message, Response, Status};
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use crate::messages::{decode, Answer, Ask, Command, Withdrawn};
use crate::names::kind;
use crate::node::Node;
use crate::stats::Counters;

/// The `nr` the forwarded command has in the session that runs it.
const COMMAND_NR: u64 = 1;

/// How long leaving waits for the forwarded commands running here.
const FINISH_PATIENCE: Duration = Duration::from_secs(10);

type Feed = mpsc::UnboundedSender<Result<Frame, CloseReason>>;

/// The forwarded commands running here, by call id: how to reach their sessions.
pub(crate) struct RunningCalls {
    feeds: Mutex<HashMap<String, Feed>>,
    /// One permit per command running here.
    permits: Arc<Semaphore>,
    tasks: TaskTracker,
}

impl RunningCalls {
    pub(crate) fn new(max: usize) -> RunningCalls {
        RunningCalls { feeds: Mutex::default(), permits: Arc::new(Semaphore::new(max)), tasks: TaskTracker::new() }
    }

    fn feeds(&self) -> std::sync::MutexGuard<'_, HashMap<String, Feed>> {
        self.feeds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The caller cancels, or its client answers a question.
    pub(crate) fn deliver(&self, call: &str, kind: &str, body: &[u8]) {
        let message = match kind {
            kind::CANCEL => Message::Cancel(Cancel { nr: 0, target: CancelTarget::Commands(vec![COMMAND_NR]) }),
            kind::ANSWER => {
                let Some(answer) = decode::<Answer>(body) else { return };
                let Some(nr) = answer.nr else { return };
                let Answer { status, result, data, .. } = answer;
                Message::Response(Response { nr: 0, id: None, cmd_nr: nr, status, result, data })
            }
            _ => return,
        };
        if let Some(feed) = self.feeds().get(call) {
            let _ = feed.unbounded_send(Ok(Frame::Text(message.to_json().into())));
        }
    }

    /// Waits (briefly) until the commands running here have answered.
    pub(crate) async fn finish(&self) {
        self.tasks.close();
        if tokio::time::timeout(FINISH_PATIENCE, self.tasks.wait()).await.is_err() {
            tracing::warn!(running = self.tasks.len(), "forwarded commands still running are abandoned");
        }
    }
}

impl Node {
    /// Takes the forwarded commands of one set's queue while there is room, until the
    /// connection is lost; each runs on a task of its own.
    pub(crate) async fn run_commands(self: &Arc<Self>, mut consumer: Consumer) -> String {
        loop {
            let Ok(permit) = self.running.permits.clone().acquire_owned().await else {
                return "the node stops serving".to_owned();
            };
            let delivery = match next_delivery(&mut consumer).await {
                Ok(delivery) => delivery,
                Err(reason) => return reason,
            };
            // At most once: acknowledged before it runs, so a command never runs twice.
            if let Err(error) = delivery.acker.ack(BasicAckOptions::default()).await {
                return error.to_string();
            }
            let node = self.clone();
            self.running.tasks.spawn(async move {
                node.run_forwarded(delivery).await;
                drop(permit);
            });
        }
    }

    async fn run_forwarded(self: Arc<Self>, delivery: Delivery) {
        let properties = &delivery.properties;
        let (Some(call), Some(reply_to)) = (properties.correlation_id().clone(), properties.reply_to().clone()) else {
            tracing::warn!("a forwarded command without correlation or reply address was dropped");
            return;
        };
        let reply = Replies { node: self.clone(), call: call.clone(), reply_to };
        let Some(command) = decode::<Command>(&delivery.data) else {
            let refusal = Answer {
                nr: None,
                status: Status::Error,
                result: Some("Error: unreadable forwarded command".into()),
                data: None,
            };
            return reply.send(kind::RESPONSE, &refusal).await;
        };
        reply.send(kind::ACCEPTED, &()).await;
        Counters::add(&self.counters.commands_run, 1);

        let (feed, reader) = mpsc::unbounded();
        let (writer, mut output) = mpsc::channel::<Frame>(64);
        let first = Message::Cmd(WireCommand { nr: COMMAND_NR, id: command.command, data: command.data });
        let _ = feed.unbounded_send(Ok(Frame::Text(first.to_json().into())));
        self.running.feeds().insert(call.to_string(), feed);
        let session = tokio::spawn(self.server.serve_forwarded(command.caller.map(Into::into), reader, writer));

        while let Some(frame) = output.next().await {
            let Frame::Text(text) = frame else { continue };
            match Message::decode(&text) {
                Ok(Message::Response(response)) if response.cmd_nr == COMMAND_NR => {
                    let Response { status, result, data, .. } = response;
                    reply.send(kind::RESPONSE, &Answer { nr: None, status, result, data }).await;
                    break;
                }
                Ok(Message::Stream(stream)) => reply.send(kind::STREAM, &stream.data).await,
                Ok(Message::Cmd(question)) => {
                    reply.send(kind::ASK, &Ask { nr: question.nr, command: question.id, data: question.data }).await;
                }
                Ok(Message::Cancel(Cancel { target: CancelTarget::Commands(nrs), .. })) => {
                    reply.send(kind::ASK_WITHDRAWN, &Withdrawn { nrs }).await;
                }
                // The caller's own session keeps its client informed (`session-status`).
                _ => {}
            }
        }
        // The last feed goes: the session reads its end and closes.
        self.running.feeds().remove(call.as_str());
        drop(output);
        let _ = session.await;
    }
}

/// Where the replies of one forwarded command go.
struct Replies {
    node: Arc<Node>,
    call: ShortString,
    reply_to: ShortString,
}

impl Replies {
    async fn send<T: serde::Serialize + ?Sized>(&self, kind: &str, body: &T) {
        let body = serde_json::to_vec(body).unwrap_or_default();
        let properties = self.node.properties(kind).with_correlation_id(self.call.clone());
        if let Err(error) = self.node.publish_raw("", self.reply_to.as_str(), &body, properties).await {
            tracing::warn!(%error, kind, call = %self.call, "a reply to a forwarded command was lost");
        }
    }
}
