//! The link against a real RabbitMQ (`scripts/rabbitmq.sh` starts one, `OMCP_AMQP_URL`
//! points elsewhere, as for the OMCP tests): a topology with an exclusive queue bound at run time,
//! a forced connection loss after which the queue and its current bindings are declared
//! again, confirms, returned messages, first-connection errors and shutdown.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lapin::options::{
    BasicConsumeOptions, ConfirmSelectOptions, ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer, ExchangeKind};
use osmp_broker::{
    next_delivery, publish, publish_confirmed, Link, LinkConfig, OpenError, Published, Reconnect, Topology, Unavailable,
};
use tokio::sync::mpsc;

fn url() -> String {
    std::env::var("OMCP_AMQP_URL").unwrap_or_else(|_| "amqp://127.0.0.1:5672/%2f".to_owned())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

async fn within<T>(seconds: u64, what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(seconds), future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {seconds} s"),
    }
}

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// An exclusive queue (it dies with its connection, as a reply queue or a node's events
/// queue does) bound to a topic exchange with the keys in `bindings`, consumed into `received`.
struct Probe {
    exchange: String,
    bindings: Mutex<Vec<String>>,
    received: mpsc::UnboundedSender<String>,
    lost: Mutex<Vec<String>>,
    shut_down: Mutex<Option<bool>>,
}

struct ProbeChannels {
    channel: Channel,
    queue: String,
}

impl Topology for Probe {
    type Channels = ProbeChannels;
    type Consumers = Consumer;

    async fn declare(&self, connection: &Connection) -> Result<(ProbeChannels, Consumer), lapin::Error> {
        let channel = connection.create_channel().await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        let options = ExchangeDeclareOptions { auto_delete: false, ..ExchangeDeclareOptions::default() };
        channel
            .exchange_declare(self.exchange.as_str().into(), ExchangeKind::Topic, options, FieldTable::default())
            .await?;
        let options = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
        let queue = channel.queue_declare("".into(), options, FieldTable::default()).await?.name().to_string();
        let bindings = self.bindings.lock().unwrap().clone();
        for key in bindings {
            bind(&channel, &queue, &self.exchange, &key).await?;
        }
        let options = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
        let consumer = channel.basic_consume(queue.as_str().into(), "".into(), options, FieldTable::default()).await?;
        Ok((ProbeChannels { channel, queue }, consumer))
    }

    async fn serve(&self, _channels: Arc<ProbeChannels>, mut consumer: Consumer) -> String {
        loop {
            match next_delivery(&mut consumer).await {
                Ok(delivery) => {
                    let _ = self.received.send(String::from_utf8_lossy(&delivery.data).into_owned());
                }
                Err(reason) => return reason,
            }
        }
    }

    fn lost(&self, reason: &str) {
        self.lost.lock().unwrap().push(reason.to_owned());
    }

    async fn shutdown(&self, channels: Option<&ProbeChannels>) {
        *self.shut_down.lock().unwrap() = Some(channels.is_some());
    }
}

async fn bind(channel: &Channel, queue: &str, exchange: &str, key: &str) -> Result<(), lapin::Error> {
    let (options, arguments) = (QueueBindOptions::default(), FieldTable::default());
    channel.queue_bind(queue.into(), exchange.into(), key.into(), options, arguments).await
}

async fn send(link: &Link<Probe>, key: &str, text: &str) -> Published {
    let live = link.current().expect("connected");
    let exchange = &link.topology().exchange;
    publish_confirmed(&live.channels().channel, exchange, key, true, text.as_bytes(), BasicProperties::default())
        .await
        .unwrap()
}

fn probe(exchange: &str, bindings: &[&str]) -> (Probe, mpsc::UnboundedReceiver<String>) {
    let (received, receiving) = mpsc::unbounded_channel();
    let probe = Probe {
        exchange: exchange.to_owned(),
        bindings: Mutex::new(bindings.iter().map(|key| (*key).to_owned()).collect()),
        received,
        lost: Mutex::new(Vec::new()),
        shut_down: Mutex::new(None),
    };
    (probe, receiving)
}

async fn open(config: LinkConfig, probe: Probe) -> osmp_broker::Supervisor<Probe> {
    let opening = within(20, "the first connection", Link::open(config, probe)).await;
    opening.unwrap_or_else(|error| panic!("no RabbitMQ at {} ({error}): start one with `scripts/rabbitmq.sh`", url()))
}

async fn delete_exchange(exchange: &str) {
    let connection = Connection::connect(&url(), ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel.exchange_delete(exchange.into(), ExchangeDeleteOptions::default()).await.unwrap();
    let _ = connection.close(200, "cleaned".into()).await;
}

#[tokio::test]
async fn declares_again_with_the_current_bindings_after_a_loss() {
    init_logs();
    let exchange = unique("osmp-broker-test");
    let (probe, mut receiving) = probe(&exchange, &["first.*"]);
    let fast = Reconnect { initial_delay: Duration::from_millis(50), max_delay: Duration::from_millis(500) };
    let config = LinkConfig::new(url()).name("osmp-broker link test").reconnect(fast);
    let supervisor = within(20, "the first connection", Link::open(config, probe))
        .await
        .unwrap_or_else(|error| panic!("no RabbitMQ at {} ({error}): start one with `scripts/rabbitmq.sh`", url()));
    let link = supervisor.spawn();
    assert!(link.is_connected());
    assert_eq!((link.connections(), link.current().unwrap().number()), (1, 1));

    // Bound at open, and at run time under the topology lock.
    assert_eq!(send(&link, "first.one", "1").await, Published::Routed);
    assert_eq!(within(10, "the first message", receiving.recv()).await.unwrap(), "1");
    {
        let guard = link.lock_topology().await;
        link.topology().bindings.lock().unwrap().push("later.#".to_owned());
        let live = guard.live().unwrap();
        bind(&live.channels().channel, &live.channels().queue, &exchange, "later.#").await.unwrap();
    }
    assert_eq!(send(&link, "later.a.b", "2").await, Published::Routed);
    assert_eq!(within(10, "the message of the later binding", receiving.recv()).await.unwrap(), "2");
    // Mandatory and bound nowhere: returned.
    assert_eq!(send(&link, "elsewhere", "x").await, Published::Unroutable);

    // The connection goes away: the exclusive queue and its bindings go with it.
    let old = link.current().unwrap();
    old.connection().close(200, "the test drops the connection".into()).await.unwrap();
    within(20, "the reconnection", link.wait_connected(2)).await;
    assert_eq!(link.connections(), 2);
    let live = link.current().unwrap();
    assert_eq!(live.number(), 2);
    assert_ne!(live.channels().queue, old.channels().queue, "a new exclusive queue");
    assert_eq!(link.topology().lost.lock().unwrap().len(), 1, "lost is called once per loss");

    // Both bindings, the one of the start and the one added at run time, are back.
    assert_eq!(send(&link, "first.two", "3").await, Published::Routed);
    assert_eq!(send(&link, "later.c", "4").await, Published::Routed);
    // Without confirms (at most once) through the same channel.
    publish(&live.channels().channel, &exchange, "first.three", b"5", BasicProperties::default()).await.unwrap();
    for expected in ["3", "4", "5"] {
        assert_eq!(within(10, "the messages after the loss", receiving.recv()).await.unwrap(), expected);
    }
    // What the lost connection gives is an error now, not a hang.
    let stale = publish(&old.channels().channel, &exchange, "first.x", b"", BasicProperties::default()).await;
    assert!(matches!(stale, Err(osmp_broker::BrokerError::ConnectionLost)), "{stale:?}");

    within(20, "the shutdown", link.shutdown()).await;
    assert!(!link.is_connected());
    assert_eq!(*link.topology().shut_down.lock().unwrap(), Some(true), "the shutdown hook saw the live channels");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    assert_eq!(link.live_before(deadline).await.unwrap_err(), Unavailable::ShutDown);

    // The exclusive queue went with the connection; the exchange is the test's to delete.
    delete_exchange(&exchange).await;
}

#[tokio::test]
async fn shuts_down_while_reconnecting() {
    init_logs();
    let exchange = unique("osmp-broker-test");
    let (probe, _receiving) = probe(&exchange, &[]);
    // The first attempt comes long after the test is over.
    let slow = Reconnect { initial_delay: Duration::from_secs(600), max_delay: Duration::from_secs(600) };
    let link = open(LinkConfig::new(url()).reconnect(slow), probe).await.spawn();
    link.current().unwrap().connection().close(200, "the test drops the connection".into()).await.unwrap();
    within(10, "the loss noticed", async {
        while link.is_connected() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let soon = tokio::time::Instant::now() + Duration::from_millis(100);
    assert_eq!(link.live_before(soon).await.unwrap_err(), Unavailable::NotConnected);
    within(10, "the shutdown while reconnecting", link.shutdown()).await;
    assert_eq!(link.topology().lost.lock().unwrap().len(), 1);
    assert_eq!(*link.topology().shut_down.lock().unwrap(), Some(false), "no live channels at shutdown");
    assert_eq!((link.connections(), link.is_connected()), (1, false));
    delete_exchange(&exchange).await;
}

/// Whether the queue exists, asked on a connection of its own: a queue exclusive to another
/// connection exists (the broker answers 405 RESOURCE_LOCKED), a deleted one does not (404).
async fn queue_exists(queue: &str) -> bool {
    let connection = Connection::connect(&url(), ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let options = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
    let declared = channel.queue_declare(queue.into(), options, FieldTable::default()).await;
    let _ = connection.close(200, "asked".into()).await;
    match declared {
        Ok(_) => true,
        Err(error) => match error.kind() {
            lapin::ErrorKind::ProtocolError(error) => error.get_id() != 404,
            _ => panic!("passive declaration of {queue}: {error}"),
        },
    }
}

#[tokio::test]
async fn a_supervisor_dropped_unrun_closes_the_connection() {
    init_logs();
    let exchange = unique("osmp-broker-test");
    let (probe, _receiving) = probe(&exchange, &[]);
    let supervisor = open(LinkConfig::new(url()), probe).await;
    let link = supervisor.link().clone();
    let queue = link.current().unwrap().channels().queue.clone();
    assert!(queue_exists(&queue).await);
    drop(supervisor);
    assert!(!link.is_connected());
    within(5, "the shutdown of a stopped link", link.shutdown()).await;
    // The exclusive queue goes when its connection closes.
    within(10, "the connection closed", async {
        while queue_exists(&queue).await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    delete_exchange(&exchange).await;
}

/// Declares a queue passively: the broker refuses when it does not exist.
struct Passive(String);

impl Topology for Passive {
    type Channels = ();
    type Consumers = ();

    async fn declare(&self, connection: &Connection) -> Result<((), ()), lapin::Error> {
        let channel = connection.create_channel().await?;
        let options = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        channel.queue_declare(self.0.as_str().into(), options, FieldTable::default()).await?;
        Ok(((), ()))
    }

    async fn serve(&self, _: Arc<()>, _: ()) -> String {
        std::future::pending().await
    }
}

#[tokio::test]
async fn first_connection_errors_are_returned() {
    init_logs();
    // Nothing listens on port 1.
    let nowhere = LinkConfig::new("amqp://127.0.0.1:1/%2f").connect_timeout(Duration::from_secs(5));
    let failed = within(10, "a connection to nowhere", Link::open(nowhere, Passive(unique("none")))).await;
    assert!(matches!(failed, Err(OpenError::Connect(_))), "{failed:?}");

    let refused =
        within(20, "a refused declaration", Link::open(LinkConfig::new(url()), Passive(unique("none")))).await;
    assert!(matches!(refused, Err(OpenError::Declare(_))), "{refused:?}");
}
