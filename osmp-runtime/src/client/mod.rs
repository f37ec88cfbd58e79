//! The OSMP client: connects to any OSMP server, calls its commands, follows their streams,
//! cancels them, subscribes to events and answers the server's own commands.
//!
//! ```no_run
//! # extern crate osmp_runtime as osmp;
//! use osmp::client::Client;
//! use osmp::transport::tls::Fingerprint;
//!
//! # async fn demo(fingerprint: Fingerprint) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder("wss://127.0.0.1:9000/osmp/v1").fingerprint(fingerprint).connect().await?;
//! let echo = client.call("echo", &serde_json::json!({"token": "hi"})).await?;
//! assert_eq!(echo.data.unwrap().get(), r#"{"token":"hi"}"#);
//! # Ok(()) }
//! ```

mod builder;
mod call;
mod connect;
mod handler;
mod login;
mod subscription;
mod transfer;
mod typed;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

pub use builder::{ClientBuilder, ReconnectPolicy};
pub use call::Call;
pub use handler::PeerCommand;
pub use subscription::Subscription;
pub use transfer::{FileTransfer, TransferError, TransferProgress, TransferSummary};
pub use typed::{decode_response, keep_response, DecodeResponse, EventDecodeError, TypedCall, TypedSubscription};

use crate::limits::Limits;
use crate::session::{into_result, params_payload, CallError, OutgoingCall, SessionConfig, SessionShared};
use crate::transport::connect::Target;
use crate::transport::tls::ClientTls;
use crate::transport::ClientError;
use crate::wire::{format_timespan, CancelTarget, Nr, Payload, Response, Timestamp};
use handler::CommandHandler;
use subscription::EventRouter;

/// What the server announced in `session-initiated`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    /// The protocol name (`Open System Management Protocol`).
    pub protocol: String,
    /// The protocol version (1).
    pub version: u64,
    /// The server's time when the session started.
    pub date_time: Option<Timestamp>,
    /// The server's RSA public key (`<RSAKeyValue>…`), used by password login.
    pub public_key: Option<String>,
}

impl SessionInfo {
    fn from_data(data: Option<&Payload>) -> SessionInfo {
        let value = data.map(Payload::to_value).unwrap_or_default();
        let text = |key: &str| value.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
        SessionInfo {
            protocol: text("protocol").unwrap_or_default(),
            version: value.get("version").and_then(serde_json::Value::as_u64).unwrap_or(0),
            date_time: text("date-time").and_then(|text| text.parse().ok()),
            public_key: text("public-key"),
        }
    }
}

/// One live connection.
pub(crate) struct Connection {
    pub(crate) session: Arc<SessionShared>,
    pub(crate) info: SessionInfo,
}

/// What survives reconnects: configuration, handlers, subscriptions.
pub(crate) struct ClientShared {
    /// Where to connect: the URL given first, then the alternatives, tried in turn when
    /// reconnecting.
    pub(crate) targets: Vec<Target>,
    /// The target of the current (or last) connection.
    pub(crate) current_target: std::sync::atomic::AtomicUsize,
    pub(crate) tls: Option<ClientTls>,
    pub(crate) session_config: Arc<SessionConfig>,
    pub(crate) limits: Arc<Limits>,
    pub(crate) connect_timeout: Duration,
    pub(crate) handlers: Arc<HashMap<String, CommandHandler>>,
    pub(crate) router: EventRouter,
    reconnect: Option<ReconnectPolicy>,
    connection: RwLock<Option<Arc<Connection>>>,
    /// Serializes logins: the challenge handlers answer from the one in progress.
    login_lock: tokio::sync::Mutex<()>,
    /// The secret of the login in progress.
    pending_login: std::sync::Mutex<Option<login::Secret>>,
    /// The last successful login, repeated after a reconnect.
    credentials: std::sync::Mutex<Option<login::Credentials>>,
    /// Cancelled when the client is closed or dropped.
    pub(crate) shutdown: CancellationToken,
    /// Cancelled when the client is gone for good (closed, or disconnected without reconnect).
    finished: CancellationToken,
}

impl ClientShared {
    /// The target of the current (or last) connection.
    pub(crate) fn target(&self) -> &Target {
        let index = self.current_target.load(std::sync::atomic::Ordering::Relaxed);
        &self.targets[index % self.targets.len()]
    }

    /// Moves on to the next target, for the next attempt.
    fn next_target(&self) {
        if self.targets.len() > 1 {
            self.current_target.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn connection(&self) -> Option<Arc<Connection>> {
        self.connection.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn set_connection(&self, connection: Option<Arc<Connection>>) {
        *self.connection.write().unwrap_or_else(std::sync::PoisonError::into_inner) = connection;
    }

    fn session(&self) -> Result<Arc<SessionShared>, CallError> {
        match self.connection() {
            Some(connection) if !connection.session.ended.is_cancelled() => Ok(connection.session.clone()),
            Some(connection) => Err(CallError::Closed { reason: connection.session.close_reason() }),
            None => Err(CallError::Closed { reason: "not connected".to_owned() }),
        }
    }

    fn start(&self, command: &str, data: Option<Payload>, with_stream: bool) -> Result<OutgoingCall, CallError> {
        let session = self.session()?;
        let timeout = Some(session.limits.commands.call_timeout);
        OutgoingCall::start(&session, command, data, timeout, with_stream)
    }

    async fn call(&self, command: &str, data: Option<Payload>) -> Result<Response, CallError> {
        into_result(command, self.start(command, data, false)?.response().await?)
    }

    /// Ends the server-side subscription of an event whose last local subscription was
    /// dropped, without waiting. Server-side subscriptions are per event, and `*` stands
    /// for every event, so what other local subscriptions still want is kept: a dropped
    /// named subscription is kept while a `*` one lives, and a dropped `*` subscription
    /// ends only the events no named subscription wants.
    fn unsubscribe_in_background(self: &Arc<Self>, event: &str) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let client = self.clone();
        let event = event.to_owned();
        runtime.spawn(async move {
            let result = if event.trim() == "*" {
                client.unsubscribe_unwanted().await
            } else if client.router.wants(&event) {
                Ok(())
            } else {
                client.unsubscribe(&event).await
            };
            if let Err(error) = result {
                tracing::debug!(%error, "event-unsubscribe failed");
            }
        });
    }

    async fn unsubscribe(&self, event: &str) -> Result<(), CallError> {
        let data = Payload::from_value(&serde_json::json!({ "event": event }));
        self.call("event-unsubscribe", Some(data)).await.map(drop)
    }

    /// After the last `*` subscription: unsubscribes every event no local subscriber wants.
    async fn unsubscribe_unwanted(&self) -> Result<(), CallError> {
        if self.router.events().is_empty() {
            return self.unsubscribe("*").await;
        }
        let list = self.call("event-list", None).await?;
        let data = list.data.as_ref().map(Payload::to_value).unwrap_or_default();
        let events = data["events"].as_array().cloned().unwrap_or_default();
        for entry in events {
            let Some(name) = entry["event-name"].as_str() else {
                continue;
            };
            if !entry["subscribed-until"].is_null() && !self.router.wants(name) {
                self.unsubscribe(name).await?;
            }
        }
        Ok(())
    }

    /// Subscribes every locally subscribed event again on a new connection.
    async fn resubscribe(&self) {
        for (event, until) in self.router.deadlines() {
            let mut data = serde_json::json!({ "event": event });
            if let Some(until) = until {
                // What is left of a limited subscription; an ended one is not renewed.
                let left = until.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    continue;
                }
                data["timeout"] = format_timespan(left).into();
            }
            let data = Payload::from_value(&data);
            if let Err(error) = self.call("event-subscribe", Some(data)).await {
                tracing::warn!(%event, %error, "could not subscribe again after reconnecting");
            }
        }
    }
}

/// Keeps the connection: waits for it to end, then reconnects if asked to.
async fn supervise(client: Arc<ClientShared>) {
    loop {
        let Some(connection) = client.connection() else {
            break;
        };
        connection.session.ended.cancelled().await;
        let reason = connection.session.close_reason();
        let Some(policy) = client.reconnect.clone().filter(|_| !client.shutdown.is_cancelled()) else {
            tracing::debug!(%reason, "connection ended");
            break;
        };
        tracing::warn!(%reason, "connection lost; reconnecting");
        if !reconnect(&client, &policy).await {
            break;
        }
        client.relogin().await;
        client.resubscribe().await;
    }
    client.router.close_all();
    client.finished.cancel();
}

/// Tries to connect again with exponential backoff; false when giving up or closed.
async fn reconnect(client: &Arc<ClientShared>, policy: &ReconnectPolicy) -> bool {
    let mut delay = policy.initial_delay;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        if policy.max_attempts.is_some_and(|max| attempt > max) {
            tracing::warn!(attempts = attempt - 1, "giving up reconnecting");
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = client.shutdown.cancelled() => return false,
        }
        // With alternatives, the server that was lost is the last one tried again.
        client.next_target();
        match connect::open(client).await {
            Ok(connection) => {
                tracing::info!(attempt, "reconnected");
                client.set_connection(Some(Arc::new(connection)));
                return true;
            }
            Err(error) => {
                tracing::debug!(attempt, %error, "reconnect attempt failed");
                delay = (delay * 2).min(policy.max_delay);
            }
        }
    }
}

/// Closes the connection when the last `Client` clone is dropped.
struct ClientInner {
    shared: Arc<ClientShared>,
}

impl Drop for ClientInner {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}

/// A connection to an OSMP server. Cheap to clone; the connection closes when the last
/// clone is dropped or [`close`](Client::close) is called.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

impl Client {
    /// Starts configuring a client for a `wss://host:port/osmp/v1` URL.
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url)
    }

    /// Connects with the default settings (TLS verified against the system's roots).
    pub async fn connect(url: impl Into<String>) -> Result<Client, ClientError> {
        ClientBuilder::new(url).connect().await
    }

    fn shared(&self) -> &Arc<ClientShared> {
        &self.inner.shared
    }

    /// What the server announced for the current connection.
    pub fn session_info(&self) -> Option<SessionInfo> {
        self.shared().connection().map(|connection| connection.info.clone())
    }

    /// Whether a connection is up.
    pub fn is_connected(&self) -> bool {
        self.shared().session().is_ok()
    }

    /// Calls a command and waits for its response. `data` is any serializable value
    /// (`&()` for none). `ERROR` responses become [`CallError::Failed`].
    pub async fn call<T: Serialize + ?Sized>(&self, command: &str, data: &T) -> Result<Response, CallError> {
        self.shared().call(command, params_payload(command, data)?).await
    }

    /// Calls a command and decodes its response data.
    pub async fn call_as<R: DeserializeOwned, T: Serialize + ?Sized>(
        &self,
        command: &str,
        data: &T,
    ) -> Result<R, CallError> {
        let response = self.call(command, data).await?;
        call::decode_data(command, &response)
    }

    /// Starts a command whose stream messages you want to read (progress, logs), or which
    /// you may want to cancel.
    pub async fn start<T: Serialize + ?Sized>(&self, command: &str, data: &T) -> Result<Call, CallError> {
        Ok(Call::new(self.shared().start(command, params_payload(command, data)?, true)?))
    }

    /// Asks the server to cancel commands by number.
    pub fn cancel(&self, nrs: &[Nr]) -> Result<(), CallError> {
        self.shared().session()?.send_cancel(CancelTarget::Commands(nrs.to_vec()));
        Ok(())
    }

    /// Asks the server to cancel every command of this session.
    pub fn cancel_all(&self) -> Result<(), CallError> {
        self.shared().session()?.send_cancel(CancelTarget::All);
        Ok(())
    }

    /// Subscribes to an event (`*` for all) until the session ends.
    pub async fn subscribe(&self, event: &str) -> Result<Subscription, CallError> {
        self.subscribe_with(&[event], None).await
    }

    /// Subscribes to an event for a limited time.
    pub async fn subscribe_for(&self, event: &str, duration: Duration) -> Result<Subscription, CallError> {
        self.subscribe_with(&[event], Some(duration)).await
    }

    /// Every event that arrives on the session from now on, whoever subscribed it at the
    /// server: a subscription of this client, or an `event-subscribe` command sent with
    /// [`call`](Self::call) (as an interactive shell does). It asks the server for nothing;
    /// dropping it stops the local copy only.
    ///
    /// ```no_run
    /// # extern crate osmp_runtime as osmp;
    /// # async fn demo(client: osmp::client::Client) -> Result<(), osmp::session::CallError> {
    /// let mut received = client.received_events();
    /// client.call("event-subscribe", &serde_json::json!({"event": "*"})).await?;
    /// while let Some(event) = received.next().await {
    ///     println!("{}: {:?}", event.event, event.data);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn received_events(&self) -> Subscription {
        let shared = self.shared();
        let (id, queue) = shared.router.new_subscriber();
        shared.router.add_observer(id, &queue);
        Subscription::observer(id, queue, Arc::downgrade(shared))
    }

    /// Subscribes to several events at once, received through one [`Subscription`] in the
    /// order the server sent them (separate subscriptions each have their own queue, so
    /// reading them side by side can reorder events that came together).
    ///
    /// ```no_run
    /// # extern crate osmp_runtime as osmp;
    /// # async fn demo(client: osmp::client::Client) -> Result<(), osmp::session::CallError> {
    /// let mut changes = client.subscribe_each(&["vcall-status-changed", "vdevice-status-changed"]).await?;
    /// while let Some(event) = changes.next().await {
    ///     println!("{}: {:?}", event.event, event.data);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn subscribe_each<S: AsRef<str>>(&self, events: &[S]) -> Result<Subscription, CallError> {
        let events: Vec<&str> = events.iter().map(AsRef::as_ref).collect();
        self.subscribe_with(&events, None).await
    }

    async fn subscribe_with(&self, events: &[&str], duration: Option<Duration>) -> Result<Subscription, CallError> {
        let shared = self.shared();
        // A deadline too far to represent counts as the whole session.
        let until = duration.and_then(|duration| std::time::Instant::now().checked_add(duration));
        let (id, queue) = shared.router.new_subscriber();
        let mut subscription = Subscription::new(id, queue.clone(), Arc::downgrade(shared));
        for event in events {
            // Registered before asking the server, so that a snapshot event sent right after
            // subscribing is not missed. Should the server refuse, dropping `subscription`
            // undoes the registrations made so far.
            let ask_server = shared.router.add(event, id, &queue, until);
            subscription.registered(event);
            if ask_server {
                let mut data = serde_json::json!({ "event": event });
                if let Some(duration) = duration {
                    data["timeout"] = format_timespan(duration).into();
                }
                shared.call("event-subscribe", Some(Payload::from_value(&data))).await?;
            }
        }
        Ok(subscription)
    }

    /// Logs in with a password (the reference's password authentication): answers
    /// `"Login successful!"`, or fails with the server's `"Login failed!"`. After a
    /// reconnect the client logs in again by itself.
    ///
    /// The password never travels in clear: it is RSA-encrypted for the server's key
    /// together with a single-use token the server sends.
    pub async fn login(&self, user: &str, password: &str) -> Result<Response, CallError> {
        let secret = login::Secret::Password(password.to_owned());
        self.shared().login(login::Credentials { user: user.to_owned(), secret }).await
    }

    /// Logs in with a private key whose public key the server has configured for the user
    /// (the reference's public-key authentication). See [`crate::auth::parse_private_key`]
    /// to read .NET XML or PEM keys.
    pub async fn login_with_key(&self, user: &str, key: &crate::auth::RsaPrivateKey) -> Result<Response, CallError> {
        let secret = login::Secret::Key(Box::new(key.clone()));
        self.shared().login(login::Credentials { user: user.to_owned(), secret }).await
    }

    /// Logs out (and forgets the credentials kept for reconnects).
    pub async fn logout(&self) -> Result<Response, CallError> {
        self.shared().logout().await
    }

    /// The standard instruction set, typed: `client.standard().echo(…)`.
    pub fn standard(&self) -> crate::standard::StandardClient {
        crate::standard::StandardClient::new(self)
    }

    /// Closes the connection gracefully and waits until it has ended.
    pub async fn close(&self) {
        let shared = self.shared();
        if let Some(connection) = shared.connection() {
            connection.session.outbound.close(crate::transport::CloseReason::normal("client closed"));
        }
        shared.shutdown.cancel();
        if let Some(connection) = shared.connection() {
            connection.session.ended.cancelled().await;
        }
        shared.finished.cancelled().await;
    }

    /// Completes when the client has disconnected for good (closed, or lost its connection
    /// and did not or could not reconnect).
    pub async fn closed(&self) {
        self.shared().finished.cancelled().await;
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.shared().target().url)
            .field("connected", &self.is_connected())
            .finish()
    }
}
