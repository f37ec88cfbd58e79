//! Configuring a server.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::cluster::Membership;
use super::handler::ServerHandler;
use super::sets::ServedSets;
use super::{Server, ServerError, ServerRef, ServerShared};
use crate::auth::{generate_key, Authenticator, RsaPrivateKey, Users};
use crate::console::Console;
use crate::events::EventBus;
use crate::instruction::{check_result_shapes, InstructionSet, Tailored};
use crate::limits::Limits;
use crate::session::SessionConfig;
use crate::standard::{FileRoot, StandardServer, StandardSet, FILE_COMMANDS};
use crate::transport::accept::Acceptor;
use crate::transport::http::PlainRoutes;
use crate::transport::origin::{Origin, OriginPolicy};
use crate::transport::tls::ServerTls;

/// How the server secures its connections.
enum TlsMode {
    /// A certificate generated at start-up (development).
    SelfSigned,
    /// A configured identity.
    Identity(ServerTls),
    /// Plain `ws://`, only when explicitly asked.
    Plain,
}

/// Configures and binds a [`Server`].
///
/// The standard instruction set is always registered first; sets added with
/// [`instruction_set`](Self::instruction_set) extend it and may override its commands by
/// version. Without [`tls`](Self::tls) or [`no_tls`](Self::no_tls) the server generates a
/// self-signed certificate at start-up, for development.
#[must_use]
pub struct ServerBuilder {
    bind: String,
    tls: TlsMode,
    sets: Vec<Arc<dyn InstructionSet>>,
    session: SessionConfig,
    limits: Limits,
    users: Option<Users>,
    require_auth: bool,
    rsa_key: Option<RsaPrivateKey>,
    cluster: Option<Box<dyn Membership>>,
    files: Option<PathBuf>,
    console: bool,
    allowed_origins: Vec<String>,
}

impl ServerBuilder {
    pub(super) fn new() -> ServerBuilder {
        ServerBuilder {
            bind: "127.0.0.1:0".to_owned(),
            tls: TlsMode::SelfSigned,
            sets: Vec::new(),
            session: SessionConfig::default(),
            limits: Limits::default(),
            users: None,
            require_auth: false,
            rsa_key: None,
            cluster: None,
            files: None,
            console: false,
            allowed_origins: Vec::new(),
        }
    }

    /// Serves the web console at `/` on the server's own port and TLS (off by default):
    /// a page from which an operator browses the instruction sets, runs commands through
    /// forms made from their schemas, follows progress, cancels, watches events and logs
    /// in. Its files are embedded in the binary; see [`ServerRef::console_url`].
    ///
    /// ```no_run
    /// use osmp_runtime::server::Server;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = Server::builder().bind("127.0.0.1:9000").console(true).build().await?;
    /// println!("console at {}", server.console_url().expect("the console is on"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn console(mut self, enabled: bool) -> ServerBuilder {
        self.console = enabled;
        self
    }

    /// Lets browser pages of this origin (`scheme://host[:port]`, such as
    /// `https://ops.example.com`) open sessions, besides the server's own pages
    /// (repeatable). A browser names the page that opens a WebSocket in its `Origin`
    /// header; upgrades from other origins are refused with `403`, so that a foreign page
    /// in an operator's browser cannot talk to the server (cross-site WebSocket hijacking).
    /// Clients that are not browsers send no `Origin` and are not affected. An invalid
    /// origin makes [`build`](Self::build) fail.
    ///
    /// ```
    /// use osmp_runtime::server::Server;
    ///
    /// let builder = Server::builder().allow_origin("https://ops.example.com").allow_origin("http://localhost:5173");
    /// ```
    pub fn allow_origin(mut self, origin: impl Into<String>) -> ServerBuilder {
        self.allowed_origins.push(origin.into());
        self
    }

    /// The accounts that may log in (password or public key) and their roles. Commands and
    /// events that `require` a permission are only available to users holding it.
    pub fn users(mut self, users: Users) -> ServerBuilder {
        self.users = Some(users);
        self
    }

    /// Requires a login before any command but `login` (the reference's "Authentication
    /// required!"). Needs [`users`](Self::users).
    pub fn require_auth(mut self) -> ServerBuilder {
        self.require_auth = true;
        self
    }

    /// The RSA key announced in `session-initiated` for password login. Without it a
    /// 2048-bit key is generated when the server is built with users.
    pub fn rsa_key(mut self, key: RsaPrivateKey) -> ServerBuilder {
        self.rsa_key = Some(key);
        self
    }

    /// Offers the standard set's file commands (`download-part`, `upload-part`,
    /// `find-files`), confined to the folder `root`. Without it (the default) they are not
    /// registered at all: `help` does not list them and calling one is answered like any
    /// unknown command.
    ///
    /// Every path a client names is resolved beneath `root`: absolute paths, `..` and
    /// symbolic links leading out are refused, only regular files are read, and an upload
    /// replaces its destination atomically when its last part has arrived. On a server with
    /// [`users`](Self::users), `download-part` and `find-files` require the permission
    /// `files.read` and `upload-part` requires `files.write`; without accounts every session
    /// may use them. Transfers are bounded by [`Limits::files`]. `build` fails when `root` is
    /// not a folder.
    ///
    /// ```
    /// use osmp_runtime::server::Server;
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let logs = std::env::temp_dir();
    /// let server = Server::builder().no_tls().files(&logs).build().await.unwrap();
    /// assert!(server.registry().resolve("download-part").is_some());
    /// # });
    /// ```
    pub fn files(mut self, root: impl Into<PathBuf>) -> ServerBuilder {
        self.files = Some(root.into());
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, an ephemeral port on loopback).
    pub fn bind(mut self, addr: impl Into<String>) -> ServerBuilder {
        self.bind = addr.into();
        self
    }

    /// Serves TLS with this identity (see [`ServerTls::from_pem_files`]).
    pub fn tls(mut self, identity: ServerTls) -> ServerBuilder {
        self.tls = TlsMode::Identity(identity);
        self
    }

    /// Serves TLS with a certificate generated at start-up (the default).
    pub fn self_signed(mut self) -> ServerBuilder {
        self.tls = TlsMode::SelfSigned;
        self
    }

    /// Serves plain, unencrypted `ws://`. Only for trusted networks and tests.
    pub fn no_tls(mut self) -> ServerBuilder {
        self.tls = TlsMode::Plain;
        self
    }

    /// Adds an instruction set. Later sets override earlier ones (and the standard set)
    /// command by command: the higher version wins, the later one on equal versions.
    pub fn instruction_set(mut self, set: impl InstructionSet) -> ServerBuilder {
        self.sets.push(Arc::new(set));
        self
    }

    /// Adds a shared instruction set.
    pub fn instruction_set_arc(mut self, set: Arc<dyn InstructionSet>) -> ServerBuilder {
        self.sets.push(set);
        self
    }

    /// The timers of each session (keep-alive, event batching, pings); what a session
    /// tolerates is [`limits`](Self::limits).
    pub fn session_config(mut self, config: SessionConfig) -> ServerBuilder {
        self.session = config;
        self
    }

    /// Every limit the server enforces: sessions, handshakes, message sizes, outgoing
    /// queues, commands, events, logins (see [`Limits`] for each default and why).
    ///
    /// ```
    /// # extern crate osmp_runtime as osmp;
    /// use osmp::limits::Limits;
    /// use osmp::server::Server;
    ///
    /// let mut limits = Limits::default();
    /// limits.connections.max_sessions = 100;
    /// limits.login.per_session = 3;
    /// let builder = Server::builder().limits(limits);
    /// ```
    pub fn limits(mut self, limits: Limits) -> ServerBuilder {
        self.limits = limits;
        self
    }

    /// Makes the server one node of a cluster (see the `osmp-cluster` crate:
    /// `Cluster::rabbitmq(url)`): it joins when built, and leaves when shut down.
    pub fn cluster(mut self, cluster: impl Membership) -> ServerBuilder {
        self.cluster = Some(Box::new(cluster));
        self
    }

    /// Binds the listening socket (and joins the cluster, if one is given).
    ///
    /// Fails, before binding, with [`ServerError::ResultShape`] naming the set and the
    /// command when a command's result schema is not a JSON object (see
    /// [`check_result_shapes`]).
    pub async fn build(mut self) -> Result<Server, ServerError> {
        for set in &self.sets {
            check_result_shapes(set.schema())?;
        }
        let auth = self.authenticator()?;
        let standard = self.standard_set(auth.as_ref())?;
        let origins = self.origin_policy()?;
        let self_signed = matches!(self.tls, TlsMode::SelfSigned);
        let tls = match self.tls {
            TlsMode::SelfSigned => Some(ServerTls::self_signed(self_signed_names(&self.bind))?),
            TlsMode::Identity(identity) => Some(identity),
            TlsMode::Plain => None,
        };
        // The page pins a generated certificate in the command lines it copies; others are
        // verified the usual way.
        let console = self.console.then(|| {
            let fingerprint = tls.as_ref().filter(|_| self_signed).map(ServerTls::fingerprint);
            Arc::new(Console::new(fingerprint.as_ref())) as Arc<dyn PlainRoutes>
        });
        let listener = TcpListener::bind(&self.bind)
            .await
            .map_err(|source| ServerError::Bind { addr: self.bind.clone(), source })?;
        let local_addr =
            listener.local_addr().map_err(|source| ServerError::Bind { addr: self.bind.clone(), source })?;

        let sets = std::iter::once(standard).chain(self.sets);
        let sets = Arc::new(ServedSets::new(sets.collect()));
        let events = EventBus::new(sets.registry().event_names());
        let limits = Arc::new(self.limits);
        let login_required = auth.as_ref().is_some_and(|auth| auth.is_required());
        let shared = ServerShared {
            handler: Arc::new(ServerHandler { sets: sets.clone(), events: events.clone(), auth: auth.clone() }),
            auth,
            sets,
            events,
            session_config: Arc::new(self.session),
            console: console.is_some(),
            acceptor: Arc::new(
                Acceptor::new(tls, limits.clone(), login_required).with_origins(origins).with_routes(console),
            ),
            commands: Arc::default(),
            cluster: std::sync::OnceLock::new(),
            limits,
            shutdown: CancellationToken::new(),
            connections: TaskTracker::new(),
        };
        let server = ServerRef { local_addr, shared: Arc::new(shared) };
        if let Some(cluster) = self.cluster.take() {
            let node = cluster.join(server.clone()).await.map_err(ServerError::Cluster)?;
            let _ = server.shared.cluster.set(node);
        }
        Ok(Server { listener, server })
    }
}

impl ServerBuilder {
    /// The standard set; its file commands only with a root folder, and requiring their
    /// permissions only when there are accounts that can hold them.
    fn standard_set(&self, auth: Option<&Arc<Authenticator>>) -> Result<Arc<dyn InstructionSet>, ServerError> {
        let mut set = StandardSet::new(auth.cloned());
        if let Some(root) = &self.files {
            let opened = FileRoot::open(root, self.limits.files.clone()).map_err(|error| {
                ServerError::Config(format!("cannot serve files from '{}': {error}", root.display()))
            })?;
            set = set.with_files(opened);
        }
        let mut tailored = Tailored::new(Arc::new(StandardServer::new(set)));
        if self.files.is_none() {
            tailored = tailored.without(&FILE_COMMANDS);
        }
        if auth.is_none() {
            tailored = tailored.open_to_all(&FILE_COMMANDS);
        }
        Ok(Arc::new(tailored))
    }

    /// The origins given to [`allow_origin`](Self::allow_origin), checked.
    fn origin_policy(&self) -> Result<OriginPolicy, ServerError> {
        let origins = self.allowed_origins.iter().map(|origin| Origin::parse(origin));
        let origins = origins.collect::<Result<_, _>>().map_err(|error| ServerError::Config(error.to_string()))?;
        Ok(OriginPolicy::new(origins))
    }

    /// Authentication, when accounts are configured.
    fn authenticator(&mut self) -> Result<Option<Arc<Authenticator>>, ServerError> {
        let Some(users) = self.users.take() else {
            if self.require_auth {
                return Err(ServerError::Config("require_auth() needs users() to log in with".to_owned()));
            }
            return Ok(None);
        };
        let key = match self.rsa_key.take() {
            Some(key) => key,
            None => generate_key(2048)
                .map_err(|error| ServerError::Config(format!("cannot generate the RSA key: {error}")))?,
        };
        Ok(Some(Arc::new(Authenticator::new(users, key, self.require_auth, self.limits.login.clone()))))
    }
}

/// The bind host goes into the development certificate besides the loopback names.
fn self_signed_names(bind: &str) -> Vec<String> {
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host {
        "" | "0.0.0.0" | "::" | "localhost" | "127.0.0.1" | "::1" => Vec::new(),
        host => vec![host.to_owned()],
    }
}
