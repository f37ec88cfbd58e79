//! How a server runs the commands its clients send: through the registry.

use std::sync::{Arc, Mutex};

use super::sets::ServedSets;
use crate::auth::Authenticator;
use crate::events::EventBus;
use crate::instruction::{CommandContext, CommandError, CommandFuture, CommandSchema, CommandServices, Params};
use crate::session::{IncomingCommand, PeerHandler, Session};
use crate::sync::lock;

/// What the server's sessions share to run commands.
pub(crate) struct ServerHandler {
    pub(crate) sets: Arc<ServedSets>,
    pub(crate) events: EventBus,
    pub(crate) auth: Option<Arc<Authenticator>>,
}

impl ServerHandler {
    /// The handler of one session.
    pub(crate) fn for_session(self: &Arc<ServerHandler>) -> SessionHandler {
        SessionHandler { server: self.clone(), services: Mutex::new(None) }
    }
}

/// Runs one session's commands, with the services its commands share.
pub(crate) struct SessionHandler {
    server: Arc<ServerHandler>,
    /// The registry version they were taken at, and the services.
    services: Mutex<Option<(u64, Arc<CommandServices>)>>,
}

impl SessionHandler {
    /// The session's services, renewed when the registry has changed since they were taken.
    fn services(&self) -> Arc<CommandServices> {
        let version = self.server.sets.version();
        let mut services = lock(&self.services);
        match &*services {
            Some((taken, current)) if *taken == version => current.clone(),
            _ => {
                let registry = self.server.sets.registry();
                let fresh = Arc::new(CommandServices { registry, events: self.server.events.clone() });
                *services = Some((version, fresh.clone()));
                fresh
            }
        }
    }
}

impl PeerHandler for SessionHandler {
    type Future = CommandFuture;

    fn dispatch(&self, session: &Session, command: IncomingCommand) -> CommandFuture {
        let services = self.services();
        let registry = &services.registry;
        let found = registry.resolve(command.id);
        // Checked before anything else, so an anonymous session learns nothing, not even
        // which commands exist.
        let anonymous = session.user().is_none();
        let may_run_anonymously = found.is_some_and(|found| found.schema().name == "login");
        if anonymous && !may_run_anonymously && self.server.auth.as_ref().is_some_and(|auth| auth.is_required()) {
            return ready(Err(CommandError::authentication_required()));
        }
        let Some(found) = found else {
            return ready(Err(CommandError::command_not_found(command.id)));
        };
        if !session.is_permitted(found.schema().requires.as_deref()) {
            tracing::info!(command = %found.schema().name, user = ?session.user().map(|u| u.name.clone()), "permission denied");
            return ready(Err(CommandError::permission_denied()));
        }
        let params = match Params::from_data(command.data.as_ref()) {
            Ok(params) => params,
            Err(error) => return ready(Err(error)),
        };
        log_unknown_params(found.schema(), &params);
        let name = found.schema().name.clone();
        let cx = CommandContext::with_services(session.clone(), command.nr, name, command.token, services.clone());
        found.set().call(found.index(), params, cx)
    }
}

/// Parameters the command does not declare are ignored, as the specification asks of every
/// peer; a debug line helps whoever wonders why `brigthness=30` changed nothing. Sets that
/// declare no parameters (written by hand, reading `Params` themselves) are not second-guessed.
fn log_unknown_params(schema: &CommandSchema, params: &Params) {
    if schema.params.is_empty() || !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    for name in params.remaining().filter(|name| !schema.params.iter().any(|param| param.name == *name)) {
        tracing::debug!(command = %schema.name, parameter = name, "unknown parameter ignored");
    }
}

fn ready(result: Result<crate::instruction::Outcome, CommandError>) -> CommandFuture {
    Box::pin(std::future::ready(result))
}
