//! Errors at the Raft layer's boundaries: the machine, the transport, the log store, the
//! group handle and proposals.

use std::io;

use super::types::NodeId;

/// A state machine could not do what the layer asked. Any of these stops the group on this
/// node (the machine's state is no longer known to match the log).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MachineError {
    /// Reading or writing the machine's files failed.
    #[error("machine i/o: {0}")]
    Io(#[from] io::Error),
    /// The machine's durable state or an imported snapshot is not valid.
    #[error("machine state corrupt: {0}")]
    Corrupt(String),
    /// Anything else the machine reports.
    #[error("machine error: {0}")]
    Other(String),
}

/// A remote procedure call did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The node is not reachable (no route, not running, partitioned).
    #[error("node {0} unreachable")]
    Unreachable(NodeId),
    /// No answer in time.
    #[error("no reply from node {0} in time")]
    Timeout(NodeId),
    /// The remote side answered with an error (it does not know the group, could not decode).
    #[error("remote error: {0}")]
    Remote(String),
}

/// Why a group's log on disk cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// A file operation failed.
    #[error("raft log i/o ({context}): {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error from the file system.
        source: io::Error,
    },
    /// A record inside the log is damaged (not a torn tail: the bytes after it are not zero).
    #[error("raft log corrupt in {file} at offset {offset}: {reason}")]
    Corrupt {
        /// Segment file name.
        file: String,
        /// Byte offset of the bad record.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// An earlier write or sync failed; the log refuses further writes (its on-disk state is
    /// unknown, so the node must stop serving this group).
    #[error("raft log is poisoned by an earlier i/o failure")]
    Poisoned,
}

impl LogError {
    /// An i/o error with what was being done.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// A proposal was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProposeError {
    /// This node is not the leader; propose to `leader` (if known). A proposal that was in
    /// flight when leadership moved may still be committed by the new leader: callers that
    /// retry must make commands idempotent (JetStream does, by sequence and message id).
    #[error("not the leader (leader: {})", leader.map_or("unknown".to_string(), |l| l.to_string()))]
    NotLeader {
        /// The leader's node id, when known.
        leader: Option<NodeId>,
        /// The leader's server name, when known.
        server: Option<String>,
    },
    /// The command is larger than `command_bytes_max`.
    #[error("command of {bytes} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size of the command.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The group stopped on this node (shut down, or a storage or machine failure).
    #[error("raft group stopped: {0}")]
    Fatal(String),
}

/// An operation on a group or the registry failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RaftLayerError {
    /// No group of that name runs on this node.
    #[error("unknown raft group {0:?}")]
    UnknownGroup(String),
    /// A group of that name already runs on this node.
    #[error("raft group {0:?} is already open")]
    GroupExists(String),
    /// A request or reply could not be decoded.
    #[error("malformed raft message: {0}")]
    Malformed(String),
    /// The group configuration is invalid.
    #[error("invalid raft config: {0}")]
    Config(String),
    /// The group's log on disk is unusable.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The state machine failed.
    #[error(transparent)]
    Machine(#[from] MachineError),
    /// The machine's checkpoint is older than the start of the log: entries between them were
    /// purged, so the machine cannot be brought up to date from this node's disk.
    #[error("machine checkpoint at {checkpoint:?} is behind the log, purged up to {purged}")]
    CheckpointBehindLog {
        /// The machine's durable applied index (None: empty machine).
        checkpoint: Option<u64>,
        /// Last index purged from the log.
        purged: u64,
    },
    /// This node is not the leader.
    #[error("not the leader (leader: {leader:?})")]
    NotLeader {
        /// The leader's node id, when known.
        leader: Option<NodeId>,
    },
    /// Leadership cannot move: no other voter.
    #[error("no other voter to take over leadership")]
    NoOtherVoter,
    /// A membership change or leadership transfer did not finish in time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// openraft refused or failed the operation.
    #[error("raft: {0}")]
    Raft(String),
}
