//! What this server knows of the meta group, published for monitoring and the API.

use rill_core::jetstream::api::PeerInfo;

/// The meta group as this server sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaView {
    /// The cluster's name.
    pub cluster: String,
    /// The leader's server name, when one is known.
    pub leader: Option<String>,
    /// This server leads.
    pub is_leader: bool,
    /// The other members (with health as the leader sees it).
    pub replicas: Vec<PeerInfo>,
    /// Voters, this server included.
    pub size: usize,
}
