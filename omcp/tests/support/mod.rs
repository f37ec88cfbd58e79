//! What the broker tests share: the broker's URL, a check that it is there, unique module
//! names, clean-up.
#![allow(dead_code)] // each test binary uses a part

use std::future::Future;
use std::time::Duration;

use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};

/// `OMCP_AMQP_URL`, or a RabbitMQ on this machine.
pub fn url() -> String {
    std::env::var("OMCP_AMQP_URL").unwrap_or_else(|_| omcp::broker::DEFAULT_URL.to_owned())
}

/// Fails the test with what to do when no broker answers.
pub async fn require_broker() {
    let url = url();
    let connected =
        tokio::time::timeout(Duration::from_secs(10), Connection::connect(&url, ConnectionProperties::default())).await;
    match connected {
        Ok(Ok(connection)) => {
            let _ = connection.close(200, "checked".into()).await;
        }
        Ok(Err(error)) => panic!(
            "no RabbitMQ at {url} ({error}): start one with `scripts/rabbitmq.sh` (or point OMCP_AMQP_URL at one); \
             `scripts/test` starts it before the tests"
        ),
        Err(_) => panic!(
            "RabbitMQ at {url} did not answer within 10 s: start one with `scripts/rabbitmq.sh` (or point \
             OMCP_AMQP_URL at one); `scripts/test` starts it before the tests"
        ),
    }
}

/// A module name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// Deletes the durable queues and exchanges a test declared.
pub async fn delete(queues: &[&str], exchanges: &[&str]) {
    let Ok(connection) = Connection::connect(&url(), ConnectionProperties::default()).await else { return };
    if let Ok(channel) = connection.create_channel().await {
        for queue in queues {
            let _ = channel.queue_delete((*queue).into(), QueueDeleteOptions::default()).await;
        }
        for exchange in exchanges {
            let _ = channel.exchange_delete((*exchange).into(), ExchangeDeleteOptions::default()).await;
        }
    }
    let _ = connection.close(200, "cleaned".into()).await;
}

/// Runs a future, failing the test if it takes longer than `seconds`.
pub async fn within<T>(seconds: u64, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(seconds), future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {seconds} s"),
    }
}

/// Logs of the library when `RUST_LOG` asks for them.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
