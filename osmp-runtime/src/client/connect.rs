//! Opening a connection: the transport's connect, then waiting for the server's
//! `session-initiated` event.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::handler::ClientHandler;
use super::{ClientShared, Connection};
use crate::session::{self, Session, SessionSetup, SessionShared};
use crate::transport::connect::{connect, Connected};
use crate::transport::ClientError;

/// Connects and starts a session; completes once the server has initiated it.
pub(crate) async fn open(client: &Arc<ClientShared>) -> Result<Connection, ClientError> {
    let timeout = client.connect_timeout;
    let connected = connect(client.target(), client.tls.as_ref(), &client.limits, timeout).await?;
    start_session(client, connected).await
}

async fn start_session(client: &Arc<ClientShared>, connected: Connected) -> Result<Connection, ClientError> {
    let timeout = client.connect_timeout;
    let Connected { reader, writer, peer } = connected;
    let (initiated_tx, initiated) = oneshot::channel();
    let handler = Arc::new(ClientHandler {
        handlers: client.handlers.clone(),
        client: Arc::downgrade(client),
        initiated: Mutex::new(Some(initiated_tx)),
    });
    let mut setup = SessionSetup::new(peer, client.session_config.clone(), client.limits.clone());
    setup.account = Some(reader.account().clone());
    let session = SessionShared::new(setup);
    tokio::spawn(session::run(Session(session.clone()), handler, reader, writer, client.shutdown.child_token()));

    match tokio::time::timeout(timeout, initiated).await {
        Ok(Ok(info)) => Ok(Connection { session, info }),
        Ok(Err(_)) => Err(ClientError::Closed { reason: session.close_reason() }),
        Err(_) => {
            session.end("no session-initiated event");
            Err(ClientError::NotOsmp(format!("the server sent no session-initiated event within {timeout:?}")))
        }
    }
}
