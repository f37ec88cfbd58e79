//! Ctrl-C (SIGINT) as a stream of events, so that a running command can be cancelled
//! instead of the process being killed.
//!
//! The handler is installed once, at start-up, before connecting: from then on SIGINT no
//! longer terminates the process, and every use site decides what it means (quit while
//! connecting, cancel during a command, quit at a non-interactive shell's next line).

use tokio::sync::mpsc;

/// Received Ctrl-Cs. Must be created inside the runtime.
pub struct Interrupts {
    received: mpsc::UnboundedReceiver<()>,
}

impl Interrupts {
    pub fn install() -> std::io::Result<Interrupts> {
        let (tx, received) = mpsc::unbounded_channel();
        #[cfg(unix)]
        {
            let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
            tokio::spawn(async move {
                while signal.recv().await.is_some() {
                    if tx.send(()).is_err() {
                        break;
                    }
                }
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if tx.send(()).is_err() {
                    break;
                }
            }
        });
        Ok(Interrupts { received })
    }

    /// The next Ctrl-C (one that arrived earlier and was not taken counts).
    pub async fn next(&mut self) {
        if self.received.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }

    /// Forgets Ctrl-Cs that arrived while nothing was running.
    pub fn clear(&mut self) {
        while self.received.try_recv().is_ok() {}
    }
}
