//! `ConsumerConfig`, `ConsumerInfo` and the consumer create request, with nats-server's JSON
//! names and `omitempty` rules. Defaults and validation live in `consumer_check`.
//!
//! async-nats requires in `ConsumerInfo`: `stream_name`, `name`, `created`, `config` (with
//! `deliver_policy`), `delivered`, `ack_floor`, `num_ack_pending`, `num_redelivered`,
//! `num_waiting`, `num_pending`. Those are always written.

use super::stream_info::ClusterInfo;
use super::time::{Nanos, Timestamp};
use super::wire::{is_default, is_false, nullable, wire_enum};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// Where a consumer starts (`deliver_policy`).
    pub enum DeliverPolicy {
        /// From the first message (also read from `"undefined"`, as nats-server does).
        #[default]
        All = "all" | "undefined",
        /// From the last message.
        Last = "last",
        /// Only messages stored after creation.
        New = "new",
        /// From `opt_start_seq`.
        ByStartSequence = "by_start_sequence",
        /// From the first message at or after `opt_start_time`.
        ByStartTime = "by_start_time",
        /// The last message of every subject, then new ones.
        LastPerSubject = "last_per_subject",
    }
}

wire_enum! {
    /// How deliveries are acknowledged (`ack_policy`; absent means `none`, Go's zero value).
    pub enum AckPolicy {
        /// No acks.
        #[default]
        None = "none",
        /// Acking a message acks every earlier one.
        All = "all",
        /// Every message acked individually.
        Explicit = "explicit",
        /// Acks driven by flow control (server-managed sourcing consumers).
        FlowControl = "flow_control",
    }
}

wire_enum! {
    /// Delivery pace (`replay_policy`).
    pub enum ReplayPolicy {
        /// As fast as possible.
        #[default]
        Instant = "instant",
        /// At the pace the messages were stored.
        Original = "original",
    }
}

wire_enum! {
    /// How pull requests of priority groups are served (`priority_policy`, 2.11+).
    pub enum PriorityPolicy {
        /// No priority groups (omitted from JSON; also read from `""`).
        #[default]
        None = "none" | "",
        /// Serve a request only past its `min_pending`/`min_ack_pending`.
        Overflow = "overflow",
        /// One pinned client gets the messages.
        PinnedClient = "pinned_client",
        /// Lower `priority` values served first.
        Prioritized = "prioritized",
    }
}

/// A consumer's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    /// Durable name (absent: ephemeral).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub durable_name: String,
    /// Consumer name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub name: String,
    /// Free text, ≤ 4 KiB.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub description: String,
    /// Where to start.
    pub deliver_policy: DeliverPolicy,
    /// Start sequence for `by_start_sequence`.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub opt_start_seq: u64,
    /// Start time for `by_start_time`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<Timestamp>,
    /// Ack policy.
    pub ack_policy: AckPolicy,
    /// Redelivery timeout, ns.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub ack_wait: Nanos,
    /// Deliveries per message (-1 unlimited).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_deliver: i64,
    /// Redelivery delays, ns.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub backoff: Vec<Nanos>,
    /// Single subject filter.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub filter_subject: String,
    /// Several subject filters.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub filter_subjects: Vec<String>,
    /// Replay pace.
    pub replay_policy: ReplayPolicy,
    /// Push rate limit, bits per second.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub rate_limit_bps: u64,
    /// Ack sampling, e.g. `"30%"`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub sample_freq: String,
    /// Pull requests queued at most.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_waiting: i64,
    /// Unacknowledged deliveries at most (-1 unlimited).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_ack_pending: i64,
    /// Push flow control.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub flow_control: bool,
    /// Deliver headers only, with `Nats-Msg-Size`.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub headers_only: bool,
    /// Largest pull `batch`.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_batch: i64,
    /// Longest pull `expires`, ns.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_expires: Nanos,
    /// Largest pull `max_bytes`.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_bytes: i64,
    /// Push: where to deliver.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub deliver_subject: String,
    /// Push: queue group.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub deliver_group: String,
    /// Push: idle heartbeat interval, ns.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub idle_heartbeat: Nanos,
    /// Removed after this long without interest, ns.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub inactive_threshold: Nanos,
    /// Replicas (0: the stream's).
    #[serde(deserialize_with = "nullable")]
    pub num_replicas: i64,
    /// Keep state in memory.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub mem_storage: bool,
    /// Internal direct consumer (mirrors and sources).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub direct: bool,
    /// User metadata.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Paused until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<Timestamp>,
    /// Priority group names.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub priority_groups: Vec<String>,
    /// Priority policy.
    #[serde(skip_serializing_if = "is_default")]
    pub priority_policy: PriorityPolicy,
    /// Pin timeout, ns.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub priority_timeout: Nanos,
}

impl ConsumerConfig {
    /// Whether the consumer is durable (has a durable name).
    pub fn is_durable(&self) -> bool {
        !self.durable_name.is_empty()
    }

    /// Whether the consumer is pull-based (no deliver subject).
    pub fn is_pull(&self) -> bool {
        self.deliver_subject.is_empty()
    }

    /// Its subject filters, `filter_subject` and `filter_subjects` together (empty: all).
    pub fn filters(&self) -> Vec<&str> {
        let single = Some(self.filter_subject.as_str()).filter(|f| !f.is_empty());
        single
            .into_iter()
            .chain(self.filter_subjects.iter().map(String::as_str))
            .collect()
    }
}

wire_enum! {
    /// What a create request may do (`action`).
    pub enum ConsumerAction {
        /// Create, or update if it exists (`""`).
        #[default]
        CreateOrUpdate = "",
        /// Create only; an existing different consumer is 10148.
        Create = "create",
        /// Update only; a missing consumer is 10149.
        Update = "update",
    }
}

/// Body of `CONSUMER.CREATE.*` and `CONSUMER.DURABLE.CREATE.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreateConsumerRequest {
    /// Stream name (must match the subject's).
    #[serde(deserialize_with = "nullable")]
    pub stream_name: String,
    /// The configuration.
    #[serde(deserialize_with = "nullable")]
    pub config: ConsumerConfig,
    /// Create, update or either.
    #[serde(skip_serializing_if = "is_default")]
    pub action: ConsumerAction,
    /// Refuse silent default fixups (10157).
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub pedantic: bool,
}

/// A consumer and a stream sequence with the last activity (`delivered`, `ack_floor`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceInfo {
    /// Consumer sequence.
    pub consumer_seq: u64,
    /// Stream sequence.
    pub stream_seq: u64,
    /// Last activity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_active: Option<Timestamp>,
}

/// State of one priority group (`priority_groups[]` of consumer info).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorityGroupState {
    /// Group name.
    pub group: String,
    /// `Nats-Pin-Id` of the pinned client.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub pinned_client_id: String,
    /// When it was pinned (zero time while nobody is; Go writes it regardless).
    pub pinned_ts: Timestamp,
}

/// Config and state of a consumer: the body of consumer create/info responses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerInfo {
    /// Its stream.
    pub stream_name: String,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created: Timestamp,
    /// The configuration, defaults filled.
    pub config: ConsumerConfig,
    /// Last delivered sequences.
    pub delivered: SequenceInfo,
    /// Sequences below which everything is acknowledged.
    pub ack_floor: SequenceInfo,
    /// Delivered, not yet acknowledged.
    pub num_ack_pending: u64,
    /// Redelivered messages outstanding.
    pub num_redelivered: u64,
    /// Pull requests waiting.
    pub num_waiting: u64,
    /// Matching messages not yet delivered.
    pub num_pending: u64,
    /// Who serves it (omitted without a Raft group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// A subscriber exists on the deliver subject.
    #[serde(skip_serializing_if = "is_false")]
    pub push_bound: bool,
    /// Paused.
    #[serde(skip_serializing_if = "is_false")]
    pub paused: bool,
    /// Pause left, ns.
    #[serde(skip_serializing_if = "is_default")]
    pub pause_remaining: Nanos,
    /// When this info was gathered.
    pub ts: Timestamp,
    /// Priority groups' state.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub priority_groups: Vec<PriorityGroupState>,
}
