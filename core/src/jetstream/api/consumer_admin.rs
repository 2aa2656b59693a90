//! Bodies of the consumer administration requests `CONSUMER.UNPIN` (priority groups) and
//! `CONSUMER.RESET` (ADR-60), and their checks as nats-server makes them.

use alloc::string::String;
use serde::{Deserialize, Serialize};

use super::consumer::ConsumerInfo;
use super::envelope::decode_request;
use super::error::ApiError;
use super::wire::nullable;
use super::ErrorId;

/// Whether `group` is a valid priority group name: 1 to 16 of `A-Z a-z 0-9 - _ / =`
/// (nats-server `validGroupName`).
pub fn is_valid_group_name(group: &str) -> bool {
    let valid = |b: u8| b.is_ascii_alphanumeric() || b"-_/=".contains(&b);
    (1..=16).contains(&group.len()) && group.bytes().all(valid)
}

/// Body of `CONSUMER.UNPIN.<stream>.<consumer>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerUnpinRequest {
    /// The priority group whose pin goes.
    #[serde(deserialize_with = "nullable")]
    pub group: String,
}

impl ConsumerUnpinRequest {
    /// Decodes and checks a body in nats-server's order: JSON (10025, an empty body
    /// included), a group at all (10025 `consumer group not specified`), a valid group
    /// name (10162). Whether the consumer has the group is the consumer's to say (10160).
    pub fn parse(body: &[u8]) -> Result<ConsumerUnpinRequest, ApiError> {
        if body.trim_ascii().is_empty() {
            return Err(ApiError::invalid_json("unexpected end of JSON input"));
        }
        let req: ConsumerUnpinRequest = decode_request(body)?;
        if req.group.is_empty() {
            return Err(ApiError::invalid_json("consumer group not specified"));
        }
        if !is_valid_group_name(&req.group) {
            return Err(ErrorId::ConsumerInvalidGroupName.into());
        }
        Ok(req)
    }
}

/// Body of `CONSUMER.RESET.<stream>.<consumer>` (empty: `seq` 0, back to the ack floor).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerResetRequest {
    /// Stream sequence to restart at (0: just above the ack floor).
    #[serde(deserialize_with = "nullable")]
    pub seq: u64,
}

/// `CONSUMER.RESET` response: the consumer's info after the reset, and where it restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerResetResponse {
    /// Consumer info after the reset.
    #[serde(flatten)]
    pub info: ConsumerInfo,
    /// The stream sequence the consumer restarts at.
    pub reset_seq: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::api::decode_optional_request;

    #[test]
    fn group_names_follow_nats_server() {
        for ok in ["A", "jobs-1", "a_b/c=d", "0123456789abcdef"] {
            assert!(is_valid_group_name(ok), "{ok}");
        }
        for bad in ["", "bad group", "0123456789abcdefg", "a.b", "a*", "ä"] {
            assert!(!is_valid_group_name(bad), "{bad}");
        }
    }

    #[test]
    fn unpin_bodies_are_checked_in_order() {
        let code = |body: &[u8]| ConsumerUnpinRequest::parse(body).unwrap_err();
        let e = code(b"");
        assert_eq!(
            (e.err_code, e.description.as_str()),
            (10025, "invalid JSON: unexpected end of JSON input")
        );
        let e = code(b"{}");
        assert_eq!(
            (e.err_code, e.description.as_str()),
            (10025, "invalid JSON: consumer group not specified")
        );
        assert_eq!(code(br#"{"group":null}"#).err_code, 10025);
        assert_eq!(code(b"x").err_code, 10025);
        assert_eq!(code(br#"{"group":"bad group"}"#).err_code, 10162);
        let ok = ConsumerUnpinRequest::parse(br#"{"group":"A"}"#).unwrap();
        assert_eq!(ok.group, "A");
    }

    #[test]
    fn reset_bodies_and_response() {
        let r: ConsumerResetRequest = decode_optional_request(b"").unwrap();
        assert_eq!(r.seq, 0);
        let r: ConsumerResetRequest = decode_optional_request(b"{}").unwrap();
        assert_eq!(r.seq, 0);
        let r: ConsumerResetRequest = decode_optional_request(br#"{"seq":3}"#).unwrap();
        assert_eq!(r.seq, 3);
        let resp = ConsumerResetResponse {
            info: ConsumerInfo {
                stream_name: "S".into(),
                name: "C".into(),
                ..ConsumerInfo::default()
            },
            reset_seq: 3,
        };
        let json = serde_json::to_value(&resp).unwrap();
        assert_eq!(json["stream_name"], "S");
        assert_eq!(json["reset_seq"], 3);
        assert_eq!(json["delivered"]["stream_seq"], 0);
    }
}
