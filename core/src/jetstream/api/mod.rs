//! The JetStream API as data: wire types with nats-server's JSON names, the error catalogue,
//! config defaults and validation, and the `$JS.API.*` subject parser.
//!
//! Pure functions only: nothing here holds state, reads a clock or does I/O. A runtime takes a
//! request subject to [`ApiRequest::parse`], decodes the body with [`decode_request`], asks the
//! stream and consumer state machines, and answers with [`response_json`] or [`error_json`].
//!
//! Map:
//! - [`time`]: Go-compatible timestamps ([`Timestamp`]), nanosecond durations ([`Nanos`]) and
//!   Go duration strings.
//! - [`error`] and [`catalogue`]: [`ApiError`] and every `err_code` nats-server sends
//!   ([`ErrorId`]).
//! - [`stream`], [`stream_info`]: stream config, info and state; `normalize`, `update_check`.
//! - [`consumer`]: consumer config, info and the create request; `normalize`, workqueue and
//!   update rules.
//! - [`ServerLimits`]: the server's `jetstream.limits` as consumers see them.
//! - [`requests`], [`account`], [`pull`]: the other request and response bodies.
//! - [`envelope`]: the `type` envelope and request decoding; [`subjects`]: API subjects.
//! - [`base64`]: the base64 of JSON `[]byte` fields.

pub mod account;
pub mod base64;
pub mod catalogue;
pub mod consumer;
mod consumer_admin;
mod consumer_check;
mod consumer_rules;
mod duration;
pub mod envelope;
pub mod error;
mod mapping;
pub mod pull;
pub mod requests;
mod server_limits;
pub mod stream;
mod stream_check;
pub mod stream_info;
mod stream_sources;
pub mod subjects;
pub mod time;
mod wire;

#[cfg(test)]
mod catalogue_test;
#[cfg(test)]
mod consumer_test;
#[cfg(test)]
mod stream_test;
#[cfg(test)]
mod subjects_test;

pub use account::{AccountInfo, AccountLimits, AccountTier, ApiStats, API_LEVEL};
pub use catalogue::{CatalogueEntry, ErrorId, CATALOGUE};
pub use consumer::{
    AckPolicy, ConsumerAction, ConsumerConfig, ConsumerInfo, CreateConsumerRequest, DeliverPolicy,
    PriorityGroupState, PriorityPolicy, ReplayPolicy, SequenceInfo,
};
pub use consumer_admin::{
    is_valid_group_name, ConsumerResetRequest, ConsumerResetResponse, ConsumerUnpinRequest,
};
pub use consumer_check::{
    ACK_WAIT_DEFAULT, HEARTBEAT_MIN, INACTIVE_THRESHOLD_DEFAULT, MAX_ACK_PENDING_DEFAULT,
    MAX_WAITING_DEFAULT, PRIORITY_TIMEOUT_DEFAULT,
};
pub use consumer_rules::CreateSubject;
pub use envelope::{
    decode_optional_request, decode_request, error_json, is_empty_request, response_json,
    response_type,
};
pub use error::ApiError;
pub use mapping::validate_mapping;
pub use pull::{PullRequest, PullRequestError};
pub use requests::{
    ConsumerListResponse, ConsumerNamesResponse, ConsumerPauseRequest, ConsumerPauseResponse,
    MsgDeleteRequest, MsgGetRequest, MsgGetResponse, PagedRequest, PubAck, PurgeRequest,
    PurgeResponse, StoredMessage, StreamCreateResponse, StreamInfoRequest, StreamInfoResponse,
    StreamListRequest, StreamListResponse, StreamNamesRequest, StreamNamesResponse,
    SuccessResponse, LIST_PAGE_LIMIT, NAMES_PAGE_LIMIT,
};
pub use server_limits::ServerLimits;
pub use stream::{
    Compression, ConsumerLimits, DiscardPolicy, ExternalStream, PersistMode, Placement, RePublish,
    RetentionPolicy, StorageType, StreamConfig, StreamConfigRequest, StreamConsumerSource,
    StreamSource, SubjectTransform,
};
pub use stream_check::{
    AGE_MIN, DESCRIPTION_LEN_MAX, DUPLICATE_WINDOW_DEFAULT, METADATA_LEN_MAX, REPLICAS_MAX,
};
pub use stream_info::{
    ClusterInfo, LostStreamData, PeerInfo, StreamAlternate, StreamInfo, StreamSourceInfo,
    StreamState,
};
pub use subjects::{ApiRequest, API_ALL, API_PREFIX};
pub use time::{
    format_go_duration, parse_go_duration, parse_msg_ttl, DurationError, Nanos, TimeError,
    Timestamp,
};

/// Longest stream or consumer name, bytes.
pub const NAME_LEN_MAX: usize = 255;

/// Whether `name` is a valid stream, consumer or durable name: non-empty and free of
/// whitespace, `.`, `*`, `>`, `\` and `/` (nats-server `isValidAssetName`). Length is
/// checked separately ([`NAME_LEN_MAX`]) because it has its own error.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'\t' | b'\r' | b'\n' | 0x0c | b'.' | b'*' | b'>' | b'\\' | b'/'
            )
        })
}
