//! System-account requests that every server answers (`$SYS.REQ.SERVER.PING.JSZ`): one
//! request, many replies, gathered until the replies stop coming.
//!
//! nats-server answers only connections of its system account; other accounts get no
//! responders, which the commands turn into the nats CLI's advice about system privileges.
//! Rill does not answer these requests yet (see [`crate::cli::server`]).

use std::time::Duration;

use anyhow::Context as _;
use futures::StreamExt;
use serde::Deserialize;

/// The JetStream report request, answered by every JetStream server.
pub const PING_JSZ: &str = "$SYS.REQ.SERVER.PING.JSZ";

/// After the first reply, how long to wait for another before the gathering ends.
const REPLY_GAP: Duration = Duration::from_millis(500);

/// Replies gathered at most (a bound on a misbehaving network).
const REPLIES_MAX: usize = 1024;

/// The answering server (`server` in every system reply).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServerRef {
    /// `server_name`.
    pub name: String,
    /// Server id.
    pub id: String,
    /// Cluster name.
    pub cluster: String,
    /// JetStream domain.
    pub domain: String,
}

/// JetStream API counters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApiCounters {
    /// Requests.
    pub total: u64,
    /// Requests answered with an error.
    pub errors: u64,
}

/// One member of the meta group as a server sees it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetaPeer {
    /// Server name.
    pub name: String,
    /// Caught up with the leader.
    pub current: bool,
    /// Not reachable.
    pub offline: bool,
    /// Nanoseconds since last heard from.
    pub active: i64,
    /// Entries behind.
    pub lag: u64,
    /// Peer id.
    pub peer: String,
}

/// `meta_cluster` of a JSZ reply: the meta group as that server sees it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetaCluster {
    /// Cluster name.
    pub name: String,
    /// Leader's server name (empty without a leader).
    pub leader: String,
    /// The answering server's own peer id.
    pub peer: String,
    /// The other members.
    pub replicas: Vec<MetaPeer>,
    /// Configured members.
    pub cluster_size: u64,
}

/// The `data` of a JSZ reply (the parts the reports use).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct JsInfo {
    /// Memory store bytes.
    pub memory: u64,
    /// File store bytes.
    pub storage: u64,
    /// API counters.
    pub api: ApiCounters,
    /// Streams on this server.
    pub streams: u64,
    /// Consumers on this server.
    pub consumers: u64,
    /// Messages stored.
    pub messages: u64,
    /// Bytes stored.
    pub bytes: u64,
    /// The meta group (clustered JetStream only).
    pub meta_cluster: Option<MetaCluster>,
}

/// An error a server put in its reply.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SysError {
    /// HTTP-like code.
    pub code: i64,
    /// Text.
    pub description: String,
}

/// One server's reply to [`PING_JSZ`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct JszReply {
    /// Who answered.
    pub server: ServerRef,
    /// Its report.
    pub data: Option<JsInfo>,
    /// Or its error.
    pub error: Option<SysError>,
}

/// Sends `body` to `subject` and gathers every reply until none came for [`REPLY_GAP`] or
/// `timeout` passed. No responders (not a system account, or a server without these
/// requests) gives no replies.
pub async fn gather(
    client: &async_nats::Client,
    subject: &str,
    body: &serde_json::Value,
    timeout: Duration,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let inbox = client.new_inbox();
    let mut sub = client
        .subscribe(inbox.clone())
        .await
        .context("cannot subscribe for the replies")?;
    let payload = serde_json::to_vec(body).context("cannot encode the request")?;
    client
        .publish_with_reply(subject.to_string(), inbox, payload.into())
        .await
        .with_context(|| format!("cannot send {subject}"))?;
    client.flush().await.context("cannot send the request")?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut replies = Vec::new();
    while replies.len() < REPLIES_MAX {
        let now = tokio::time::Instant::now();
        let mut wait = deadline.saturating_duration_since(now);
        if !replies.is_empty() {
            wait = wait.min(REPLY_GAP);
        }
        let Ok(Some(msg)) = tokio::time::timeout(wait, sub.next()).await else {
            break;
        };
        if msg.status == Some(async_nats::StatusCode::NO_RESPONDERS) {
            break;
        }
        let value = serde_json::from_slice(&msg.payload)
            .with_context(|| format!("invalid reply to {subject}"))?;
        replies.push(value);
    }
    let _ = sub.unsubscribe().await;
    Ok(replies)
}

/// Every server's JSZ report; servers that answered with an error are left out.
pub async fn jsz(client: &async_nats::Client, timeout: Duration) -> anyhow::Result<Vec<JszReply>> {
    let raw = gather(client, PING_JSZ, &serde_json::json!({}), timeout).await?;
    let mut out = Vec::with_capacity(raw.len());
    for value in raw {
        let reply: JszReply = serde_json::from_value(value)
            .with_context(|| format!("invalid reply to {PING_JSZ}"))?;
        if reply.error.is_none() && reply.data.is_some() {
            out.push(reply);
        }
    }
    Ok(out)
}

/// The reply of the server that leads the meta group (it knows every member's state).
pub fn meta_leader(replies: &[JszReply]) -> Option<(&JszReply, &MetaCluster)> {
    replies.iter().find_map(|r| {
        let meta = r.data.as_ref()?.meta_cluster.as_ref()?;
        (!meta.leader.is_empty() && meta.leader == r.server.name).then_some((r, meta))
    })
}
