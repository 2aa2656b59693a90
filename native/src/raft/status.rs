//! What a group reports about itself (the cluster section of stream info in nats-server).

use std::time::Duration;

use openraft::ServerState;

use super::network::PeerTracker;
use super::types::{NodeId, Raft};

/// A node's role in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Replicates the log to the others.
    Leader,
    /// Follows a leader (or waits for one).
    Follower,
    /// Standing for election.
    Candidate,
    /// Receives the log but does not vote.
    Learner,
    /// Stopped.
    Shutdown,
}

/// Who leads a group, as seen by this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Leadership {
    /// The term this is about.
    pub term: u64,
    /// The leader, if known.
    pub leader: Option<NodeId>,
    /// Whether this node is the leader.
    pub is_leader: bool,
}

/// One other member of the group, as the leader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaStatus {
    /// Node id.
    pub node: NodeId,
    /// Server name.
    pub server: String,
    /// Votes (false: a learner).
    pub voter: bool,
    /// Last index known replicated there (leader only).
    pub matched: Option<u64>,
    /// Entries it is behind the leader's log (leader only).
    pub lag: Option<u64>,
    /// Caught up with the leader (and not offline).
    pub current: bool,
    /// Not heard from within `offline_after_ms`.
    pub offline: bool,
    /// Time since it last answered an RPC from this node.
    pub last_seen: Option<Duration>,
}

/// The state of a group on this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupStatus {
    /// Group name.
    pub name: String,
    /// This node.
    pub node: NodeId,
    /// Current term.
    pub term: u64,
    /// This node's role.
    pub role: Role,
    /// The leader, if known.
    pub leader: Option<NodeId>,
    /// Index of the last entry in this node's log.
    pub last_log_index: u64,
    /// Index of the last entry applied to the machine.
    pub applied: u64,
    /// The other members.
    pub replicas: Vec<ReplicaStatus>,
}

/// Builds the status from openraft's metrics and the peers' last-seen times.
pub(crate) fn status(
    name: &str,
    raft: &Raft,
    peers: &PeerTracker,
    offline_after: Duration,
) -> GroupStatus {
    let m = raft.metrics().borrow().clone();
    let role = match m.state {
        ServerState::Leader => Role::Leader,
        ServerState::Follower => Role::Follower,
        ServerState::Candidate => Role::Candidate,
        ServerState::Learner => Role::Learner,
        ServerState::Shutdown => Role::Shutdown,
    };
    let last = m.last_log_index.unwrap_or(0);
    let membership = m.membership_config.membership();
    let replicas = membership
        .nodes()
        .filter(|(id, _)| **id != m.id)
        .map(|(id, member)| {
            let matched = m
                .replication
                .as_ref()
                .and_then(|r| r.get(id).cloned())
                .map(|l| l.map_or(0, |l| l.index));
            let last_seen = peers.last_seen(*id);
            let offline = last_seen.is_none_or(|d| d > offline_after);
            let lag = matched.map(|x| last.saturating_sub(x));
            ReplicaStatus {
                node: *id,
                server: member.server.clone(),
                voter: membership.voter_ids().any(|v| v == *id),
                matched,
                lag,
                current: lag == Some(0) && !offline,
                offline,
                last_seen,
            }
        })
        .collect();
    GroupStatus {
        name: name.to_string(),
        node: m.id,
        term: m.current_term,
        role,
        leader: m.current_leader,
        last_log_index: last,
        applied: m.last_applied.map_or(0, |l| l.index),
        replicas,
    }
}
