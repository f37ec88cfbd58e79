//! The baseline and jsonrpsee over `wss://`: a tokio-rustls acceptor in front of each, with the configuration of `crate::tls`.
//!
//! osmp needs nothing here: given a TLS identity, its own accept loop does the handshake.
//! Each TLS handshake runs on the connection's own task, as osmp's does, so that a slow
//! handshake holds up no other connection.

use super::{accept_each, baseline_connection, jsonrpsee_config, jsonrpsee_methods};
use crate::tls::Identity;

/// The baseline behind TLS: the same connection code as over `ws://`.
pub async fn baseline(bind: &str) -> Result<(), String> {
    let acceptor = Identity::for_server()?.acceptor()?;
    accept_each(bind, |stream| {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            if let Ok(stream) = acceptor.accept(stream).await {
                baseline_connection(stream).await;
            }
        });
    })
    .await
}

/// jsonrpsee behind TLS. Its `Server` listens on TCP only, but it exports what that server
/// is made of: `to_service_builder` gives the tower service it runs on each connection
/// (with the same configuration, connection limit and methods) and `serve` drives that
/// service over any stream, here a TLS one. This is the accept loop of `Server::start`
/// (`process_connection` in jsonrpsee-server 0.26) with a TLS handshake added; what it
/// leaves out (HTTP/2 keep-alive settings, graceful shutdown) a WebSocket client never
/// meets.
pub async fn jsonrpsee(bind: &str) -> Result<(), String> {
    use jsonrpsee::server::{serve, stop_channel, Methods, Server};
    let acceptor = Identity::for_server()?.acceptor()?;
    let methods: Methods = jsonrpsee_methods()?.into();
    let services = Server::builder().set_config(jsonrpsee_config()).to_service_builder();
    // Held until the process exits: dropping the handle would stop every session.
    let (stop, _handle) = stop_channel();
    accept_each(bind, |stream| {
        let acceptor = acceptor.clone();
        // One service per connection, as `Server::start` makes one: it numbers the
        // connection and shares the connection limit.
        let service = services.clone().build(methods.clone(), stop.clone());
        tokio::spawn(async move {
            if let Ok(stream) = acceptor.accept(stream).await {
                let _ = serve(stream, service).await;
            }
        });
    })
    .await
}
