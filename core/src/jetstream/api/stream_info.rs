//! `StreamInfo` and what it carries: state, cluster and source information.
//!
//! async-nats requires `config`, `created` and `state` (with `messages`, `bytes`, `first_seq`,
//! `first_ts`, `last_seq`, `last_ts`, `consumer_count`); in peers `name`, `current`,
//! `active`; in source info `name`, `lag`, `active`. Those are always written.

use super::error::ApiError;
use super::stream::{ExternalStream, StreamConfig, SubjectTransform};
use super::time::{Nanos, Timestamp};
use super::wire::{is_default, is_false, nullable};
use crate::jetstream::store::StoreState;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Messages lost to storage damage (`lost` of the state).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostStreamData {
    /// Sequences lost.
    #[serde(deserialize_with = "nullable")]
    pub msgs: Vec<u64>,
    /// Bytes lost.
    pub bytes: u64,
}

/// A stream's contents (`state`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamState {
    /// Messages held.
    pub messages: u64,
    /// Bytes held.
    pub bytes: u64,
    /// First sequence held (0 for a never-written stream, `last_seq + 1` when emptied).
    pub first_seq: u64,
    /// Time of the first message (zero time when empty).
    pub first_ts: Timestamp,
    /// Last sequence assigned.
    pub last_seq: u64,
    /// Time of the last message (zero time when never written).
    pub last_ts: Timestamp,
    /// Distinct subjects held.
    #[serde(skip_serializing_if = "is_default")]
    pub num_subjects: u64,
    /// Messages per subject (only with `subjects_filter`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subjects: Option<BTreeMap<String, u64>>,
    /// Sequences removed between first and last.
    #[serde(skip_serializing_if = "is_default")]
    pub num_deleted: u64,
    /// Those sequences (only with `deleted_details`).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub deleted: Vec<u64>,
    /// Data lost to storage damage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostStreamData>,
    /// Consumers of the stream.
    pub consumer_count: u64,
}

impl StreamState {
    /// The state of a store's summary, with the stream's consumer count.
    pub fn from_store(state: &StoreState, consumer_count: u64) -> StreamState {
        StreamState {
            messages: state.messages,
            bytes: state.bytes,
            first_seq: state.first_seq,
            first_ts: Timestamp(state.first_time),
            last_seq: state.last_seq,
            last_ts: Timestamp(state.last_time),
            num_subjects: state.num_subjects,
            num_deleted: state.num_deleted,
            consumer_count,
            ..StreamState::default()
        }
    }
}

/// One member of a Raft group (`replicas[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    /// Server name.
    pub name: String,
    /// Caught up with the leader.
    pub current: bool,
    /// Considered offline by the group.
    #[serde(skip_serializing_if = "is_false")]
    pub offline: bool,
    /// Nanoseconds since last heard from.
    pub active: Nanos,
    /// Entries behind the leader.
    #[serde(skip_serializing_if = "is_default")]
    pub lag: u64,
    /// Peer id.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub peer: String,
}

/// Who serves a stream or consumer (`cluster`). A single server reports just `leader`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    /// Cluster name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    /// Raft group name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub raft_group: String,
    /// Leader's server name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub leader: String,
    /// Since when the leader leads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_since: Option<Timestamp>,
    /// The asset belongs to the system account.
    #[serde(skip_serializing_if = "is_false")]
    pub system_account: bool,
    /// Account carrying replication traffic.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub traffic_account: String,
    /// The other members.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
}

/// Progress of a mirror or source (`mirror`, `sources[]` of stream info).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSourceInfo {
    /// Source stream name.
    pub name: String,
    /// Where it lives, when external.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// Messages behind.
    pub lag: u64,
    /// Nanoseconds since last contact; -1 when never active.
    pub active: Nanos,
    /// Why sourcing fails, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// Filter in use.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub filter_subject: String,
    /// Transforms in use.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subject_transforms: Vec<SubjectTransform>,
}

/// Another copy of the stream clients may read from (`alternates[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamAlternate {
    /// Stream name.
    pub name: String,
    /// Its domain.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub domain: String,
    /// Its cluster.
    pub cluster: String,
}

/// Config and state of a stream: the body of stream create/update/info responses and the
/// items of `STREAM.LIST`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfo {
    /// The configuration, defaults filled.
    pub config: StreamConfig,
    /// When the stream was created.
    pub created: Timestamp,
    /// Its contents.
    pub state: StreamState,
    /// JetStream domain.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub domain: String,
    /// Who serves it (a single server: `{"leader": <server name>}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// Mirror progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSourceInfo>,
    /// Sources' progress.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub sources: Vec<StreamSourceInfo>,
    /// Other copies.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub alternates: Vec<StreamAlternate>,
    /// When this info was gathered.
    pub ts: Timestamp,
}
