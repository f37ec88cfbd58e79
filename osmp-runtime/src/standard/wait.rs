//! `wait [seconds]`: waits until cancelled, or the given number of seconds.

use std::time::Duration;

use crate::instruction::{CommandContext, CommandError, CommandSchema, Outcome, Params};

pub(super) const SCHEMA: CommandSchema = command!(
    "wait",
    [],
    "Wait indefinitely (until cancelled) or the given amount of seconds.",
    "The wait command is mainly used for testing. It simply waits indefinitely until cancelled. If you specify the optional parameter seconds it waits so many seconds and returns then.",
    [param!("seconds", "How long to wait, in seconds (may be fractional)", false)],
    [],
);

pub(super) async fn run(mut params: Params, cx: CommandContext) -> Result<Outcome, CommandError> {
    let seconds: Option<f64> = params.optional("seconds")?;
    let duration = match seconds {
        None => None,
        Some(seconds) => Some(Duration::try_from_secs_f64(seconds).map_err(|_| {
            CommandError::invalid_params(format!(
                "parameter 'seconds': {seconds} is not a duration in seconds"
            ))
        })?),
    };
    let elapsed = async {
        match duration {
            Some(duration) => tokio::time::sleep(duration).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = elapsed => Ok(Outcome::ok()),
        () = cx.cancelled() => Ok(Outcome::text("Cancelled")),
    }
}
