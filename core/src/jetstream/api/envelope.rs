//! The response envelope every JetStream API answer shares —
//! `{"type":"io.nats.jetstream.api.v1.<kind>_response", ...fields}` or
//! `{"type":..., "error":{...}}` — and request body decoding into 10025 errors.

use super::error::ApiError;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Prefix of every response `type`.
pub const RESPONSE_TYPE_PREFIX: &str = "io.nats.jetstream.api.v1.";

/// The `type` of a response of `kind`:
/// `stream_info` → `io.nats.jetstream.api.v1.stream_info_response`.
pub fn response_type(kind: &str) -> String {
    format!("{RESPONSE_TYPE_PREFIX}{kind}_response")
}

/// Writes `{"type":"<response type of kind>", <fields of body>}`. `body` must serialize to
/// a JSON object; if it cannot be serialized, an error response (10051) is written instead.
pub fn response_json<T: Serialize + ?Sized>(kind: &str, body: &T) -> Vec<u8> {
    match serde_json::to_vec(body) {
        Ok(fields) if fields.first() == Some(&b'{') => with_type(kind, &fields),
        Ok(_) => error_json(
            kind,
            &ApiError::with_err(
                super::ErrorId::StreamGeneralError,
                "response is not an object",
            ),
        ),
        Err(e) => error_json(
            kind,
            &ApiError::with_err(super::ErrorId::StreamGeneralError, e),
        ),
    }
}

/// Writes `{"type":"<response type of kind>","error":{...}}`.
pub fn error_json(kind: &str, err: &ApiError) -> Vec<u8> {
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        error: &'a ApiError,
    }
    // An ApiError (two integers and a string) always serializes.
    let fields = serde_json::to_vec(&ErrorBody { error: err }).unwrap_or_else(|_| b"{}".to_vec());
    with_type(kind, &fields)
}

/// Splices `"type"` in front of the fields of a serialized object, keeping their order.
fn with_type(kind: &str, object: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(object.len() + kind.len() + 48);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(RESPONSE_TYPE_PREFIX.as_bytes());
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"_response\"");
    let inner = &object[1..];
    if inner.first() != Some(&b'}') {
        out.push(b',');
    }
    out.extend_from_slice(inner);
    out
}

/// Whether a request body counts as empty for nats-server: nothing, whitespace, or `{}`
/// (an object without fields). Requests that must be empty get 10038 otherwise.
pub fn is_empty_request(body: &[u8]) -> bool {
    let body = body.trim_ascii();
    if body.is_empty() || body == b"{}" {
        return true;
    }
    matches!(
        serde_json::from_slice::<serde_json::Value>(body),
        Ok(serde_json::Value::Object(map)) if map.is_empty()
    )
}

/// Decodes a JSON request body; malformed JSON or a bad enum value is 10025
/// `invalid JSON: <err>`. Unknown fields are ignored (nats-server's non-strict mode).
pub fn decode_request<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(ApiError::invalid_json)
}

/// Like [`decode_request`], but an empty body or JSON `null` (async-nats sends `null` for
/// `STREAM.INFO` without options) is `T::default()`.
pub fn decode_optional_request<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    let body = body.trim_ascii();
    if body.is_empty() || body == b"null" {
        return Ok(T::default());
    }
    decode_request(body)
}

#[cfg(test)]
mod tests {
    use super::super::requests::{PurgeResponse, StreamNamesRequest, SuccessResponse};
    use super::*;

    #[test]
    fn null_bodies_decode_as_defaults() {
        let r: StreamNamesRequest = decode_optional_request(b" null ").unwrap();
        assert_eq!(r, StreamNamesRequest::default());
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn wraps_bodies_and_errors_with_type() {
        assert_eq!(
            text(response_json("stream_delete", &SuccessResponse::OK)),
            r#"{"type":"io.nats.jetstream.api.v1.stream_delete_response","success":true}"#
        );
        let purge = PurgeResponse {
            success: true,
            purged: 3,
        };
        assert_eq!(
            text(response_json("stream_purge", &purge)),
            r#"{"type":"io.nats.jetstream.api.v1.stream_purge_response","success":true,"purged":3}"#
        );
        assert_eq!(
            text(response_json("x", &SuccessResponse::default())),
            r#"{"type":"io.nats.jetstream.api.v1.x_response"}"#
        );
        assert_eq!(
            text(error_json("stream_info", &ApiError::stream_not_found())),
            r#"{"type":"io.nats.jetstream.api.v1.stream_info_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#
        );
        let not_object = text(response_json("x", &5u32));
        assert!(not_object.contains("\"err_code\":10051"), "{not_object}");
    }

    #[test]
    fn recognises_empty_requests() {
        for empty in [&b""[..], b"  ", b"{}", b" { } ", b"{\n}"] {
            assert!(is_empty_request(empty), "{empty:?}");
        }
        for not_empty in [&b"{\"a\":1}"[..], b"[]", b"null", b"x", b"{"] {
            assert!(!is_empty_request(not_empty), "{not_empty:?}");
        }
    }

    #[test]
    fn decodes_requests_into_10025_errors() {
        let req: StreamNamesRequest = decode_optional_request(b"").unwrap();
        assert_eq!(req, StreamNamesRequest::default());
        let req: StreamNamesRequest =
            decode_request(br#"{"offset":5,"subject":null,"unknown":1}"#).unwrap();
        assert_eq!(req.offset, 5);
        let err = decode_request::<StreamNamesRequest>(b"{nope").unwrap_err();
        assert_eq!(err.err_code, 10025);
        assert!(
            err.description.starts_with("invalid JSON: "),
            "{}",
            err.description
        );
    }
}
