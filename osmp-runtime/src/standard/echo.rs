//! `echo [token]`: returns the token unchanged.

use serde_json::Value;

use crate::instruction::{CommandError, CommandSchema, Outcome, Params};

pub(super) const SCHEMA: CommandSchema = command!(
    "echo",
    [],
    "Returns the given token.",
    "The echo command is mainly for testing. It does nothing other than returning the token if one was given.",
    [param!("token", "A piece of information to be echoed", false)],
    [field!("token", "The token, unchanged")],
);

pub(super) async fn run(mut params: Params) -> Result<Outcome, CommandError> {
    match params.optional::<Value>("token")? {
        Some(token) => Outcome::data(&serde_json::json!({ "token": token })),
        None => Ok(Outcome::ok()),
    }
}
