//! The command-line flags of the example servers, defined once: `examples/server.rs` and
//! `examples/pa_system` include this file with `#[path]` and `#[command(flatten)]` it into
//! their own arguments, so both accept the same flags and print the same lines.
//!
//! ```text
//! --bind ADDR                 address to listen on (127.0.0.1:9000)
//! --no-tls                    plain ws://
//! --cert FILE --key FILE      your certificate (else a self-signed one is generated)
//! --require-auth              logins required
//! --user NAME:PASSWORD        an account with a password (repeatable)
//! --user-key NAME:KEYFILE     an account with a public key (repeatable)
//! --grant NAME:ROLES          roles of an account (repeatable)
//! --rsa-key FILE              the RSA key announced for password login
//! --cluster AMQP_URL          join the cluster meeting at this RabbitMQ (feature `cluster`)
//! --node-name NAME            this node's name in the cluster
//! --files DIR                 offer download-part, upload-part and find-files inside DIR
//! --console                   serve the web console at https://ADDR/ (http:// with --no-tls)
//! --allow-origin ORIGIN       let browser pages of ORIGIN open sessions (repeatable)
//! ```

use std::path::PathBuf;

use osmp::auth::{read_private_key, read_public_key, Users};
use osmp::prelude::*;

/// Whether the server's log lines (on stderr) get ANSI colours: on a terminal only, so that
/// a log written to a file or piped stays plain text; `NO_COLOR` turns them off everywhere.
pub fn log_in_colour() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// How a server listens and who may log in.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    bind: String,
    /// Serve plain ws:// (no encryption). Only for trusted networks.
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    no_tls: bool,
    /// PEM certificate chain (with --key); without both, a self-signed certificate is generated.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key (with --cert).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Require a login before any command but `login`.
    #[arg(long)]
    require_auth: bool,
    /// An account that logs in with a password: NAME:PASSWORD (repeatable).
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    users: Vec<String>,
    /// An account that logs in with a key: NAME:KEYFILE, the public key as .NET XML or PEM (repeatable).
    #[arg(long = "user-key", value_name = "NAME:KEYFILE")]
    user_keys: Vec<String>,
    /// Roles (permissions) of an account: NAME:ROLE[,ROLE…] (repeatable); `*` grants all.
    #[arg(long = "grant", value_name = "NAME:ROLES")]
    grants: Vec<String>,
    /// The RSA key announced for password login (PEM or .NET XML); generated when omitted.
    #[arg(long, value_name = "FILE")]
    rsa_key: Option<PathBuf>,
    /// Offer the file commands (download-part, upload-part, find-files), confined to this folder.
    /// With accounts, they need the roles files.read (download, find) and files.write (upload).
    #[arg(long, value_name = "DIR")]
    files: Option<PathBuf>,
    /// Join the cluster whose nodes meet at this RabbitMQ broker (amqp://user:password@host:port/vhost):
    /// clients of any node use every node's commands and hear every node's events. Needs the
    /// cargo feature `cluster`.
    #[arg(long, value_name = "AMQP_URL")]
    cluster: Option<String>,
    /// This node's name in the cluster (for people and logs).
    #[arg(long, value_name = "NAME", default_value = "osmp", requires = "cluster")]
    node_name: String,
    /// Serve the web console at / on the same port (open https://ADDR/ in a browser).
    #[arg(long)]
    console: bool,
    /// Let browser pages of this origin (scheme://host[:port]) open sessions, besides the
    /// server's own pages (repeatable).
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
}

impl ServerArgs {
    /// A server builder listening, encrypting and logging users in as the flags say; add
    /// instruction sets to it and build.
    pub fn builder(&self) -> Result<ServerBuilder, Box<dyn std::error::Error>> {
        let mut builder = Server::builder().bind(&self.bind).console(self.console);
        for origin in &self.allowed_origins {
            builder = builder.allow_origin(origin);
        }
        builder = match (&self.cert, &self.key, self.no_tls) {
            (Some(cert), Some(key), _) => builder.tls(ServerTls::from_pem_files(cert, key)?),
            (_, _, true) => builder.no_tls(),
            _ => builder.self_signed(),
        };
        if let Some(users) = self.users()? {
            builder = builder.users(users);
        }
        if self.require_auth {
            builder = builder.require_auth();
        }
        if let Some(file) = &self.rsa_key {
            builder = builder.rsa_key(read_private_key(file)?);
        }
        if let Some(root) = &self.files {
            builder = builder.files(root);
        }
        if let Some(url) = &self.cluster {
            builder = join(builder, url, &self.node_name)?;
        }
        Ok(builder)
    }

    /// Prints what clients need: the fingerprint of a generated certificate, where the
    /// console is, then the line tools wait for, `listening on wss://…/osmp/v1`.
    pub fn announce(&self, server: &Server) {
        if let (Some(fingerprint), None) = (server.fingerprint(), &self.cert) {
            println!("self-signed certificate, SHA-256 fingerprint {fingerprint}");
        }
        if let Some(root) = &self.files {
            println!("serving files from {}", root.display());
        }
        if let Some(console) = server.console_url() {
            println!("console on {console}");
        }
        println!("listening on {}", server.url());
    }

    /// The accounts given on the command line, if any.
    fn users(&self) -> Result<Option<Users>, Box<dyn std::error::Error>> {
        if self.users.is_empty() && self.user_keys.is_empty() {
            return Ok(None);
        }
        let mut users = Users::new();
        for entry in &self.users {
            let (name, password) = split(entry, "--user NAME:PASSWORD")?;
            users.add_password(name, password)?;
        }
        for entry in &self.user_keys {
            let (name, file) = split(entry, "--user-key NAME:KEYFILE")?;
            users.add_public_key(name, read_public_key(file)?);
        }
        for entry in &self.grants {
            let (name, roles) = split(entry, "--grant NAME:ROLE[,ROLE…]")?;
            users.grant(name, roles.split(',').map(str::trim).filter(|role| !role.is_empty()));
        }
        Ok(Some(users))
    }
}

/// Makes the server a node of the cluster at `url`.
#[cfg(feature = "cluster")]
fn join(builder: ServerBuilder, url: &str, name: &str) -> Result<ServerBuilder, Box<dyn std::error::Error>> {
    Ok(builder.cluster(osmp::cluster::Cluster::rabbitmq(url).node_name(name)))
}

#[cfg(not(feature = "cluster"))]
fn join(_: ServerBuilder, _: &str, _: &str) -> Result<ServerBuilder, Box<dyn std::error::Error>> {
    Err("--cluster needs the cargo feature `cluster`: cargo run --features cluster --example …".into())
}

/// `NAME:VALUE`, split at the first colon.
fn split<'a>(entry: &'a str, form: &str) -> Result<(&'a str, &'a str), String> {
    entry.split_once(':').filter(|(name, _)| !name.is_empty()).ok_or_else(|| format!("expected {form}, got '{entry}'"))
}
