//! The seam through which a server becomes one node of several acting as one: what a
//! cluster (the `osmp-cluster` crate) is given of the server when it joins, and how it
//! leaves. The runtime knows no broker; a cluster reaches the server only through
//! [`ServerRef`]: its event bus (relay and delivery), the sets it serves, the sets served
//! elsewhere ([`ServerRef::set_remote_sets`]) and the running of forwarded commands
//! ([`ServerRef::serve_forwarded`]).

use std::error::Error;
use std::future::Future;
use std::pin::Pin;

use super::ServerRef;

/// Why a server could not join its cluster.
pub type JoinError = Box<dyn Error + Send + Sync>;

/// The future of joining.
pub type Joining = Pin<Box<dyn Future<Output = Result<Box<dyn ClusterNode>, JoinError>> + Send>>;

/// What makes a server a node of a cluster; given to [`ServerBuilder::cluster`].
///
/// [`ServerBuilder::cluster`]: super::ServerBuilder::cluster
pub trait Membership: Send + 'static {
    /// Joins once the server is built, before it accepts connections: connects, announces
    /// the server's sets, starts relaying events. Failing fails the server's build.
    fn join(self: Box<Self>, server: ServerRef) -> Joining;
}

/// A server's membership once joined; the server leaves when it shuts down, after its
/// sessions have ended.
pub trait ClusterNode: Send + Sync + 'static {
    /// Stops serving for the cluster and leaves it (other nodes forget this one at once
    /// rather than after missed heartbeats).
    fn leave(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}
