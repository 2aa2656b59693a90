//! The `$JS.API.>` subjects and a parser that turns a request subject into an [`ApiRequest`].

use super::catalogue::ErrorId;
use super::error::ApiError;
use super::NAME_LEN_MAX;
use alloc::string::{String, ToString};

/// Prefix of every JetStream API subject.
pub const API_PREFIX: &str = "$JS.API";
/// What the server subscribes to for the API.
pub const API_ALL: &str = "$JS.API.>";
/// Account info.
pub const API_INFO: &str = "$JS.API.INFO";
/// Stream names.
pub const API_STREAM_NAMES: &str = "$JS.API.STREAM.NAMES";
/// Stream list.
pub const API_STREAM_LIST: &str = "$JS.API.STREAM.LIST";
/// Prefix of stream creates (`<prefix><stream>`).
pub const API_STREAM_CREATE: &str = "$JS.API.STREAM.CREATE.";
/// Prefix of direct gets (`<prefix><stream>[.<subject>]`).
pub const API_DIRECT_GET: &str = "$JS.API.DIRECT.GET.";
/// Prefix of pull requests (`<prefix><stream>.<consumer>`).
pub const API_CONSUMER_NEXT: &str = "$JS.API.CONSUMER.MSG.NEXT.";
/// Prefix of ack subjects.
pub const ACK_PREFIX: &str = "$JS.ACK";
/// Prefix of flow control subjects.
pub const FLOW_CONTROL_PREFIX: &str = "$JS.FC";
/// Prefix of advisories.
pub const ADVISORY_PREFIX: &str = "$JS.EVENT.ADVISORY";

/// One JetStream API request, by subject. Names are as they appear in the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiRequest {
    /// `INFO`: account info.
    Info,
    /// `STREAM.CREATE.<stream>`.
    StreamCreate(String),
    /// `STREAM.UPDATE.<stream>`.
    StreamUpdate(String),
    /// `STREAM.INFO.<stream>`.
    StreamInfo(String),
    /// `STREAM.NAMES`.
    StreamNames,
    /// `STREAM.LIST`.
    StreamList,
    /// `STREAM.DELETE.<stream>`.
    StreamDelete(String),
    /// `STREAM.PURGE.<stream>`.
    StreamPurge(String),
    /// `STREAM.MSG.GET.<stream>`.
    StreamMsgGet(String),
    /// `STREAM.MSG.DELETE.<stream>`.
    StreamMsgDelete(String),
    /// `STREAM.SNAPSHOT.<stream>`.
    StreamSnapshot(String),
    /// `STREAM.RESTORE.<stream>`.
    StreamRestore(String),
    /// `STREAM.PEER.REMOVE.<stream>`.
    StreamPeerRemove(String),
    /// `STREAM.LEADER.STEPDOWN.<stream>`.
    StreamLeaderStepdown(String),
    /// `DIRECT.GET.<stream>[.<subject...>]`: by request body, or last message on the subject.
    DirectGet(String, Option<String>),
    /// `CONSUMER.CREATE.<stream>[.<consumer>[.<filter...>]]`.
    ConsumerCreate {
        /// Stream.
        stream: String,
        /// Consumer name (absent: legacy ephemeral).
        consumer: Option<String>,
        /// Filter subject from the trailing tokens.
        filter: Option<String>,
    },
    /// `CONSUMER.DURABLE.CREATE.<stream>.<durable>` (legacy).
    ConsumerDurableCreate {
        /// Stream.
        stream: String,
        /// Durable name.
        durable: String,
    },
    /// `CONSUMER.INFO.<stream>.<consumer>`.
    ConsumerInfo {
        /// Stream.
        stream: String,
        /// Consumer.
        consumer: String,
    },
    /// `CONSUMER.NAMES.<stream>`.
    ConsumerNames(String),
    /// `CONSUMER.LIST.<stream>`.
    ConsumerList(String),
    /// `CONSUMER.DELETE.<stream>.<consumer>`.
    ConsumerDelete {
        /// Stream.
        stream: String,
        /// Consumer.
        consumer: String,
    },
    /// `CONSUMER.MSG.NEXT.<stream>.<consumer>`: a pull request.
    ConsumerNext {
        /// Stream.
        stream: String,
        /// Consumer.
        consumer: String,
    },
    /// `CONSUMER.LEADER.STEPDOWN.<stream>.<consumer>`.
    ConsumerLeaderStepdown {
        /// Stream.
        stream: String,
        /// Consumer.
        consumer: String,
    },
    /// `CONSUMER.PAUSE.<stream>.<consumer>`.
    ConsumerPause {
        /// Stream.
        stream: String,
        /// Consumer.
        consumer: String,
    },
    /// `CONSUMER.UNPIN.<stream>.<consumer>`.
    ConsumerUnpin {
        /// Stream.
        stream: String,
        /// Consumer.
        consumer: String,
    },
    /// `CONSUMER.RESET.<stream>.<consumer>`.
    ConsumerReset {
        /// Stream.
        stream: String,
        /// Consumer.
        consumer: String,
    },
    /// `META.LEADER.STEPDOWN`.
    MetaLeaderStepdown,
    /// `SERVER.REMOVE`: a server leaves the cluster for good (peer-remove).
    ServerRemove,
    /// Anything else under `$JS.API.` (nats-server does not answer those).
    Unknown,
}

fn stream_name(token: &str) -> Result<String, ApiError> {
    if token.contains(['\\', '/']) {
        return Err(ErrorId::StreamNameContainsPathSeparators.into());
    }
    if token.len() > NAME_LEN_MAX {
        let msg = alloc::format!("stream name is too long, maximum allowed is {NAME_LEN_MAX}");
        return Err(ApiError::invalid_config(msg));
    }
    Ok(token.to_string())
}

fn consumer_name(token: &str) -> Result<String, ApiError> {
    if token.contains(['\\', '/']) {
        return Err(ErrorId::ConsumerNameContainsPathSeparators.into());
    }
    if token.len() > NAME_LEN_MAX {
        let max = NAME_LEN_MAX.to_string();
        return Err(ApiError::with_args(
            ErrorId::ConsumerNameTooLong,
            &[("max", &max)],
        ));
    }
    Ok(token.to_string())
}

impl ApiRequest {
    /// Parses a `$JS.API.` request subject. Subjects outside the API, or with empty tokens,
    /// are [`ApiRequest::Unknown`]; names with path separators or over 255 bytes are errors
    /// (10128/10127, 10052/10102).
    pub fn parse(subject: &str) -> Result<ApiRequest, ApiError> {
        use ApiRequest as R;
        let Some(rest) = subject.strip_prefix("$JS.API.") else {
            return Ok(R::Unknown);
        };
        if rest.split('.').any(str::is_empty) {
            return Ok(R::Unknown);
        }
        let tokens: alloc::vec::Vec<&str> = rest.split('.').collect();
        let pair = |s: &str, c: &str| Ok::<_, ApiError>((stream_name(s)?, consumer_name(c)?));
        Ok(match tokens.as_slice() {
            ["INFO"] => R::Info,
            ["STREAM", "NAMES"] => R::StreamNames,
            ["STREAM", "LIST"] => R::StreamList,
            ["STREAM", "CREATE", s] => R::StreamCreate(stream_name(s)?),
            ["STREAM", "UPDATE", s] => R::StreamUpdate(stream_name(s)?),
            ["STREAM", "INFO", s] => R::StreamInfo(stream_name(s)?),
            ["STREAM", "DELETE", s] => R::StreamDelete(stream_name(s)?),
            ["STREAM", "PURGE", s] => R::StreamPurge(stream_name(s)?),
            ["STREAM", "MSG", "GET", s] => R::StreamMsgGet(stream_name(s)?),
            ["STREAM", "MSG", "DELETE", s] => R::StreamMsgDelete(stream_name(s)?),
            ["STREAM", "SNAPSHOT", s] => R::StreamSnapshot(stream_name(s)?),
            ["STREAM", "RESTORE", s] => R::StreamRestore(stream_name(s)?),
            ["STREAM", "PEER", "REMOVE", s] => R::StreamPeerRemove(stream_name(s)?),
            ["STREAM", "LEADER", "STEPDOWN", s] => R::StreamLeaderStepdown(stream_name(s)?),
            ["DIRECT", "GET", s] => R::DirectGet(stream_name(s)?, None),
            ["DIRECT", "GET", s, subj @ ..] => R::DirectGet(stream_name(s)?, Some(subj.join("."))),
            ["CONSUMER", "CREATE", s] => R::ConsumerCreate {
                stream: stream_name(s)?,
                consumer: None,
                filter: None,
            },
            ["CONSUMER", "CREATE", s, c, filter @ ..] => {
                let (stream, consumer) = pair(s, c)?;
                let filter = (!filter.is_empty()).then(|| filter.join("."));
                R::ConsumerCreate {
                    stream,
                    consumer: Some(consumer),
                    filter,
                }
            }
            ["CONSUMER", "DURABLE", "CREATE", s, d] => {
                let (stream, durable) = pair(s, d)?;
                R::ConsumerDurableCreate { stream, durable }
            }
            ["CONSUMER", "DURABLE", "CREATE", ..] => {
                return Err(ErrorId::ConsumerDurableNameNotInSubject.into())
            }
            ["CONSUMER", "NAMES", s] => R::ConsumerNames(stream_name(s)?),
            ["CONSUMER", "LIST", s] => R::ConsumerList(stream_name(s)?),
            ["CONSUMER", verb @ ("INFO" | "DELETE" | "PAUSE" | "UNPIN" | "RESET"), s, c] => {
                let (stream, consumer) = pair(s, c)?;
                match *verb {
                    "INFO" => R::ConsumerInfo { stream, consumer },
                    "DELETE" => R::ConsumerDelete { stream, consumer },
                    "PAUSE" => R::ConsumerPause { stream, consumer },
                    "UNPIN" => R::ConsumerUnpin { stream, consumer },
                    _ => R::ConsumerReset { stream, consumer },
                }
            }
            ["CONSUMER", "MSG", "NEXT", s, c] => {
                let (stream, consumer) = pair(s, c)?;
                R::ConsumerNext { stream, consumer }
            }
            ["CONSUMER", "LEADER", "STEPDOWN", s, c] => {
                let (stream, consumer) = pair(s, c)?;
                R::ConsumerLeaderStepdown { stream, consumer }
            }
            ["META", "LEADER", "STEPDOWN"] => R::MetaLeaderStepdown,
            ["SERVER", "REMOVE"] => R::ServerRemove,
            _ => R::Unknown,
        })
    }

    /// The `<kind>` of this request's response type (`io.nats.jetstream.api.v1.<kind>_response`);
    /// `None` for requests answered with messages rather than JSON (pull, direct get) and
    /// for unknown subjects.
    pub fn response_kind(&self) -> Option<&'static str> {
        use ApiRequest as R;
        Some(match self {
            R::Info => "account_info",
            R::StreamCreate(_) => "stream_create",
            R::StreamUpdate(_) => "stream_update",
            R::StreamInfo(_) => "stream_info",
            R::StreamNames => "stream_names",
            R::StreamList => "stream_list",
            R::StreamDelete(_) => "stream_delete",
            R::StreamPurge(_) => "stream_purge",
            R::StreamMsgGet(_) => "stream_msg_get",
            R::StreamMsgDelete(_) => "stream_msg_delete",
            R::StreamSnapshot(_) => "stream_snapshot",
            R::StreamRestore(_) => "stream_restore",
            R::StreamPeerRemove(_) => "stream_remove_peer",
            R::StreamLeaderStepdown(_) => "stream_leader_stepdown",
            R::ConsumerCreate { .. } | R::ConsumerDurableCreate { .. } => "consumer_create",
            R::ConsumerInfo { .. } => "consumer_info",
            R::ConsumerNames(_) => "consumer_names",
            R::ConsumerList(_) => "consumer_list",
            R::ConsumerDelete { .. } => "consumer_delete",
            R::ConsumerLeaderStepdown { .. } => "consumer_leader_stepdown",
            R::ConsumerPause { .. } => "consumer_pause",
            R::ConsumerUnpin { .. } => "consumer_unpin",
            R::ConsumerReset { .. } => "consumer_reset",
            R::MetaLeaderStepdown => "meta_leader_stepdown",
            R::ServerRemove => "meta_server_remove",
            R::DirectGet(..) | R::ConsumerNext { .. } | R::Unknown => return None,
        })
    }
}
