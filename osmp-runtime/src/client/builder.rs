//! Configuring a client.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::connect;
use super::handler::{CommandHandler, PeerCommand};
use super::subscription::EventRouter;
use super::{supervise, Client, ClientInner, ClientShared};
use crate::instruction::{CommandError, Outcome};
use crate::limits::Limits;
use crate::session::SessionConfig;
use crate::transport::connect::Target;
use crate::transport::tls::{ClientTls, Fingerprint};
use crate::transport::ClientError;

/// How a client reconnects after losing its connection.
///
/// Calls in flight when the connection drops fail with [`CallError::Closed`]; after the
/// reconnect, every event subscription is renewed and [`Subscription`]s keep delivering
/// (events sent while disconnected are lost).
///
/// [`CallError::Closed`]: crate::session::CallError::Closed
/// [`Subscription`]: super::Subscription
#[derive(Debug, Clone)]
pub struct ReconnectPolicy {
    /// Delay before the first attempt; doubled after each failure.
    pub initial_delay: Duration,
    /// Longest delay between attempts.
    pub max_delay: Duration,
    /// Attempts before giving up; `None` retries forever.
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> ReconnectPolicy {
        ReconnectPolicy {
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_attempts: None,
        }
    }
}

/// Configures and connects a [`Client`].
///
/// `wss://` URLs verify the server against the system's roots unless told otherwise:
/// [`tls`](Self::tls) for a CA file, [`fingerprint`](Self::fingerprint) to pin a
/// certificate, [`insecure`](Self::insecure) to accept anything (development only).
#[must_use]
pub struct ClientBuilder {
    url: String,
    tls: Option<ClientTls>,
    session: SessionConfig,
    limits: Limits,
    call_timeout: Option<Duration>,
    alternatives: Vec<String>,
    connect_timeout: Duration,
    handlers: HashMap<String, CommandHandler>,
    reconnect: Option<ReconnectPolicy>,
}

impl ClientBuilder {
    pub(super) fn new(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            tls: None,
            session: SessionConfig::client(),
            limits: Limits::default(),
            call_timeout: None,
            alternatives: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            handlers: HashMap::new(),
            reconnect: None,
        }
    }

    /// How to verify the server's certificate.
    pub fn tls(mut self, tls: ClientTls) -> ClientBuilder {
        self.tls = Some(tls);
        self
    }

    /// Trusts exactly the server whose certificate has this SHA-256 fingerprint.
    pub fn fingerprint(self, fingerprint: Fingerprint) -> ClientBuilder {
        self.tls(ClientTls::pinned(fingerprint))
    }

    /// Accepts any server certificate. Development only: anyone on the path can
    /// impersonate the server.
    pub fn insecure(self) -> ClientBuilder {
        self.tls(ClientTls::insecure())
    }

    /// How long a call waits for a response, stream message or `session-status`
    /// (default 10 s, as the reference). Shorthand for `limits.commands.call_timeout`,
    /// and it wins over what [`limits`](Self::limits) says, whatever the order.
    pub fn call_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.call_timeout = Some(timeout);
        self
    }

    /// Time allowed for connecting, each handshake, and the server's greeting (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// The session's timers (pings, keep-alive); what it tolerates is [`limits`](Self::limits).
    pub fn session_config(mut self, config: SessionConfig) -> ClientBuilder {
        self.session = config;
        self
    }

    /// Every limit of the client's session: message sizes, outgoing queue, calls, events
    /// (see [`Limits`]; [`call_timeout`](Self::call_timeout) sets one of them).
    pub fn limits(mut self, limits: Limits) -> ClientBuilder {
        self.limits = limits;
        self
    }

    /// Another URL of the same service (another node of a cluster): when reconnecting, the
    /// URLs are tried in turn, starting with the one after the server that was lost.
    /// Repeatable. Without [`reconnect`](Self::reconnect) only the first URL is used.
    pub fn alternative_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.alternatives.push(url.into());
        self
    }

    /// Reconnects automatically after the connection is lost, renewing subscriptions.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> ClientBuilder {
        self.reconnect = Some(policy);
        self
    }

    /// Answers a command the server sends to the client (a server-to-client command).
    /// The handler must not send commands back to the server (the specification forbids
    /// it, to avoid loops).
    ///
    /// ```no_run
    /// # extern crate osmp_runtime as osmp;
    /// # async fn demo() -> Result<(), osmp::transport::ClientError> {
    /// use osmp::client::Client;
    /// use osmp::instruction::Outcome;
    ///
    /// let client = Client::builder("wss://127.0.0.1:9000/osmp/v1")
    ///     .insecure()
    ///     .on_command("confirm", |command| async move {
    ///         println!("server asks: {:?}", command.data());
    ///         Outcome::data(&serde_json::json!({"confirmed": true}))
    ///     })
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_command<F, Fut>(mut self, command: &str, handler: F) -> ClientBuilder
    where
        F: Fn(PeerCommand) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome, CommandError>> + Send + 'static,
    {
        let handler: CommandHandler = Arc::new(move |command| Box::pin(handler(command)));
        self.handlers.insert(command.to_ascii_lowercase(), handler);
        self
    }

    /// Connects and waits for the server's `session-initiated`.
    pub async fn connect(mut self) -> Result<Client, ClientError> {
        if let Some(timeout) = self.call_timeout {
            self.limits.commands.call_timeout = timeout;
        }
        let targets = std::iter::once(&self.url)
            .chain(&self.alternatives)
            .map(|url| Target::parse(url))
            .collect::<Result<Vec<_>, _>>()?;
        let shared = Arc::new(ClientShared {
            targets,
            current_target: Default::default(),
            tls: self.tls,
            session_config: Arc::new(self.session),
            connect_timeout: self.connect_timeout,
            handlers: Arc::new(self.handlers),
            router: EventRouter::new(self.limits.events.subscription_buffer),
            limits: Arc::new(self.limits),
            reconnect: self.reconnect,
            connection: RwLock::new(None),
            login_lock: tokio::sync::Mutex::new(()),
            pending_login: std::sync::Mutex::new(None),
            credentials: std::sync::Mutex::new(None),
            shutdown: CancellationToken::new(),
            finished: CancellationToken::new(),
        });
        let connection = connect::open(&shared).await?;
        shared.set_connection(Some(Arc::new(connection)));
        tokio::spawn(supervise(shared.clone()));
        Ok(Client { inner: Arc::new(ClientInner { shared }) })
    }
}
