//! `rill stream cluster step-down` and `rill consumer cluster step-down`: ask the leader of a
//! stream's or consumer's Raft group to stand down, then watch the group until another peer
//! leads it, as `nats ... cluster step-down` does.
//!
//! Progress goes to stderr as timestamped lines (`09:05:18 New leader elected "n2"`), the
//! information page afterwards to stdout.

use std::time::Duration;

use anyhow::bail;
use rill_core::jetstream::api::ClusterInfo;
use serde_json::Value;

use crate::cli::format::time::{clock, now_unix_nanos};
use crate::cli::js_api::{name_missing, JsApi};

/// Pause between two looks at the group after the request.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Looks at the group before giving up on a new leader.
const POLLS_MAX: u32 = 10;

/// What to step down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A stream's group.
    Stream(String),
    /// A consumer's group: stream, consumer.
    Consumer(String, String),
}

impl Target {
    fn info_subject(&self) -> String {
        match self {
            Target::Stream(s) => format!("STREAM.INFO.{s}"),
            Target::Consumer(s, c) => format!("CONSUMER.INFO.{s}.{c}"),
        }
    }

    fn stepdown_subject(&self) -> String {
        match self {
            Target::Stream(s) => format!("STREAM.LEADER.STEPDOWN.{s}"),
            Target::Consumer(s, c) => format!("CONSUMER.LEADER.STEPDOWN.{s}.{c}"),
        }
    }

    /// `stream "S"` or `consumer "S" > "C"`.
    fn describe(&self) -> String {
        match self {
            Target::Stream(s) => format!("stream {s:?}"),
            Target::Consumer(s, c) => format!("consumer {s:?} > {c:?}"),
        }
    }

    fn missing(&self, err: anyhow::Error) -> anyhow::Error {
        match self {
            Target::Stream(s) => name_missing(err, s, None),
            Target::Consumer(s, c) => name_missing(err, s, Some(c)),
        }
    }

    /// The group as the info request shows it; `None` when not clustered.
    async fn cluster(&self, js: &JsApi) -> anyhow::Result<Option<ClusterInfo>> {
        let (raw, _): (Value, Value) = js
            .request::<(), _>(&self.info_subject(), None)
            .await
            .map_err(|e| self.missing(e))?;
        match raw.get("cluster") {
            None | Some(Value::Null) => Ok(None),
            Some(c) => Ok(Some(serde_json::from_value(c.clone())?)),
        }
    }
}

/// A progress line on stderr with the local time in front, as the nats CLI logs.
pub fn log_line(text: &str) {
    eprintln!("{} {text}", clock(now_unix_nanos()));
}

/// Asks `target`'s leader to step down and waits for a new one; returns its name.
pub async fn step_down(js: &JsApi, target: &Target) -> anyhow::Result<String> {
    let Some(cluster) = target.cluster(js).await? else {
        bail!("{} is not clustered", target.describe());
    };
    if cluster.leader.is_empty() {
        bail!("{} has no current leader", target.describe());
    }
    let old = cluster.leader;
    log_line(&format!(
        "Requesting leader step down of {old:?} in a {} peer RAFT group",
        cluster.replicas.len() + 1
    ));
    js.request::<(), Value>(&target.stepdown_subject(), None)
        .await
        .map_err(|e| target.missing(e))?;
    for _ in 0..POLLS_MAX {
        tokio::time::sleep(POLL_INTERVAL).await;
        match target.cluster(js).await {
            Ok(Some(now)) if !now.leader.is_empty() && now.leader != old => {
                log_line(&format!("New leader elected {:?}", now.leader));
                return Ok(now.leader);
            }
            Ok(_) => {}
            Err(e) => log_line(&format!("Failed to retrieve the group's state: {e:#}")),
        }
    }
    bail!(
        "{} did not elect a new leader within {}s",
        target.describe(),
        (POLL_INTERVAL * POLLS_MAX).as_secs()
    )
}
