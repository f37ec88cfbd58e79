//! From a connection ready for a session to a running session: the `session-initiated`
//! greeting, the event bus, then the engine.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::{FutureExt, Sink, Stream};
use tracing::Instrument;

use super::ServerShared;
use crate::auth::Authenticator;
use crate::session::{self, Identity, Session, SessionConfig, SessionSetup, SessionShared};
use crate::transport::accept::Upgraded;
use crate::transport::budget::Account;
use crate::transport::{CloseReason, Frame};
use crate::wire::{EventItem, Payload, Timestamp};

/// Runs the session of a connection the transport upgraded; its slot is given back when
/// the session ends.
///
/// Not an `async fn`, and neither is [`run_session`]: an async function keeps its
/// arguments in its future beside the future it awaits, so every layer between the
/// connection's task and the engine would hold its own copy of the transport's halves for
/// the whole session. Set up here, the returned future holds the engine's and little else.
pub(super) fn serve_upgraded(shared: Arc<ServerShared>, upgraded: Upgraded) -> impl Future<Output = ()> + Send {
    let Upgraded { reader, writer, peer, slot } = upgraded;
    let account = Some(reader.account().clone());
    // `map`, not an `async` block awaiting it: awaiting a captured future moves it into a
    // second slot of the block's own future, which would double the session's task.
    run_session(&shared, reader, writer, Some(peer), account).map(move |_reason| drop(slot))
}

/// Runs one session of the server over any transport: greets the peer, attaches the
/// session to the event bus and runs the engine until the session ends. The future
/// resolves to why it ended.
pub(super) fn run_session<R, W>(
    shared: &ServerShared,
    reader: R,
    writer: W,
    peer: Option<SocketAddr>,
    account: Option<Arc<Account>>,
) -> impl Future<Output = String> + Send + 'static
where
    R: Stream<Item = Result<Frame, CloseReason>> + Send + 'static,
    W: Sink<Frame> + Send + Unpin + 'static,
    W::Error: std::fmt::Display,
{
    let setup = SessionSetup {
        peer,
        config: shared.session_config.clone(),
        limits: shared.limits.clone(),
        account,
        server_commands: Some(shared.commands.clone()),
    };
    let session = SessionShared::new(setup);
    let span = tracing::info_span!("session", id = %session.id);
    let attached = span.in_scope(|| {
        tracing::info!("session started");
        let attached = shared.events.attach(&session);
        send_session_initiated(&session, shared.auth.as_deref());
        attached
    });
    let handler = Arc::new(shared.handler.for_session());
    let engine = session::run(Session(session), handler, reader, writer, shared.shutdown.child_token());
    engine
        .map(move |reason| {
            drop(attached);
            tracing::info!(%reason, "session ended");
            reason
        })
        .instrument(span)
}

/// Runs the commands forwarded from a session elsewhere (see `ServerRef::serve_forwarded`):
/// no greeting, no event bus, logged in as the caller.
pub(super) async fn run_forwarded<R, W>(
    shared: &ServerShared,
    identity: Option<Identity>,
    reader: R,
    writer: W,
) -> String
where
    R: Stream<Item = Result<Frame, CloseReason>> + Send,
    W: Sink<Frame> + Send + Unpin + 'static,
    W::Error: std::fmt::Display,
{
    // The caller's own session pings its peer and sends its keep-alive; this one talks to
    // a relay, which must not be taken for a dead peer however long a command runs.
    let config = SessionConfig { ping_interval: None, keepalive_interval: None, ..(*shared.session_config).clone() };
    let setup = SessionSetup {
        peer: None,
        config: Arc::new(config),
        limits: shared.limits.clone(),
        account: None,
        server_commands: Some(shared.commands.clone()),
    };
    let session = Session(SessionShared::new(setup));
    session.set_user(identity);
    let span = tracing::debug_span!("forwarded", id = %session.id());
    let handler = Arc::new(shared.handler.for_session());
    session::run(session, handler, reader, writer, shared.shutdown.child_token()).instrument(span).await
}

/// The first message of every session; with authentication it carries the server's
/// public key, which clients encrypt their password answers with.
fn send_session_initiated(session: &SessionShared, auth: Option<&Authenticator>) {
    let mut data = serde_json::json!({
        "protocol": "Open System Management Protocol",
        "version": 1,
        "date-time": Timestamp::now(),
    });
    if let Some(auth) = auth {
        data["public-key"] = auth.public_key_xml().into();
    }
    let item = EventItem { event: "session-initiated".to_owned(), data: Some(Payload::from_value(&data)) };
    let _ = session.outbound.push_protocol_event(item);
}
