//! Requests to the JetStream API (`$JS.API.*`) for the `rill` commands that manage streams'
//! consumers: one request, one JSON answer, parsed into `rill-core`'s wire types, with the
//! server's error turned into a one-line message.
//!
//! Errors keep the server's `err_code` so callers can say what was missing in their own words
//! (`consumer "C" not found`) without matching on description texts.

use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use async_nats::RequestErrorKind;
use rill_core::jetstream::api::{StreamInfo, StreamListRequest, StreamListResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::cli::format::format_duration;

/// nats-server's `err_code` for "stream not found".
pub const STREAM_NOT_FOUND: u64 = 10059;
/// nats-server's `err_code` for "consumer not found".
pub const CONSUMER_NOT_FOUND: u64 = 10014;

/// An error the JetStream API answered with.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{description} (err_code {err_code})")]
pub struct ApiFailure {
    /// The server's text.
    pub description: String,
    /// The NATS error code.
    pub err_code: u64,
}

/// A connected client and the timeout its requests wait for.
#[derive(Debug, Clone)]
pub struct JsApi {
    /// The connection.
    pub client: async_nats::Client,
    /// How long one request waits.
    pub timeout: Duration,
}

impl JsApi {
    /// Connects with the command's connection flags (environment and context included).
    pub async fn connect(conn: &crate::cli::connect::ConnectArgs) -> anyhow::Result<JsApi> {
        let resolved = conn.resolve()?;
        Ok(JsApi {
            client: resolved.connect().await?,
            timeout: resolved.timeout,
        })
    }

    /// async-nats' JetStream context on the same connection, with the same timeout.
    pub fn context(&self) -> async_nats::jetstream::Context {
        let mut js = async_nats::jetstream::new(self.client.clone());
        js.set_timeout(self.timeout);
        js
    }

    /// Sends `body` (empty when `None`) to `$JS.API.<suffix>`; returns the parsed answer and
    /// the raw JSON (for `--json`).
    pub async fn request<B: Serialize, R: DeserializeOwned>(
        &self,
        suffix: &str,
        body: Option<&B>,
    ) -> anyhow::Result<(R, serde_json::Value)> {
        let subject = format!("$JS.API.{suffix}");
        let payload = match body {
            Some(b) => serde_json::to_vec(b).context("cannot encode the request")?,
            None => Vec::new(),
        };
        let request = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(self.timeout));
        let reply = match self.client.send_request(subject.clone(), request).await {
            Ok(r) => r,
            Err(e) if e.kind() == RequestErrorKind::NoResponders => {
                bail!("JetStream is not available: no responders on {subject}")
            }
            Err(e) if e.kind() == RequestErrorKind::TimedOut => {
                bail!(
                    "JetStream did not answer within {}",
                    format_duration(self.timeout)
                )
            }
            Err(e) => bail!("JetStream request failed: {e}"),
        };
        let raw: serde_json::Value =
            serde_json::from_slice(&reply.payload).context("invalid JetStream reply")?;
        if let Some(err) = raw.get("error") {
            return Err(ApiFailure {
                description: err
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("unknown error")
                    .to_string(),
                err_code: err.get("err_code").and_then(|c| c.as_u64()).unwrap_or(0),
            }
            .into());
        }
        let parsed = serde_json::from_value(raw.clone())
            .map_err(|e| anyhow!("invalid JetStream reply to {subject}: {e}"))?;
        Ok((parsed, raw))
    }
}

impl JsApi {
    /// Every stream's information (`STREAM.LIST`, page by page), sorted by name.
    pub async fn list_streams(&self) -> anyhow::Result<Vec<StreamInfo>> {
        let mut all: Vec<StreamInfo> = Vec::new();
        loop {
            let page = StreamListRequest {
                offset: all.len() as u64,
                ..StreamListRequest::default()
            };
            let (resp, _): (StreamListResponse, _) =
                self.request("STREAM.LIST", Some(&page)).await?;
            let got = resp.streams.len();
            all.extend(resp.streams);
            if got == 0 || all.len() as u64 >= resp.total {
                break;
            }
        }
        all.sort_by(|a, b| a.config.name.cmp(&b.config.name));
        Ok(all)
    }
}

/// The server's error code if `err` is a JetStream API answer.
pub fn err_code(err: &anyhow::Error) -> Option<u64> {
    err.downcast_ref::<ApiFailure>().map(|f| f.err_code)
}

/// Rewords "not found" answers: `stream "S" not found`, `consumer "C" not found`.
pub fn name_missing(err: anyhow::Error, stream: &str, consumer: Option<&str>) -> anyhow::Error {
    match (err_code(&err), consumer) {
        (Some(STREAM_NOT_FOUND), _) => anyhow!("stream {stream:?} not found"),
        (Some(CONSUMER_NOT_FOUND), Some(c)) => anyhow!("consumer {c:?} not found in {stream:?}"),
        _ => err,
    }
}

/// Checks a stream or consumer name as the server does, so a bad one is refused before asking.
pub fn check_name(what: &str, name: &str) -> anyhow::Result<()> {
    if rill_core::jetstream::api::is_valid_name(name) {
        Ok(())
    } else {
        bail!("invalid {what} name {name:?}: names cannot be empty or contain spaces, '.', '*', '>', '/' or '\\'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_answers_are_reworded_with_the_name() {
        let e = anyhow::Error::from(ApiFailure {
            description: "stream not found".into(),
            err_code: STREAM_NOT_FOUND,
        });
        assert_eq!(
            name_missing(e, "S", Some("C")).to_string(),
            "stream \"S\" not found"
        );
        let e = anyhow::Error::from(ApiFailure {
            description: "consumer not found".into(),
            err_code: CONSUMER_NOT_FOUND,
        });
        assert_eq!(
            name_missing(e, "S", Some("C")).to_string(),
            "consumer \"C\" not found in \"S\""
        );
        assert!(check_name("consumer", "a.b").is_err());
        assert!(check_name("consumer", "ok_name").is_ok());
    }
}
