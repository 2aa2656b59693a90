//! Pull requests (`$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>` bodies and `+NXT` acks):
//! an empty body (one message), a bare integer (that many), or JSON.

use super::time::Nanos;
use super::wire::{is_default, is_false, nullable};
use alloc::format;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// A pull request. async-nats sends `null` for unset priority fields; they read as zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PullRequest {
    /// Messages wanted (at least 1 once parsed).
    #[serde(deserialize_with = "nullable")]
    pub batch: i64,
    /// Give up after this long, ns (0: no expiry).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub expires: Nanos,
    /// Byte budget of the whole batch (0: none).
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_bytes: i64,
    /// Answer `404 No Messages` instead of waiting.
    #[serde(skip_serializing_if = "is_false", deserialize_with = "nullable")]
    pub no_wait: bool,
    /// Send `100 Idle Heartbeat` this often while waiting, ns.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub idle_heartbeat: Nanos,
    /// Priority group.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub group: String,
    /// Overflow policy: serve only when this many messages are pending.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub min_pending: i64,
    /// Overflow policy: serve only when this many acks are pending.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub min_ack_pending: i64,
    /// Pinned-client policy: the pin id held.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub id: String,
    /// Prioritized policy: 0 (first) to 9.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub priority: i64,
}

/// A pull request body that is refused with `400 Bad Request - <description>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PullRequestError {
    /// The JSON did not parse.
    #[error("{0}")]
    InvalidJson(String),
    /// `idle_heartbeat * 2 > expires`.
    #[error("heartbeat value too large")]
    HeartbeatTooLarge,
}

impl PullRequestError {
    /// The status line description nats-server sends: `Bad Request - <error>`.
    pub fn status_description(&self) -> String {
        format!("Bad Request - {self}")
    }
}

impl PullRequest {
    /// A request for `batch` messages with nothing else set.
    pub fn batch(batch: i64) -> PullRequest {
        PullRequest {
            batch,
            ..PullRequest::default()
        }
    }

    /// Parses a pull request body as nats-server does: surrounding whitespace ignored; empty
    /// means one message; a body starting with `{` is JSON; anything else is a batch size
    /// if it is an integer, else one message. A batch below 1 becomes 1.
    pub fn parse(body: &[u8]) -> Result<PullRequest, PullRequestError> {
        let body = body.trim_ascii();
        let mut req = match body.first() {
            None => PullRequest::batch(1),
            Some(b'{') => {
                let req: PullRequest = serde_json::from_slice(body)
                    .map_err(|e| PullRequestError::InvalidJson(format!("{e}")))?;
                if req.idle_heartbeat > 0 && req.idle_heartbeat.saturating_mul(2) > req.expires {
                    return Err(PullRequestError::HeartbeatTooLarge);
                }
                req
            }
            Some(_) => core::str::from_utf8(body)
                .ok()
                .and_then(|text| text.parse::<i64>().ok())
                .map_or_else(|| PullRequest::batch(1), PullRequest::batch),
        };
        req.batch = req.batch.max(1);
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_body_form() {
        assert_eq!(PullRequest::parse(b"").unwrap(), PullRequest::batch(1));
        assert_eq!(
            PullRequest::parse(b"  \r\n").unwrap(),
            PullRequest::batch(1)
        );
        assert_eq!(PullRequest::parse(b"10").unwrap(), PullRequest::batch(10));
        assert_eq!(PullRequest::parse(b" 7 ").unwrap(), PullRequest::batch(7));
        assert_eq!(PullRequest::parse(b"nope").unwrap(), PullRequest::batch(1));
        assert_eq!(PullRequest::parse(b"-3").unwrap(), PullRequest::batch(1));
        let req =
            PullRequest::parse(br#"{"batch":5,"expires":30000000000,"no_wait":true}"#).unwrap();
        assert_eq!(
            (req.batch, req.expires, req.no_wait),
            (5, 30_000_000_000, true)
        );
        assert_eq!(PullRequest::parse(br#"{}"#).unwrap(), PullRequest::batch(1));
    }

    #[test]
    fn reads_what_async_nats_sends() {
        // async-nats 0.51 BatchConfig + pin id: Option fields are serialized as null.
        let body = br#"{"batch":100,"expires":30000000000,"max_bytes":0,"idle_heartbeat":15000000000,"min_pending":null,"min_ack_pending":null,"group":null,"priority":null}"#;
        let req = PullRequest::parse(body).unwrap();
        assert_eq!(req.batch, 100);
        assert_eq!(req.idle_heartbeat, 15_000_000_000);
        assert_eq!(
            (req.group.as_str(), req.min_pending, req.priority),
            ("", 0, 0)
        );
        let pinned =
            PullRequest::parse(br#"{"batch":1,"group":"g","id":"pin-1","priority":3}"#).unwrap();
        assert_eq!(
            (pinned.group.as_str(), pinned.id.as_str(), pinned.priority),
            ("g", "pin-1", 3)
        );
    }

    #[test]
    fn refuses_bad_json_and_large_heartbeats() {
        let err = PullRequest::parse(br#"{"batch":"x"}"#).unwrap_err();
        assert!(err.status_description().starts_with("Bad Request - "));
        let err =
            PullRequest::parse(br#"{"batch":1,"expires":1000,"idle_heartbeat":600}"#).unwrap_err();
        assert_eq!(err, PullRequestError::HeartbeatTooLarge);
        assert_eq!(
            err.status_description(),
            "Bad Request - heartbeat value too large"
        );
        // No expiry with a heartbeat is refused too (0 < 2 * heartbeat), as nats-server does.
        assert!(PullRequest::parse(br#"{"batch":1,"idle_heartbeat":600}"#).is_err());
    }
}
