//! `wait [seconds]`: waits until cancelled, or the given number of seconds.

use std::time::Duration;

use crate::instruction::{CommandContext, CommandError, Outcome};

pub(super) async fn run(cx: &CommandContext, seconds: Option<f64>) -> Result<Outcome, CommandError> {
    let duration = match seconds {
        None => None,
        Some(seconds) => Some(Duration::try_from_secs_f64(seconds).map_err(|_| {
            CommandError::invalid_params(format!("parameter 'seconds': {seconds} is not a duration in seconds"))
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
