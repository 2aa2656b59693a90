//! JetStream API requests for the `rill stream` commands: one request, one JSON answer, the
//! server's `"error"` turned into a one-line message with its `err_code`.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use async_nats::RequestErrorKind;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::cli::connect::ConnectArgs;
use crate::cli::format::format_duration;

/// `err_code` of "stream not found".
pub const STREAM_NOT_FOUND: u64 = 10059;
/// `err_code` of "no message found".
pub const NO_MESSAGE_FOUND: u64 = 10037;

/// A JetStream API error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    /// The JetStream error code (10xxx).
    pub err_code: u64,
    /// The server's text.
    pub description: String,
}

impl std::fmt::Display for JsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (err_code {})", self.description, self.err_code)
    }
}

impl std::error::Error for JsError {}

/// A connection to the JetStream API with the request timeout of the connection flags.
#[derive(Debug, Clone)]
pub struct Js {
    client: async_nats::Client,
    timeout: Duration,
}

impl Js {
    /// Connects with the command's connection flags.
    pub async fn connect(conn: &ConnectArgs) -> anyhow::Result<Js> {
        let resolved = conn.resolve()?;
        let client = resolved.connect().await?;
        Ok(Js {
            client,
            timeout: resolved.timeout,
        })
    }

    /// The underlying client.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// Sends `body` to `$JS.API.<api>`; returns the parsed answer and its raw JSON. A JetStream
    /// error becomes a [`JsError`] (find it with `downcast_ref`).
    pub async fn request<B: Serialize, R: DeserializeOwned>(
        &self,
        api: &str,
        body: &B,
    ) -> anyhow::Result<(R, serde_json::Value)> {
        let subject = format!("$JS.API.{api}");
        let payload = serde_json::to_vec(body).context("cannot encode the request")?;
        let request = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(self.timeout));
        let reply = match self.client.send_request(subject.clone(), request).await {
            Ok(r) => r,
            Err(e) if e.kind() == RequestErrorKind::NoResponders => {
                bail!("JetStream is not available: no responders on {subject}")
            }
            Err(e) if e.kind() == RequestErrorKind::TimedOut => bail!(
                "JetStream did not answer within {}",
                format_duration(self.timeout)
            ),
            Err(e) => bail!("JetStream request failed: {e}"),
        };
        let raw: serde_json::Value =
            serde_json::from_slice(&reply.payload).context("invalid JetStream reply")?;
        if let Some(err) = raw.get("error") {
            return Err(JsError {
                err_code: err.get("err_code").and_then(|c| c.as_u64()).unwrap_or(0),
                description: err
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("unknown error")
                    .to_string(),
            }
            .into());
        }
        let parsed = serde_json::from_value(raw.clone())
            .map_err(|e| anyhow!("invalid reply to {subject}: {e}"))?;
        Ok((parsed, raw))
    }
}

/// The JetStream error code of `err`, if it is a [`JsError`].
pub fn err_code(err: &anyhow::Error) -> Option<u64> {
    err.downcast_ref::<JsError>().map(|e| e.err_code)
}

/// Replaces "stream not found" with `stream "NAME" not found`; other errors pass unchanged.
pub fn name_missing_stream(err: anyhow::Error, stream: &str) -> anyhow::Error {
    if err_code(&err) == Some(STREAM_NOT_FOUND) {
        anyhow!("stream {stream:?} not found")
    } else {
        err
    }
}
