//! A supervised link to a RabbitMQ broker (AMQP 0-9-1 through lapin): connect, reconnect with
//! backoff, declare the topology again, publish with confirms.
//!
//! The owner of a link (an OMCP client or server, a cluster of OSMP servers) describes what
//! it needs on a connection with a [`Topology`]: its channels, queues, bindings and
//! consumers ([`Topology::declare`]), how it consumes ([`Topology::serve`]), what fails when
//! the connection is lost ([`Topology::lost`]) and its graceful part of a shutdown
//! ([`Topology::shutdown`]). [`Link::open`] connects and declares once, returning the errors
//! of that first connection; its [`Supervisor`] then serves, and after every loss reconnects
//! with exponential backoff ([`Reconnect`]) and declares again from the owner's current
//! state, so a node that reconnects is never deaf to what it bound at run time
//! ([`Link::lock_topology`]).
//!
//! The [`Link`] handle tells whether the link is connected and how many times it has
//! connected, gives the live connection ([`Link::current`], [`Link::live_before`]) and shuts
//! down. [`publish_confirmed`] and [`publish`] send on a channel of it and tell a lost
//! connection from a broker's refusal ([`BrokerError`]).
//!
//! ```no_run
//! # async fn demo(topology: impl osmp_broker::Topology<Channels = lapin::Channel>) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use lapin::BasicProperties;
//! use osmp_broker::{publish_confirmed, Link, LinkConfig, Published};
//!
//! let config = LinkConfig::new("amqp://127.0.0.1:5672/%2f").name("my node");
//! let link = Link::open(config, topology).await?.spawn();
//! let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
//! let live = link.live_before(deadline).await?;
//! let properties = BasicProperties::default().with_delivery_mode(2);
//! if publish_confirmed(live.channels(), "", "inbox", true, b"hello", properties).await? == Published::Unroutable {
//!     eprintln!("no queue `inbox`");
//! }
//! link.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod config;
mod link;
mod publish;
mod topology;

pub use config::{LinkConfig, Reconnect};
pub use link::{Link, Live, OpenError, Supervisor, TopologyGuard, Unavailable};
pub use publish::{publish, publish_confirmed, BrokerError, Published};
pub use topology::{next_delivery, Topology};
