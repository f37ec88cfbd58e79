//! Publishing: with publisher confirms (routed, returned or refused) or without, and the
//! errors that tell a lost connection from a broker's refusal.

use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Confirmation, ErrorKind};
use tracing::debug;

/// Why an operation on the broker failed.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The connection (or the channel) is gone: what was sent may or may not have reached
    /// the broker. The link reconnects by itself.
    #[error("the connection to the broker is lost")]
    ConnectionLost,
    /// The broker failed the operation (a refused declaration, a missing exchange, access
    /// refused); the connection is still there.
    #[error("broker error: {0}")]
    Failed(#[source] lapin::Error),
    /// The broker refused the message (a publisher `nack`).
    #[error("the broker refused the message")]
    Nacked,
}

impl From<lapin::Error> for BrokerError {
    /// An error on a connection or channel that is gone (I/O, a connection-level error, a
    /// closed channel, no heartbeat) is [`ConnectionLost`](BrokerError::ConnectionLost);
    /// any other is the broker's [`Failed`](BrokerError::Failed).
    fn from(error: lapin::Error) -> BrokerError {
        let gone = matches!(
            error.kind(),
            ErrorKind::InvalidChannelState(..)
                | ErrorKind::InvalidConnectionState(_)
                | ErrorKind::InvalidChannel(_)
                | ErrorKind::MissingHeartbeatError
        );
        if gone || error.is_io_error() || error.is_amqp_hard_error() {
            debug!(%error, "operation on a lost connection");
            BrokerError::ConnectionLost
        } else {
            BrokerError::Failed(error)
        }
    }
}

/// Where a confirmed message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// The broker took it (routed to at least one queue when `mandatory`).
    Routed,
    /// Returned by the broker: no queue matched (`mandatory` messages only).
    Unroutable,
}

/// Publishes and waits for the broker's confirmation, on a channel in confirm mode
/// ([`Channel::confirm_select`]); on a channel without, it returns
/// [`Published::Routed`] once sent. A `mandatory` message that no queue takes is
/// [`Published::Unroutable`].
///
/// ```no_run
/// # async fn demo(channel: lapin::Channel) -> Result<(), osmp_broker::BrokerError> {
/// use lapin::BasicProperties;
/// use osmp_broker::{publish_confirmed, Published};
///
/// let properties = BasicProperties::default().with_delivery_mode(2);
/// match publish_confirmed(&channel, "", "osiris.sensornet", true, b"...", properties).await? {
///     Published::Routed => {}
///     Published::Unroutable => eprintln!("no queue osiris.sensornet"),
/// }
/// # Ok(()) }
/// ```
pub async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    mandatory: bool,
    payload: &[u8],
    properties: BasicProperties,
) -> Result<Published, BrokerError> {
    let options = BasicPublishOptions { mandatory, ..BasicPublishOptions::default() };
    let confirm = channel.basic_publish(exchange.into(), routing_key.into(), options, payload, properties).await?;
    match confirm.await? {
        Confirmation::Ack(None) | Confirmation::NotRequested => Ok(Published::Routed),
        Confirmation::Ack(Some(_)) => Ok(Published::Unroutable),
        Confirmation::Nack(_) => Err(BrokerError::Nacked),
    }
}

/// Publishes without waiting for a confirmation, not mandatory: at most once, for events and
/// responses whose loss the receiver tolerates. An error means it was not sent.
pub async fn publish(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    payload: &[u8],
    properties: BasicProperties,
) -> Result<(), BrokerError> {
    channel
        .basic_publish(exchange.into(), routing_key.into(), BasicPublishOptions::default(), payload, properties)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use lapin::types::ChannelId;
    use lapin::{ChannelState, ConnectionState};

    use super::*;

    #[test]
    fn lost_connections_are_told_from_broker_failures() {
        let closed: lapin::Error = ErrorKind::InvalidChannelState(ChannelState::Closed, "basic.publish").into();
        assert!(matches!(BrokerError::from(closed), BrokerError::ConnectionLost));
        let gone: lapin::Error = ErrorKind::InvalidConnectionState(ConnectionState::Closed).into();
        assert!(matches!(BrokerError::from(gone), BrokerError::ConnectionLost));
        let io: lapin::Error = ErrorKind::IOError(Arc::new(std::io::ErrorKind::ConnectionReset.into())).into();
        assert!(matches!(BrokerError::from(io), BrokerError::ConnectionLost));
        let channel: lapin::Error = ErrorKind::InvalidChannel(ChannelId::from(3u16)).into();
        assert!(matches!(BrokerError::from(channel), BrokerError::ConnectionLost));
        let full: lapin::Error = ErrorKind::ChannelsLimitReached.into();
        assert!(matches!(BrokerError::from(full), BrokerError::Failed(_)));
    }
}
