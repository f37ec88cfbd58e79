//! A peer that speaks AMQP directly and writes and reads packets as text, as the original
//! Java implementation does: it calls modules, serves a module's queue, subscribes to and
//! publishes on message groups.

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, Consumer, ExchangeKind};

use crate::support::{url, within};

/// The date of the original's packets.
pub const DATE: &str = "Thu, 24 Jul 2014 15:40:03 GMT";

/// The packet with its `date` value (checked: RFC 1123 in GMT, within a minute of now)
/// replaced by [`DATE`], so that it compares with a literal.
pub fn dated_now(packet: &str) -> String {
    let mut lines: Vec<String> = packet.split('\n').map(str::to_owned).collect();
    let date = lines.iter_mut().find(|line| line.starts_with("date:")).unwrap_or_else(|| panic!("no date: {packet}"));
    let value = &date["date:".len()..];
    assert!(value.ends_with(" GMT"), "{value}");
    let parsed = omcp::packet::parse_date(value).unwrap_or_else(|| panic!("not RFC 1123: {value}"));
    assert_eq!(omcp::packet::format_date(&parsed), value);
    assert!((chrono::Utc::now() - parsed).num_seconds().abs() < 60, "{value}");
    *date = format!("date:{DATE}");
    lines.join("\n")
}

/// The original's `200 OK` from `module` with a body, its `content-length` in UTF-16 units.
pub fn ok_packet(module: &str, content_type: &str, body: &str) -> String {
    let length = body.encode_utf16().count();
    format!("OMCP/0.1 200 OK\ndate:{DATE}\nmodule:{module}\ncontent-length:{length}\ncontent-type:{content_type}\n\n{body}\n")
}

/// A peer with a channel of its own.
pub struct Peer {
    pub connection: Connection,
    pub channel: Channel,
}

impl Peer {
    pub async fn connect() -> Peer {
        let connection = Connection::connect(&url(), ConnectionProperties::default()).await.unwrap();
        let channel = connection.create_channel().await.unwrap();
        Peer { connection, channel }
    }

    /// Sends `packet` to `queue` as a request and returns the text of the response.
    pub async fn call(&self, queue: &str, packet: &str) -> String {
        let exclusive = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
        let replies = self.channel.queue_declare("".into(), exclusive, FieldTable::default()).await.unwrap();
        let no_ack = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
        let mut consumer =
            self.channel.basic_consume(replies.name().clone(), "".into(), no_ack, FieldTable::default()).await.unwrap();
        let properties =
            BasicProperties::default().with_reply_to(replies.name().clone()).with_correlation_id("java-1".into());
        self.channel
            .basic_publish("".into(), queue.into(), BasicPublishOptions::default(), packet.as_bytes(), properties)
            .await
            .unwrap();
        let reply = within(10, "the response", consumer.next()).await.unwrap().unwrap();
        assert_eq!(reply.properties.correlation_id().as_ref().map(|id| id.as_str()), Some("java-1"));
        String::from_utf8(reply.data).unwrap()
    }

    /// Serves `queue`, declared as the original declares a module's queue.
    pub async fn serve(&self, queue: &str) -> Consumer {
        self.try_serve(queue).await.unwrap()
    }

    /// Declares `queue` as the original declares a module's queue and consumes it as the
    /// original does (without exclusivity), on a channel of its own: a refusal closes only
    /// that channel.
    pub async fn try_serve(&self, queue: &str) -> Result<Consumer, lapin::Error> {
        let channel = self.connection.create_channel().await?;
        let mut arguments = FieldTable::default();
        arguments.insert("x-message-ttl".into(), AMQPValue::LongInt(60_000));
        let durable = QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() };
        channel.queue_declare(queue.into(), durable, arguments).await?;
        channel.basic_consume(queue.into(), "".into(), BasicConsumeOptions::default(), FieldTable::default()).await
    }

    /// How many consumers `queue` has (a passive declaration, on a channel of its own).
    pub async fn consumers(&self, queue: &str) -> u32 {
        let channel = self.connection.create_channel().await.unwrap();
        let passive = QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() };
        let declared = channel.queue_declare(queue.into(), passive, FieldTable::default()).await.unwrap();
        let _ = channel.close(200, "counted".into()).await;
        declared.consumer_count()
    }

    /// Waits until `queue` has `count` consumers (the broker removes those of a closed
    /// connection shortly after it closed).
    pub async fn wait_for_consumers(&self, queue: &str, count: u32) {
        within(10, &format!("{count} consumers of {queue}"), async {
            while self.consumers(queue).await != count {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .await;
    }

    /// Subscribes to a message group as the original does: its topic exchange (`osiris.messagegroup.X`),
    /// a queue of the peer's own bound with `key`, consumed without acknowledgements.
    pub async fn subscribe(&self, exchange: &str, key: &str) -> Consumer {
        let durable = ExchangeDeclareOptions { durable: true, ..ExchangeDeclareOptions::default() };
        self.channel
            .exchange_declare(exchange.into(), ExchangeKind::Topic, durable, FieldTable::default())
            .await
            .unwrap();
        let exclusive = QueueDeclareOptions { exclusive: true, auto_delete: true, ..QueueDeclareOptions::default() };
        let queue = self.channel.queue_declare("".into(), exclusive, FieldTable::default()).await.unwrap();
        let bind = QueueBindOptions::default();
        self.channel
            .queue_bind(queue.name().clone(), exchange.into(), key.into(), bind, FieldTable::default())
            .await
            .unwrap();
        let no_ack = BasicConsumeOptions { no_ack: true, ..BasicConsumeOptions::default() };
        self.channel.basic_consume(queue.name().clone(), "".into(), no_ack, FieldTable::default()).await.unwrap()
    }

    /// Publishes a notification on a message group's exchange with `key`, as the original
    /// does: persistent, without `reply_to`.
    pub async fn publish(&self, exchange: &str, key: &str, packet: &str) {
        let properties = BasicProperties::default().with_delivery_mode(2);
        self.channel
            .basic_publish(exchange.into(), key.into(), BasicPublishOptions::default(), packet.as_bytes(), properties)
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// The next delivery on a subscription: its text and routing key.
    pub async fn receive_routed(consumer: &mut Consumer) -> (String, String) {
        let delivery = within(10, "a group notification", consumer.next()).await.unwrap().unwrap();
        (String::from_utf8(delivery.data.clone()).unwrap(), delivery.routing_key.to_string())
    }

    /// The next delivery on `consumer`: its text, `reply_to`, `correlation_id` and delivery mode.
    pub async fn receive(consumer: &mut Consumer) -> (String, Option<String>, Option<String>, Option<u8>) {
        let delivery = within(10, "a delivery", consumer.next()).await.unwrap().unwrap();
        delivery.ack(BasicAckOptions::default()).await.unwrap();
        let properties = &delivery.properties;
        (
            String::from_utf8(delivery.data.clone()).unwrap(),
            properties.reply_to().as_ref().map(|queue| queue.to_string()),
            properties.correlation_id().as_ref().map(|id| id.to_string()),
            *properties.delivery_mode(),
        )
    }

    /// Takes the next request on `consumer` (with `reply_to` and a correlation id, as every
    /// answered request has), answers it with `response` and returns its text.
    pub async fn answer(&self, consumer: &mut Consumer, response: &str) -> String {
        let (packet, reply_to, correlation_id, _) = Peer::receive(consumer).await;
        let (reply_to, correlation_id) = (reply_to.expect("reply_to"), correlation_id.expect("correlation_id"));
        self.reply(&reply_to, &correlation_id, response).await;
        packet
    }

    pub async fn reply(&self, reply_to: &str, correlation_id: &str, packet: &str) {
        let properties = BasicProperties::default().with_correlation_id(correlation_id.into());
        self.channel
            .basic_publish("".into(), reply_to.into(), BasicPublishOptions::default(), packet.as_bytes(), properties)
            .await
            .unwrap();
    }

    pub async fn close(self) {
        let _ = self.connection.close(200, "done".into()).await;
    }
}
