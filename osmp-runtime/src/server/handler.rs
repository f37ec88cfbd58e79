//! How a server runs the commands its clients send: through the registry.

use std::sync::Arc;

use crate::events::EventBus;
use crate::instruction::{CommandContext, CommandError, CommandFuture, Params, Registry};
use crate::session::{IncomingCommand, PeerHandler, Session};

pub(crate) struct ServerHandler {
    pub(crate) registry: Arc<Registry>,
    pub(crate) events: EventBus,
}

impl PeerHandler for ServerHandler {
    fn dispatch(&self, session: &Session, command: IncomingCommand) -> CommandFuture {
        let Some(found) = self.registry.resolve(&command.id) else {
            return ready(Err(CommandError::command_not_found(&command.id)));
        };
        let params = match Params::from_data(command.data.as_ref()) {
            Ok(params) => params,
            Err(error) => return ready(Err(error)),
        };
        let cx = CommandContext::new(
            session.clone(),
            command.nr,
            Arc::from(&*found.schema().name),
            command.token,
            self.registry.clone(),
            self.events.clone(),
        );
        found.set().call(found.index(), params, cx)
    }
}

fn ready(result: Result<crate::instruction::Outcome, CommandError>) -> CommandFuture {
    Box::pin(std::future::ready(result))
}
