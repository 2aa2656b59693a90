//! `StreamConfig` and its parts, with nats-server's JSON names and `omitempty` rules.
//!
//! Reading is lenient like nats-server's non-strict mode: unknown fields are ignored and
//! `null` reads as the zero value; enum strings are strict (an unknown value is invalid
//! JSON, 10025). Defaults and validation live in `stream_check`.

use super::time::{Nanos, Timestamp};
use super::wire::{is_default, is_false, nullable, wire_enum};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// How messages are retained (`retention`).
    pub enum RetentionPolicy {
        /// Until a limit (messages, bytes, age) removes them.
        #[default]
        Limits = "limits",
        /// Until every consumer interested in them has acknowledged them.
        Interest = "interest",
        /// Until one consumer has acknowledged them.
        WorkQueue = "workqueue",
    }
}

wire_enum! {
    /// What happens when a limit is reached (`discard`); read case-insensitively, as
    /// nats-server does.
    pub enum DiscardPolicy {
        /// Remove the oldest messages.
        #[default]
        Old = "old",
        /// Refuse the new message.
        New = "new",
    }
    ignore_case = true
}

wire_enum! {
    /// Where messages are stored (`storage`).
    pub enum StorageType {
        /// Files (the default).
        #[default]
        File = "file",
        /// Memory only.
        Memory = "memory",
    }
}

wire_enum! {
    /// Stored-message compression (`compression`).
    pub enum Compression {
        /// No compression (also read from `""`).
        #[default]
        None = "none" | "",
        /// S2 compression.
        S2 = "s2",
    }
}

wire_enum! {
    /// Persistence mode (`persist_mode`, nats-server 2.12+).
    pub enum PersistMode {
        /// Acknowledge once stored (omitted from JSON).
        #[default]
        Default = "default" | "",
        /// Acknowledge before the write is flushed.
        Async = "async",
    }
}

/// Placement of a clustered stream (`placement`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// Cluster to place in.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub cluster: String,
    /// Server tags required.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tags: Vec<String>,
    /// Preferred leader (refused in stream configs).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub preferred: String,
}

/// A subject mapping `{"src","dest"}` (stream input transform, source transforms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransform {
    /// Source pattern.
    #[serde(deserialize_with = "nullable")]
    pub src: String,
    /// Destination pattern.
    #[serde(deserialize_with = "nullable")]
    pub dest: String,
}

/// Republishing of stored messages (`republish`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RePublish {
    /// Which stored subjects to republish (empty means all, `>`).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub src: String,
    /// Where to republish.
    #[serde(deserialize_with = "nullable")]
    pub dest: String,
    /// Republish headers only (with `Nats-Msg-Size`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub headers_only: bool,
}

/// Defaults and caps for this stream's consumers (`consumer_limits`, written `{}` when unset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerLimits {
    /// Default and cap for consumers' `inactive_threshold` (ns).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub inactive_threshold: Nanos,
    /// Default and cap for consumers' `max_ack_pending`.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_ack_pending: i64,
}

/// Access to a stream in another account or domain (`external`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalStream {
    /// API prefix of the other JetStream (e.g. `$JS.hub.API`).
    #[serde(deserialize_with = "nullable")]
    pub api: String,
    /// Delivery prefix.
    #[serde(deserialize_with = "nullable")]
    pub deliver: String,
}

/// A durable consumer used for sourcing (`consumer` of a source, nats-server 2.14+).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConsumerSource {
    /// Consumer name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    /// Its deliver subject.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub deliver_subject: String,
}

/// A mirror or source of a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSource {
    /// Name of the stream to copy from.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Start at this sequence.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub opt_start_seq: u64,
    /// Start at this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<Timestamp>,
    /// Only subjects matching this.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub filter_subject: String,
    /// Filters with transforms (exclusive with `filter_subject`).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subject_transforms: Vec<SubjectTransform>,
    /// Where the stream lives, when not in this account/domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// A pre-created durable consumer to source through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<StreamConsumerSource>,
}

/// A stream's configuration (`config` of stream create/update/info).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// Stream name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Free text, ≤ 4 KiB.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub description: String,
    /// Subjects captured; defaults to `[name]`.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subjects: Vec<String>,
    /// Retention policy.
    pub retention: RetentionPolicy,
    /// Consumers allowed (-1 unlimited).
    #[serde(deserialize_with = "nullable")]
    pub max_consumers: i64,
    /// Messages kept (-1 unlimited).
    #[serde(deserialize_with = "nullable")]
    pub max_msgs: i64,
    /// Bytes kept (-1 unlimited).
    #[serde(deserialize_with = "nullable")]
    pub max_bytes: i64,
    /// Oldest message age kept, ns (0 unlimited).
    #[serde(deserialize_with = "nullable")]
    pub max_age: Nanos,
    /// Messages kept per subject (-1 unlimited).
    #[serde(deserialize_with = "nullable")]
    pub max_msgs_per_subject: i64,
    /// Largest message accepted (-1 unlimited).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_msg_size: i32,
    /// Discard policy.
    pub discard: DiscardPolicy,
    /// Storage type.
    pub storage: StorageType,
    /// Replicas (1 on a single server).
    #[serde(deserialize_with = "nullable")]
    pub num_replicas: i64,
    /// Do not acknowledge publishes.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub no_ack: bool,
    /// `Nats-Msg-Id` deduplication window, ns.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub duplicate_window: Nanos,
    /// Cluster placement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// Mirror of another stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    /// Streams sourced into this one.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub sources: Vec<StreamSource>,
    /// Stored-message compression.
    pub compression: Compression,
    /// First sequence of a new stream.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub first_seq: u64,
    /// Transform applied to incoming subjects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    /// Republish after storing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub republish: Option<RePublish>,
    /// Serve `$JS.API.DIRECT.GET`.
    #[serde(deserialize_with = "nullable")]
    pub allow_direct: bool,
    /// Serve direct gets of the mirrored stream.
    #[serde(deserialize_with = "nullable")]
    pub mirror_direct: bool,
    /// Discard new per subject (needs discard new and `max_msgs_per_subject`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub discard_new_per_subject: bool,
    /// No messages in or out, config frozen.
    #[serde(deserialize_with = "nullable")]
    pub sealed: bool,
    /// Refuse message deletes.
    #[serde(deserialize_with = "nullable")]
    pub deny_delete: bool,
    /// Refuse purges.
    #[serde(deserialize_with = "nullable")]
    pub deny_purge: bool,
    /// Honour `Nats-Rollup`.
    #[serde(deserialize_with = "nullable")]
    pub allow_rollup_hdrs: bool,
    /// Consumer defaults and caps.
    #[serde(deserialize_with = "nullable")]
    pub consumer_limits: ConsumerLimits,
    /// Honour `Nats-TTL`.
    #[serde(deserialize_with = "nullable")]
    pub allow_msg_ttl: bool,
    /// TTL of subject delete markers, ns (≥ 1 s).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub subject_delete_marker_ttl: Nanos,
    /// Counter stream (`Nats-Incr`).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub allow_msg_counter: bool,
    /// Atomic batch publish.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub allow_atomic: bool,
    /// Message schedules.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub allow_msg_schedules: bool,
    /// Persistence mode.
    #[serde(skip_serializing_if = "is_default")]
    pub persist_mode: PersistMode,
    /// Fast batch publish.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub allow_batched: bool,
    /// User metadata (≤ 128 KiB of keys and values).
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub metadata: BTreeMap<String, String>,
}

/// Body of `STREAM.CREATE`/`STREAM.UPDATE`: the config plus the request-scoped `pedantic`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamConfigRequest {
    /// The configuration.
    #[serde(flatten)]
    pub config: StreamConfig,
    /// Refuse silent default fixups (10157) instead of applying them.
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "nullable"
    )]
    pub pedantic: bool,
}

/// Metadata key nats-server fills with its version in responses.
pub const METADATA_SERVER_VERSION: &str = "_nats.ver";
/// Metadata key nats-server fills with its API level in responses.
pub const METADATA_SERVER_LEVEL: &str = "_nats.level";
/// Metadata key nats-server sets to the API level the config's features need.
pub const METADATA_REQUIRED_LEVEL: &str = "_nats.req.level";

/// Adds the keys nats-server puts into `metadata` of responses (server version, API level).
pub fn set_dynamic_metadata(metadata: &mut BTreeMap<String, String>, version: &str, level: u32) {
    metadata.insert(METADATA_SERVER_VERSION.into(), version.into());
    metadata.insert(METADATA_SERVER_LEVEL.into(), alloc::format!("{level}"));
}

/// Removes the keys [`set_dynamic_metadata`] adds (before comparing or storing configs).
pub fn strip_dynamic_metadata(metadata: &mut BTreeMap<String, String>) {
    metadata.remove(METADATA_SERVER_VERSION);
    metadata.remove(METADATA_SERVER_LEVEL);
}
