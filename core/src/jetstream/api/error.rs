//! [`ApiError`]: the `"error"` object of every JetStream API response and PubAck,
//! `{"code":404,"err_code":10059,"description":"stream not found"}`.
//!
//! Errors are built from the catalogue ([`ErrorId`]), so codes and texts cannot drift from
//! nats-server's; templates with placeholders are filled with [`ApiError::with_args`].

use super::catalogue::ErrorId;
use alloc::string::{String, ToString};
use core::fmt::Display;
use serde::{Deserialize, Serialize};

/// A JetStream API error as it travels in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{description} (code {code}, err_code {err_code})")]
pub struct ApiError {
    /// HTTP-like status (400, 404, 500, 503, ...).
    pub code: u16,
    /// The JetStream error code clients match on (10xxx).
    #[serde(default)]
    pub err_code: u16,
    /// Human-readable text, exactly as nats-server words it.
    #[serde(default)]
    pub description: String,
}

impl ApiError {
    /// The catalogue error `id`, its description taken verbatim (for entries without
    /// placeholders).
    pub fn new(id: ErrorId) -> ApiError {
        let entry = id.entry();
        ApiError {
            code: entry.code,
            err_code: entry.err_code,
            description: String::from(entry.description),
        }
    }

    /// The catalogue error `id` with its placeholders filled: `args` pairs a placeholder
    /// name (without braces, e.g. `"seq"`) with its text. Unknown placeholders stay as they are.
    pub fn with_args(id: ErrorId, args: &[(&str, &str)]) -> ApiError {
        let mut err = ApiError::new(id);
        err.description = fill(id.description(), args);
        err
    }

    /// The catalogue error `id` with its `{err}` placeholder filled by `err`.
    pub fn with_err(id: ErrorId, err: impl Display) -> ApiError {
        ApiError::with_args(id, &[("err", &err.to_string())])
    }

    /// The catalogue entry this error came from, if its `err_code` is one.
    pub fn id(&self) -> Option<ErrorId> {
        ErrorId::from_err_code(self.err_code)
    }

    /// Whether this is the catalogue error `id`.
    pub fn is(&self, id: ErrorId) -> bool {
        self.err_code == id.err_code()
    }

    /// 10052 (500): `stream configuration ...` and the other config refusals; `msg` is the
    /// whole description.
    pub fn invalid_config(msg: impl Display) -> ApiError {
        ApiError::with_err(ErrorId::StreamInvalidConfig, msg)
    }

    /// 10025 (400): `invalid JSON: <err>`.
    pub fn invalid_json(err: impl Display) -> ApiError {
        ApiError::with_err(ErrorId::InvalidJSON, err)
    }

    /// 10157 (400): `pedantic mode: <msg>`.
    pub fn pedantic(msg: impl Display) -> ApiError {
        ApiError::with_err(ErrorId::Pedantic, msg)
    }

    /// 10003 (400): `bad request`.
    pub fn bad_request() -> ApiError {
        ApiError::new(ErrorId::BadRequest)
    }

    /// 10059 (404): `stream not found`.
    pub fn stream_not_found() -> ApiError {
        ApiError::new(ErrorId::StreamNotFound)
    }

    /// 10014 (404): `consumer not found`.
    pub fn consumer_not_found() -> ApiError {
        ApiError::new(ErrorId::ConsumerNotFound)
    }

    /// 10037 (404): `no message found`.
    pub fn no_message_found() -> ApiError {
        ApiError::new(ErrorId::NoMessageFound)
    }

    /// 10038 (400): `expected an empty request payload`.
    pub fn not_empty_request() -> ApiError {
        ApiError::new(ErrorId::NotEmptyRequest)
    }

    /// 10012 (500): a consumer create/update refusal worded freely (e.g. `deliver policy can
    /// not be updated`).
    pub fn consumer_create(msg: impl Display) -> ApiError {
        ApiError::with_err(ErrorId::ConsumerCreate, msg)
    }

    /// 10043 (400): `sequence <seq> not found`.
    pub fn sequence_not_found(seq: u64) -> ApiError {
        ApiError::with_args(ErrorId::SequenceNotFound, &[("seq", &seq.to_string())])
    }

    /// 10071 (400): `wrong last sequence: <seq>`.
    pub fn wrong_last_sequence(seq: u64) -> ApiError {
        ApiError::with_args(
            ErrorId::StreamWrongLastSequence,
            &[("seq", &seq.to_string())],
        )
    }

    /// 10070 (400): `wrong last msg ID: <id>`.
    pub fn wrong_last_msg_id(id: &str) -> ApiError {
        ApiError::with_args(ErrorId::StreamWrongLastMsgID, &[("id", id)])
    }

    /// 10077 (503): a store refusal, e.g. `maximum messages exceeded`.
    pub fn store_failed(msg: impl Display) -> ApiError {
        ApiError::with_err(ErrorId::StreamStoreFailed, msg)
    }
}

impl From<ErrorId> for ApiError {
    fn from(id: ErrorId) -> ApiError {
        ApiError::new(id)
    }
}

/// Replaces each `{name}` in `template` whose name is in `args`.
fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) => {
                match args.iter().find(|(key, _)| *key == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_exactly_as_nats_server() {
        let json = serde_json::to_string(&ApiError::stream_not_found()).unwrap();
        assert_eq!(
            json,
            r#"{"code":404,"err_code":10059,"description":"stream not found"}"#
        );
        let back: ApiError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ApiError::stream_not_found());
        assert_eq!(back.id(), Some(ErrorId::StreamNotFound));
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            ApiError::wrong_last_sequence(41).description,
            "wrong last sequence: 41"
        );
        assert_eq!(
            ApiError::invalid_json("json: unknown field \"foo\"").description,
            "invalid JSON: json: unknown field \"foo\""
        );
        let err = ApiError::with_args(
            ErrorId::StreamExternalDelPrefixOverlaps,
            &[("prefix", "dp"), ("subject", "foo.>")],
        );
        assert_eq!(
            err.description,
            "stream external delivery prefix dp overlaps with stream subject foo.>"
        );
        assert_eq!(fill("a {x} {y} {", &[("x", "1")]), "a 1 {y} {");
        let config = ApiError::invalid_config("max age needs to be >= 100ms");
        assert_eq!((config.code, config.err_code), (500, 10052));
        assert_eq!(config.description, "max age needs to be >= 100ms");
    }

    #[test]
    fn tolerates_errors_without_err_code() {
        let err: ApiError = serde_json::from_str(r#"{"code":503}"#).unwrap();
        assert_eq!((err.code, err.err_code, err.id()), (503, 0, None));
    }
}
