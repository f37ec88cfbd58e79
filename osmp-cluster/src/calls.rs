//! The caller's side of a forwarded command: the command goes to its set's queue, and what
//! the executing node sends back (acceptance, stream items, questions for the client, the
//! response) is played into the caller's own `CommandContext`, in order. The caller's
//! session keeps the command active (its `session-status` keeps the client waiting), its
//! cancellation reaches the executing node, and the executing node going away fails the
//! command at once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use lapin::types::ShortString;
use osmp_broker::Published;
use osmp_runtime::instruction::{CommandContext, CommandError, Outcome};
use osmp_runtime::session::CallError;
use osmp_runtime::wire::{Payload, Status};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::messages::{decode, Answer, Ask, Caller, Command, Withdrawn};
use crate::names::kind;
use crate::node::Node;
use crate::stats::Counters;

/// Stream items of one forwarded command kept while its caller's client is slower than the
/// executing node; beyond it the oldest are dropped, as a client's call does.
const STREAM_BUFFER: usize = 4096;

/// What the executing node said about a forwarded command.
enum Reply {
    Accepted,
    Stream(Option<Payload>),
    Ask(Ask),
    Withdrawn(Vec<u64>),
    Response(Answer),
    Failed(String),
}

/// The replies of one forwarded command, waiting for its task.
#[derive(Default)]
struct Inbox {
    queue: Mutex<VecDeque<Reply>>,
    ready: Notify,
    /// The node running it, once it accepted.
    executor: Mutex<Option<String>>,
}

impl Inbox {
    fn push(&self, reply: Reply) {
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(reply, Reply::Stream(_)) && queue.len() >= STREAM_BUFFER {
            if let Some(oldest) = queue.iter().position(|reply| matches!(reply, Reply::Stream(_))) {
                queue.remove(oldest);
            }
        }
        queue.push_back(reply);
        drop(queue);
        self.ready.notify_one();
    }

    async fn next(&self) -> Reply {
        loop {
            let ready = self.ready.notified();
            if let Some(reply) = self.queue.lock().unwrap_or_else(PoisonError::into_inner).pop_front() {
                return reply;
            }
            ready.await;
        }
    }

    fn executor(&self) -> Option<String> {
        self.executor.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// The commands forwarded from here and not answered yet, by call id.
#[derive(Default)]
pub(crate) struct ForwardedCalls {
    calls: Mutex<HashMap<String, Arc<Inbox>>>,
}

impl ForwardedCalls {
    fn calls(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Inbox>>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn open(&self, call: &str) -> Arc<Inbox> {
        let inbox = Arc::new(Inbox::default());
        self.calls().insert(call.to_owned(), inbox.clone());
        inbox
    }

    fn close(&self, call: &str) {
        self.calls().remove(call);
    }

    /// A reply from the executing node `origin`.
    pub(crate) fn deliver(&self, call: &str, kind: &str, origin: &str, body: &[u8]) {
        let Some(inbox) = self.calls().get(call).cloned() else {
            tracing::debug!(call, kind, "a reply to no waiting command");
            return;
        };
        let reply = match kind {
            kind::ACCEPTED => {
                *inbox.executor.lock().unwrap_or_else(PoisonError::into_inner) = Some(origin.to_owned());
                Reply::Accepted
            }
            kind::STREAM => Reply::Stream(serde_json::from_slice::<Option<Payload>>(body).ok().flatten()),
            kind::ASK => match decode::<Ask>(body) {
                Some(ask) => Reply::Ask(ask),
                None => return,
            },
            kind::ASK_WITHDRAWN => Reply::Withdrawn(decode::<Withdrawn>(body).map(|w| w.nrs).unwrap_or_default()),
            kind::RESPONSE => match decode::<Answer>(body) {
                Some(answer) => Reply::Response(answer),
                None => Reply::Failed("the node that ran the command answered something unreadable".to_owned()),
            },
            other => {
                tracing::debug!(call, kind = other, "an unknown reply was ignored");
                return;
            }
        };
        inbox.push(reply);
    }

    /// Fails every waiting command (the connection to the broker is gone).
    pub(crate) fn fail_all(&self, why: &str) {
        for inbox in self.calls().values() {
            inbox.push(Reply::Failed(why.to_owned()));
        }
    }

    /// Fails the commands `node` accepted (it went away).
    pub(crate) fn fail_executor(&self, node: &str, why: &str) {
        for inbox in self.calls().values().filter(|inbox| inbox.executor().as_deref() == Some(node)) {
            inbox.push(Reply::Failed(why.to_owned()));
        }
    }
}

impl Node {
    /// Runs `command` of `set` on the node that serves it, for the session of `cx`.
    pub(crate) async fn forward(
        self: &Arc<Self>,
        set: &str,
        command: String,
        data: Option<Payload>,
        cx: CommandContext,
    ) -> Result<Outcome, CommandError> {
        let call = uuid::Uuid::new_v4().simple().to_string();
        let inbox = self.calls.open(&call);
        let mut guard = Forwarding { node: self.clone(), call: call.clone(), inbox: inbox.clone(), answered: false };
        let caller = cx.session().user().map(|user| Caller::from(&*user));
        let body = serde_json::to_vec(&Command { command: command.clone(), data, caller }).unwrap_or_default();
        let ttl = self.config.queues.command_ttl.as_millis().to_string();
        let properties = self
            .properties(kind::COMMAND)
            .with_correlation_id(ShortString::from(call.as_str()))
            .with_reply_to(ShortString::from(self.names.node_queue(&self.id)))
            .with_expiration(ShortString::from(ttl));
        match self.publish_to_queue(&self.names.set_queue(set), &body, properties).await {
            Ok(Published::Routed) => Counters::add(&self.counters.commands_forwarded, 1),
            Ok(Published::Unroutable) => {
                guard.answered = true;
                return Err(CommandError::command_not_found(&command));
            }
            Err(error) => {
                guard.answered = true;
                return Err(CommandError::new(format!("Error: command '{command}' could not reach its node: {error}")));
            }
        }
        let answer = self.follow(&inbox, &call, &command, &cx).await;
        guard.answered = true;
        answer
    }

    /// Plays the replies of a forwarded command into its context until the response.
    async fn follow(
        self: &Arc<Self>,
        inbox: &Arc<Inbox>,
        call: &str,
        command: &str,
        cx: &CommandContext,
    ) -> Result<Outcome, CommandError> {
        let accept_by = Instant::now() + self.config.accept_timeout;
        let mut accepted = false;
        let mut cancel_sent = false;
        let mut asks: HashMap<u64, JoinHandle<()>> = HashMap::new();
        let result = loop {
            tokio::select! {
                biased;
                reply = inbox.next() => match reply {
                    Reply::Accepted => accepted = true,
                    Reply::Stream(data) => {
                        // The stream waits while the client is behind; only a closed session stops it.
                        if cx.stream(&data).await.is_err() && cx.session().is_closed() {
                            break Ok(Outcome::text("Cancelled"));
                        }
                    }
                    Reply::Ask(ask) => {
                        let nr = ask.nr;
                        asks.insert(nr, tokio::spawn(self.clone().ask_client(call.to_owned(), inbox.executor(), ask, cx.clone())));
                    }
                    Reply::Withdrawn(nrs) => {
                        for nr in nrs {
                            if let Some(ask) = asks.remove(&nr) {
                                ask.abort();
                            }
                        }
                    }
                    Reply::Response(answer) => break outcome(answer),
                    Reply::Failed(why) => break Err(CommandError::new(format!("Error: command '{command}' failed: {why}"))),
                },
                () = cx.cancelled(), if accepted && !cancel_sent => {
                    cancel_sent = true;
                    self.tell_executor(inbox.executor(), call, kind::CANCEL, &()).await;
                }
                () = tokio::time::sleep_until(accept_by), if !accepted => {
                    break Err(CommandError::new(format!("Error: no node took command '{command}' within {:?}", self.config.accept_timeout)));
                }
            }
        };
        asks.values().for_each(JoinHandle::abort);
        result
    }

    /// Asks the caller's client what the executing node wants to know, and sends the answer.
    async fn ask_client(self: Arc<Self>, call: String, executor: Option<String>, ask: Ask, cx: CommandContext) {
        let answer = match cx.ask(&ask.command, &ask.data).await {
            Ok(response) => {
                Answer { nr: Some(ask.nr), status: response.status, result: response.result, data: response.data }
            }
            Err(CallError::Failed { response, .. }) => {
                Answer { nr: Some(ask.nr), status: response.status, result: response.result, data: response.data }
            }
            Err(other) => {
                Answer { nr: Some(ask.nr), status: Status::Error, result: Some(other.to_string()), data: None }
            }
        };
        self.tell_executor(executor, &call, kind::ANSWER, &answer).await;
    }

    /// Sends something about a forwarded command to the node running it.
    async fn tell_executor<T: serde::Serialize>(&self, executor: Option<String>, call: &str, kind: &str, body: &T) {
        let Some(executor) = executor else { return };
        let body = serde_json::to_vec(body).unwrap_or_default();
        let properties = self.properties(kind).with_correlation_id(ShortString::from(call));
        if let Err(error) = self.publish_raw("", &self.names.node_queue(&executor), &body, properties).await {
            tracing::debug!(%error, kind, "could not reach the node running a forwarded command");
        }
    }
}

/// The response of a forwarded command, as the handler here answers it.
fn outcome(answer: Answer) -> Result<Outcome, CommandError> {
    match answer.status {
        Status::Ok => {
            let mut outcome = Outcome::ok();
            if let Some(result) = answer.result {
                outcome = outcome.with_text(result);
            }
            if let Some(data) = answer.data {
                outcome = outcome.with_payload(data);
            }
            Ok(outcome)
        }
        Status::Error | Status::Timeout => {
            let error = CommandError::new(answer.result.unwrap_or_default());
            Err(match answer.data {
                Some(data) => error.with_data(&data),
                None => error,
            })
        }
    }
}

/// Forgets a forwarded command when its task ends; one dropped before its response (the
/// caller's session went, or the command was abandoned after its cancellation) is cancelled
/// on the node running it.
struct Forwarding {
    node: Arc<Node>,
    call: String,
    inbox: Arc<Inbox>,
    answered: bool,
}

impl Drop for Forwarding {
    fn drop(&mut self) {
        self.node.calls.close(&self.call);
        if !self.answered {
            let (node, call, executor) = (self.node.clone(), self.call.clone(), self.inbox.executor());
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { node.tell_executor(executor, &call, kind::CANCEL, &()).await });
            }
        }
    }
}
