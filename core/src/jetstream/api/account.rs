//! `$JS.API.INFO`: the account's JetStream usage, limits and API counters.
//!
//! async-nats reads every limit field without defaults (`-1` meaning unlimited), and `api`
//! with `total` and `errors`; all are always written.

use super::wire::{is_default, nullable};
use alloc::collections::BTreeMap;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// JetStream API level this implementation speaks (`api.level`, `_nats.level`).
pub const API_LEVEL: u32 = 1;

/// An account's JetStream limits (`limits`); -1 is unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountLimits {
    /// Memory storage bytes.
    pub max_memory: i64,
    /// File storage bytes.
    pub max_storage: i64,
    /// Streams.
    pub max_streams: i64,
    /// Consumers.
    pub max_consumers: i64,
    /// Unacknowledged messages per consumer.
    pub max_ack_pending: i64,
    /// Largest `max_bytes` of a memory stream.
    pub memory_max_stream_bytes: i64,
    /// Largest `max_bytes` of a file stream.
    pub storage_max_stream_bytes: i64,
    /// Streams must set `max_bytes`.
    pub max_bytes_required: bool,
}

impl Default for AccountLimits {
    /// Everything unlimited.
    fn default() -> AccountLimits {
        AccountLimits {
            max_memory: -1,
            max_storage: -1,
            max_streams: -1,
            max_consumers: -1,
            max_ack_pending: -1,
            memory_max_stream_bytes: -1,
            storage_max_stream_bytes: -1,
            max_bytes_required: false,
        }
    }
}

/// API counters (`api`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiStats {
    /// API level spoken.
    pub level: u32,
    /// Requests served.
    pub total: u64,
    /// Requests answered with an error.
    pub errors: u64,
    /// Requests in flight.
    #[serde(skip_serializing_if = "is_default")]
    pub inflight: u64,
}

/// Usage and limits of one replica tier (`tiers.R1`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountTier {
    /// Memory storage bytes used.
    pub memory: u64,
    /// File storage bytes used.
    pub storage: u64,
    /// Memory bytes reserved by `max_bytes`.
    pub reserved_memory: u64,
    /// File bytes reserved by `max_bytes`.
    pub reserved_storage: u64,
    /// Streams.
    pub streams: u64,
    /// Consumers.
    pub consumers: u64,
    /// Limits of the tier.
    pub limits: AccountLimits,
}

/// `$JS.API.INFO` response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountInfo {
    /// Memory storage bytes used.
    pub memory: u64,
    /// File storage bytes used.
    pub storage: u64,
    /// Memory bytes reserved by `max_bytes`.
    pub reserved_memory: u64,
    /// File bytes reserved by `max_bytes`.
    pub reserved_storage: u64,
    /// Streams.
    pub streams: u64,
    /// Consumers.
    pub consumers: u64,
    /// Limits.
    pub limits: AccountLimits,
    /// JetStream domain.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub domain: String,
    /// API counters.
    pub api: ApiStats,
    /// Per-tier usage, when tiered limits are configured.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub tiers: BTreeMap<String, AccountTier>,
}
