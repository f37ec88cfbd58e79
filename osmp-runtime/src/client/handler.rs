//! How a client runs the commands its server sends (login challenges, confirmations) and
//! where the server's events go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::{ClientShared, SessionInfo};
use crate::instruction::{CommandError, CommandFuture, Params};
use crate::session::{IncomingCommand, PeerHandler, Session};
use crate::sync::lock;
use crate::wire::{EventItem, Nr, Payload};

/// A command the server sent to the client.
#[derive(Debug)]
pub struct PeerCommand {
    nr: Nr,
    command: String,
    data: Option<Payload>,
    token: CancellationToken,
}

impl PeerCommand {
    /// The command's `nr`.
    pub fn nr(&self) -> Nr {
        self.nr
    }

    /// The command name.
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The raw parameters.
    pub fn data(&self) -> Option<&Payload> {
        self.data.as_ref()
    }

    /// The parameters, to take apart by name.
    pub fn params(&self) -> Result<Params, CommandError> {
        Params::from_data(self.data.as_ref())
    }

    /// Decodes the parameters as one struct.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, CommandError> {
        self.params()?.into_struct()
    }

    /// Whether the server cancelled the command.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes when the server cancels the command.
    pub async fn cancelled(&self) {
        self.token.cancelled().await
    }
}

/// A handler for one server-to-client command.
pub(crate) type CommandHandler = Arc<dyn Fn(PeerCommand) -> CommandFuture + Send + Sync>;

/// The client side of one connection.
pub(crate) struct ClientHandler {
    pub(crate) handlers: Arc<HashMap<String, CommandHandler>>,
    pub(crate) client: std::sync::Weak<ClientShared>,
    /// Resolved by the `session-initiated` event.
    pub(crate) initiated: Mutex<Option<oneshot::Sender<SessionInfo>>>,
}

impl PeerHandler for ClientHandler {
    type Future = CommandFuture;

    fn dispatch(&self, _session: &Session, command: IncomingCommand) -> CommandFuture {
        let command =
            PeerCommand { nr: command.nr, command: command.id.to_owned(), data: command.data, token: command.token };
        // Login challenges are answered by the client itself.
        if let Some(answer) = self.client.upgrade().and_then(|client| client.answer_challenge(&command)) {
            return answer;
        }
        let Some(handler) = self.handlers.get(&command.command.to_ascii_lowercase()) else {
            tracing::warn!(command = %command.command, "the server sent a command this client has no handler for");
            return Box::pin(std::future::ready(Err(CommandError::command_not_found(&command.command))));
        };
        handler(command)
    }

    fn on_event(&self, _session: &Session, event: EventItem) {
        match event.event.as_str() {
            "session-initiated" => {
                let info = SessionInfo::from_data(event.data.as_ref());
                if let Some(waiting) = lock(&self.initiated).take() {
                    let _ = waiting.send(info);
                }
            }
            "error" => {
                let description = event.data.as_ref().map(|data| data.to_value()["description"].to_string());
                tracing::warn!(description = description.as_deref().unwrap_or(""), "the server reported an error");
                self.route(&event);
            }
            _ => self.route(&event),
        }
    }
}

impl ClientHandler {
    fn route(&self, event: &EventItem) {
        if let Some(client) = self.client.upgrade() {
            client.router.route(event);
        }
    }
}
