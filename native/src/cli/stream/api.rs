//! JetStream API requests for the `rill stream` commands: the shared [`JsApi`] client (one
//! request, one JSON answer, the server's error kept with its `err_code`), plus the wording
//! of a missing stream.

use anyhow::anyhow;

pub use crate::cli::js_api::{err_code, JsApi as Js, STREAM_NOT_FOUND};

/// `err_code` of "no message found".
pub const NO_MESSAGE_FOUND: u64 = 10037;

/// Replaces "stream not found" with `stream "NAME" not found`; other errors pass unchanged.
pub fn name_missing_stream(err: anyhow::Error, stream: &str) -> anyhow::Error {
    if err_code(&err) == Some(STREAM_NOT_FOUND) {
        anyhow!("stream {stream:?} not found")
    } else {
        err
    }
}
