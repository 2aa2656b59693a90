//! The types every part of the Raft layer shares: node ids, members, commands and openraft's
//! type configuration.

use std::fmt;
use std::io::Cursor;

use serde::{Deserialize, Serialize};

use super::runtime::RillRuntime;

/// A node's id within every group. The server derives it from its server name, so it is the
/// same in every group the server belongs to.
pub type NodeId = u64;

/// What the membership records about a node: the server name, which is also how the transport
/// addresses it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Member {
    /// The server name (the transport's address of the node).
    pub server: String,
}

impl Member {
    /// A member named `server`.
    pub fn new(server: impl Into<String>) -> Self {
        Self {
            server: server.into(),
        }
    }
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.server)
    }
}

/// The payload of one log entry: commands proposed to a group (opaque bytes the group's
/// [`Machine`](super::Machine) understands), batched so that concurrent proposals share
/// one entry, one fsync and one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command(pub Vec<Vec<u8>>);

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the payload: logs must not carry message contents.
        write!(f, "commands({})", self.0.len())
    }
}

/// What applying an entry returned: the machine's bytes, one per command.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response(pub Vec<Vec<u8>>);

openraft::declare_raft_types!(
    /// openraft's type configuration for every Rill group.
    pub TypeConfig:
        D = Command,
        R = Response,
        NodeId = NodeId,
        Node = Member,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = RillRuntime,
);

/// One openraft instance of a group.
pub type Raft = openraft::Raft<TypeConfig>;
/// A log entry's id: the term of the leader that proposed it, and its index.
pub type LogId = openraft::LogId<NodeId>;
/// A node's vote (term, candidate, committed).
pub type Vote = openraft::Vote<NodeId>;
/// A log entry.
pub type Entry = openraft::Entry<TypeConfig>;
/// A membership configuration and the log id it was written at.
pub type StoredMembership = openraft::StoredMembership<NodeId, Member>;
/// Metadata of a snapshot (last log id included, membership, id).
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, Member>;
/// openraft's storage error for this configuration.
pub type StorageError = openraft::StorageError<NodeId>;

/// A position in a group's log: index and the term of the entry there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Log index (the first entry has index 1 in a group made by `initialize`).
    pub index: u64,
    /// Term of the entry at `index`.
    pub term: u64,
}

impl From<&LogId> for Position {
    fn from(id: &LogId) -> Self {
        Self {
            index: id.index,
            term: id.leader_id.term,
        }
    }
}

/// One committed command handed to the machine, in log order. Commands proposed together
/// share a log entry: `(index, batch_pos)` identifies a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Log index of the entry holding the command.
    pub index: u64,
    /// Position of the command within its entry (0 for the first).
    pub batch_pos: u32,
    /// Term of the leader that proposed it.
    pub term: u64,
    /// The command bytes as proposed.
    pub command: Vec<u8>,
}
