//! Request and response bodies of the stream, message and consumer-listing APIs, and the
//! PubAck a publish into a stream is answered with.
//!
//! Responses are written without `type`; [`response_json`](super::response_json) adds it.

use super::base64::serde_bytes;
use super::consumer::ConsumerInfo;
use super::error::ApiError;
use super::stream_info::StreamInfo;
use super::time::{Nanos, Timestamp};
use super::wire::{is_default, is_false, nullable};
use crate::jetstream::store::StoredMsg;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Most names per `STREAM.NAMES` / `CONSUMER.NAMES` page.
pub const NAMES_PAGE_LIMIT: u64 = 1024;
/// Most infos per `STREAM.LIST` / `CONSUMER.LIST` page.
pub const LIST_PAGE_LIMIT: u64 = 256;

/// The answer to a publish into a stream (no `type`), or its error form
/// `{"error":{...},"stream":"S","seq":0}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PubAck {
    /// Why the publish was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// The stream that stored it.
    pub stream: String,
    /// Its sequence (0 on error).
    pub seq: u64,
    /// JetStream domain.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub domain: String,
    /// A duplicate within the window (`seq` is the original's).
    #[serde(skip_serializing_if = "is_false")]
    pub duplicate: bool,
}

impl PubAck {
    /// A successful ack.
    pub fn stored(stream: &str, seq: u64) -> PubAck {
        PubAck {
            stream: stream.into(),
            seq,
            ..PubAck::default()
        }
    }

    /// A refusal from `stream`.
    pub fn refused(stream: &str, error: ApiError) -> PubAck {
        PubAck {
            error: Some(error),
            stream: stream.into(),
            ..PubAck::default()
        }
    }
}

/// Body of `CONSUMER.NAMES`/`CONSUMER.LIST` (and the paging part of other requests).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PagedRequest {
    /// Items to skip.
    #[serde(deserialize_with = "nullable")]
    pub offset: u64,
}

/// Body of `STREAM.NAMES` and `STREAM.LIST` (async-nats sends `"subject": null`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamNamesRequest {
    /// Items to skip.
    #[serde(deserialize_with = "nullable")]
    pub offset: u64,
    /// Only streams whose subjects overlap this.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub subject: String,
}

/// `STREAM.LIST` takes the same body as `STREAM.NAMES`.
pub type StreamListRequest = StreamNamesRequest;

/// `STREAM.NAMES` response: `streams` is `null` when empty, as nats-server writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamNamesResponse {
    /// Items in all pages.
    pub total: u64,
    /// Items skipped.
    pub offset: u64,
    /// Page size.
    pub limit: u64,
    /// Stream names.
    pub streams: Option<Vec<String>>,
}

/// `STREAM.LIST` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamListResponse {
    /// Items in all pages.
    pub total: u64,
    /// Items skipped.
    pub offset: u64,
    /// Page size.
    pub limit: u64,
    /// Stream infos (`[]` when empty).
    #[serde(deserialize_with = "nullable")]
    pub streams: Vec<StreamInfo>,
    /// Streams that did not answer.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub missing: Vec<String>,
}

/// `CONSUMER.NAMES` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerNamesResponse {
    /// Items in all pages.
    pub total: u64,
    /// Items skipped.
    pub offset: u64,
    /// Page size.
    pub limit: u64,
    /// Consumer names (`[]` when empty).
    #[serde(deserialize_with = "nullable")]
    pub consumers: Vec<String>,
}

/// `CONSUMER.LIST` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerListResponse {
    /// Items in all pages.
    pub total: u64,
    /// Items skipped.
    pub offset: u64,
    /// Page size.
    pub limit: u64,
    /// Consumer infos (`[]` when empty).
    #[serde(deserialize_with = "nullable")]
    pub consumers: Vec<ConsumerInfo>,
    /// Consumers that did not answer.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub missing: Vec<String>,
}

/// Body of `STREAM.INFO` (optional; async-nats sends `"subjects_filter": ""`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfoRequest {
    /// Subjects to skip in `state.subjects`.
    #[serde(deserialize_with = "nullable")]
    pub offset: u64,
    /// List deleted sequences in `state.deleted`.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub deleted_details: bool,
    /// Fill `state.subjects` for subjects matching this.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub subjects_filter: String,
}

/// `STREAM.INFO` response: the info plus paging of `state.subjects`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfoResponse {
    /// The stream.
    #[serde(flatten)]
    pub info: StreamInfo,
    /// Subjects in all pages.
    #[serde(default)]
    pub total: u64,
    /// Subjects skipped.
    #[serde(default)]
    pub offset: u64,
    /// Page size.
    #[serde(default)]
    pub limit: u64,
}

/// `STREAM.CREATE` response: the info plus whether it was created now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCreateResponse {
    /// The stream.
    #[serde(flatten)]
    pub info: StreamInfo,
    /// Created by this request (not an idempotent repeat).
    #[serde(default, skip_serializing_if = "is_false")]
    pub did_create: bool,
}

/// Body of `STREAM.PURGE` (optional). `seq` and `keep` are exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PurgeRequest {
    /// Only subjects matching this.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub filter: String,
    /// Purge below this sequence.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub seq: u64,
    /// Keep this many newest messages.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub keep: u64,
}

impl PurgeRequest {
    /// nats-server refuses `seq` with `keep`, and an invalid filter, as 10003 bad request.
    pub fn validate(&self) -> Result<(), ApiError> {
        let bad_filter =
            !self.filter.is_empty() && !crate::subject::is_valid_subject(self.filter.as_bytes());
        if (self.seq > 0 && self.keep > 0) || bad_filter {
            return Err(ApiError::bad_request());
        }
        Ok(())
    }
}

/// `STREAM.PURGE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PurgeResponse {
    /// Always true on success.
    #[serde(skip_serializing_if = "is_false")]
    pub success: bool,
    /// Messages removed.
    pub purged: u64,
}

/// `{"success":true}`: the response of deletes, message deletes and stepdowns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuccessResponse {
    /// Always true on success.
    #[serde(skip_serializing_if = "is_false")]
    pub success: bool,
}

impl SuccessResponse {
    /// `{"success":true}`.
    pub const OK: SuccessResponse = SuccessResponse { success: true };
}

/// Body of `STREAM.MSG.DELETE`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgDeleteRequest {
    /// The sequence to delete.
    #[serde(deserialize_with = "nullable")]
    pub seq: u64,
    /// Remove without overwriting the data.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub no_erase: bool,
}

/// Body of `STREAM.MSG.GET` and `DIRECT.GET`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgGetRequest {
    /// By sequence (with `next_by_subj`: the first match at or after it).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub seq: u64,
    /// The last message on this subject.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub last_by_subj: String,
    /// The next message matching this subject.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub next_by_subj: String,
    /// Direct get batch size.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub batch: i64,
    /// Direct get batch byte budget.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_bytes: i64,
    /// The first message at or after this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// Last messages of these subjects (wildcards allowed).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub multi_last: Vec<String>,
    /// Only up to this sequence.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub up_to_seq: u64,
    /// Only up to this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub up_to_time: Option<Timestamp>,
    /// Omit stored headers.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub no_hdr: bool,
}

impl MsgGetRequest {
    /// The option combinations `STREAM.MSG.GET` accepts (10003 otherwise): exactly one of
    /// `seq`, `last_by_subj`, `start_time` or `next_by_subj` leads; `next_by_subj` may go
    /// with `seq` or `start_time`; no batch fields.
    pub fn validate_msg_get(&self) -> Result<(), ApiError> {
        let (seq, time) = (self.seq > 0, self.start_time.is_some());
        let (last, next) = (!self.last_by_subj.is_empty(), !self.next_by_subj.is_empty());
        let batch = self.batch > 0 || self.max_bytes > 0 || !self.multi_last.is_empty();
        if batch || (seq && time) || (time && last) || (last && next) || (seq && last) {
            return Err(ApiError::bad_request());
        }
        if !seq && !time && !last && !next {
            return Err(ApiError::bad_request());
        }
        Ok(())
    }
}

/// A stored message in JSON (`message` of `STREAM.MSG.GET`), bodies in base64.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredMessage {
    /// Subject.
    pub subject: String,
    /// Sequence.
    pub seq: u64,
    /// Raw header block.
    #[serde(with = "serde_bytes", skip_serializing_if = "Vec::is_empty")]
    pub hdrs: Vec<u8>,
    /// Payload.
    #[serde(with = "serde_bytes", skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
    /// When it was stored.
    pub time: Timestamp,
}

impl From<&StoredMsg> for StoredMessage {
    fn from(msg: &StoredMsg) -> StoredMessage {
        StoredMessage {
            subject: String::from_utf8_lossy(&msg.subject).into_owned(),
            seq: msg.seq,
            hdrs: msg.headers.as_ref().map(|h| h.to_vec()).unwrap_or_default(),
            data: msg.payload.to_vec(),
            time: Timestamp(msg.time),
        }
    }
}

/// `STREAM.MSG.GET` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgGetResponse {
    /// The message.
    pub message: StoredMessage,
}

/// Body of `CONSUMER.PAUSE` (zero or absent time: resume).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerPauseRequest {
    /// Pause until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<Timestamp>,
}

/// `CONSUMER.PAUSE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerPauseResponse {
    /// Paused now.
    pub paused: bool,
    /// Until when (zero time when resumed).
    pub pause_until: Timestamp,
    /// Pause left, ns.
    #[serde(skip_serializing_if = "is_default")]
    pub pause_remaining: Nanos,
}
