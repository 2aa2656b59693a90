//! Per-group settings: timers, snapshot (checkpoint) policy, limits.

use openraft::{Config, SnapshotPolicy};

use super::error::RaftLayerError;
use super::log::SEGMENT_BYTES_MAX_DEFAULT;

/// Settings of a group. The defaults suit loopback and LAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// Leader heartbeat period.
    pub heartbeat_interval_ms: u64,
    /// Shortest election timeout (a follower that hears no leader this long may stand).
    pub election_timeout_ms_min: u64,
    /// Longest election timeout (also the leader lease: votes are refused this long after
    /// hearing a leader).
    pub election_timeout_ms_max: u64,
    /// Checkpoint (and let the log be purged) every this many applied entries; 0: never
    /// automatically.
    pub checkpoint_every_entries: u64,
    /// Entries kept in the log below a checkpoint, so replicas a little behind catch up by
    /// log instead of a snapshot.
    pub entries_kept_after_checkpoint: u64,
    /// Largest chunk of a snapshot in one RPC (keep below the routes' payload limit).
    pub snapshot_chunk_bytes_max: u64,
    /// Most entries in one AppendEntries RPC.
    pub append_entries_max: u64,
    /// Largest RPC request body; an AppendEntries above it is split (keep it at or below
    /// what the transport carries, e.g. the routes' max payload).
    pub rpc_bytes_max: usize,
    /// Largest command accepted by `propose`.
    pub command_bytes_max: usize,
    /// Most commands batched into one log entry.
    pub batch_commands_max: usize,
    /// Batching stops adding commands to an entry past this many bytes.
    pub batch_bytes_max: usize,
    /// Proposals waiting to be batched; `propose` waits when this many are queued.
    pub proposals_pending_max: usize,
    /// Size at which a log segment is sealed.
    pub segment_bytes_max: u64,
    /// A replica not heard from for this long is reported offline.
    pub offline_after_ms: u64,
}

impl Default for GroupConfig {
    fn default() -> Self {
        Self {
            heartbeat_interval_ms: 150,
            election_timeout_ms_min: 1000,
            election_timeout_ms_max: 2000,
            checkpoint_every_entries: 50_000,
            entries_kept_after_checkpoint: 1_000,
            snapshot_chunk_bytes_max: 512 * 1024,
            append_entries_max: 1_000,
            rpc_bytes_max: 4 * 1024 * 1024,
            command_bytes_max: 8 * 1024 * 1024,
            batch_commands_max: 512,
            batch_bytes_max: 256 * 1024,
            proposals_pending_max: 65_536,
            segment_bytes_max: SEGMENT_BYTES_MAX_DEFAULT,
            offline_after_ms: 5_000,
        }
    }
}

impl GroupConfig {
    /// openraft's configuration for group `name`, validated.
    pub(crate) fn to_openraft(&self, name: &str) -> Result<Config, RaftLayerError> {
        let policy = match self.checkpoint_every_entries {
            0 => SnapshotPolicy::Never,
            n => SnapshotPolicy::LogsSinceLast(n),
        };
        let config = Config {
            cluster_name: name.to_string(),
            heartbeat_interval: self.heartbeat_interval_ms,
            election_timeout_min: self.election_timeout_ms_min,
            election_timeout_max: self.election_timeout_ms_max,
            install_snapshot_timeout: self.election_timeout_ms_max.max(1000),
            max_payload_entries: self.append_entries_max,
            snapshot_policy: policy,
            snapshot_max_chunk_size: self.snapshot_chunk_bytes_max,
            max_in_snapshot_log_to_keep: self.entries_kept_after_checkpoint,
            purge_batch_size: 1,
            ..Config::default()
        };
        config
            .validate()
            .map_err(|e| RaftLayerError::Config(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raft_default_config_is_valid_and_heartbeat_below_election() {
        let c = GroupConfig::default();
        let o = c.to_openraft("g").unwrap();
        assert!(o.heartbeat_interval < o.election_timeout_min);
        let bad = GroupConfig {
            election_timeout_ms_min: 10,
            election_timeout_ms_max: 5,
            ..GroupConfig::default()
        };
        assert!(matches!(
            bad.to_openraft("g"),
            Err(RaftLayerError::Config(_))
        ));
    }
}
