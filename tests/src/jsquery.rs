//! Questions to a clustered JetStream over its `$JS.API`: stream and consumer info as JSON,
//! who leads, moving the leadership to a chosen replica, and reading a whole stream from the
//! current leader.
//!
//! Info is kept as `serde_json::Value` so tests can look at any field a server sends (e.g. a
//! replica's `offline`), and requests are raw so an error reply is seen as the server sent it.
//! Every call is bounded by [`API_TIMEOUT`]; the `wait_*` helpers poll until their limit.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use serde_json::{json, Value};

use async_nats::jetstream::stream::RawMessageErrorKind;

use crate::jscluster::JsCluster;

/// The wait for one `$JS.API` reply.
pub const API_TIMEOUT: Duration = Duration::from_secs(5);

/// The wait for one reply while polling (short, so a poll notices a change soon after it).
pub const POLL_REQUEST_TIMEOUT: Duration = Duration::from_secs(1);

/// How long after a step-down request the new leader has to show up in the stream info.
pub const STEPDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// How many `STREAM.MSG.GET` requests [`read_stream`] keeps in flight.
const READ_WINDOW: usize = 32;

/// Sends a raw `$JS.API` request and parses the JSON reply (error replies included).
pub async fn api(client: &async_nats::Client, subject: &str, body: Value) -> Result<Value, String> {
    api_within(client, subject, body, API_TIMEOUT).await
}

/// [`api`] with its own bound on the wait for the reply.
pub async fn api_within(
    client: &async_nats::Client,
    subject: &str,
    body: Value,
    limit: Duration,
) -> Result<Value, String> {
    let payload = Bytes::from(body.to_string());
    let request = client.request(subject.to_string(), payload);
    let msg = match tokio::time::timeout(limit, request).await {
        Ok(Ok(msg)) => msg,
        Ok(Err(e)) => return Err(format!("{subject}: {e}")),
        Err(_) => return Err(format!("{subject}: no reply within {limit:?}")),
    };
    serde_json::from_slice(&msg.payload).map_err(|e| format!("{subject}: reply is not JSON: {e}"))
}

/// Like [`api`], but an `error` in the reply is an `Err` too.
pub async fn api_ok(
    client: &async_nats::Client,
    subject: &str,
    body: Value,
) -> Result<Value, String> {
    let reply = api(client, subject, body).await?;
    match reply.get("error") {
        Some(error) => Err(format!("{subject}: {error}")),
        None => Ok(reply),
    }
}

/// `STREAM.INFO` of `stream`.
pub async fn stream_info(client: &async_nats::Client, stream: &str) -> Result<Value, String> {
    api_ok(client, &format!("$JS.API.STREAM.INFO.{stream}"), json!({})).await
}

/// `CONSUMER.INFO` of `stream`'s `consumer`.
pub async fn consumer_info(
    client: &async_nats::Client,
    stream: &str,
    consumer: &str,
) -> Result<Value, String> {
    let subject = format!("$JS.API.CONSUMER.INFO.{stream}.{consumer}");
    api_ok(client, &subject, json!({})).await
}

/// The leader named in an info's `cluster` block, if any.
pub fn leader_in(info: &Value) -> Option<String> {
    info["cluster"]["leader"]
        .as_str()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
}

/// The replicas (other than the leader) in an info's `cluster` block.
pub fn replicas_in(info: &Value) -> Vec<Value> {
    info["cluster"]["replicas"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Whether the info shows a leader and every replica `current` and not `offline`.
pub fn all_current(info: &Value, replicas: usize) -> bool {
    let peers = replicas_in(info);
    leader_in(info).is_some()
        && peers.len() + 1 == replicas
        && peers
            .iter()
            .all(|p| p["current"] == json!(true) && p["offline"] != json!(true))
}

/// Polls `probe` every 100 ms until it yields `Some` or `limit` passes.
pub async fn poll<T, F, Fut>(limit: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the info request `subject` through `client` until `accept` holds; the accepted
/// info, or `None` after `limit`.
async fn wait_info(
    client: &async_nats::Client,
    subject: &str,
    limit: Duration,
    accept: impl Fn(&Value) -> bool,
) -> Option<Value> {
    poll(limit, || async {
        let reply = api_within(client, subject, json!({}), POLL_REQUEST_TIMEOUT).await;
        reply
            .ok()
            .filter(|info| info.get("error").is_none() && accept(info))
    })
    .await
}

/// Polls `STREAM.INFO` through `client` until `accept` holds; the accepted info, or `None`
/// after `limit`.
pub async fn wait_stream_info(
    client: &async_nats::Client,
    stream: &str,
    limit: Duration,
    accept: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let subject = format!("$JS.API.STREAM.INFO.{stream}");
    wait_info(client, &subject, limit, accept).await
}

/// Polls `CONSUMER.INFO` through `client` until `accept` holds; the accepted info, or `None`
/// after `limit`.
pub async fn wait_consumer_info(
    client: &async_nats::Client,
    stream: &str,
    consumer: &str,
    limit: Duration,
    accept: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let subject = format!("$JS.API.CONSUMER.INFO.{stream}.{consumer}");
    wait_info(client, &subject, limit, accept).await
}

/// Waits for `stream` to have a leader other than `not` (a node name); its name.
pub async fn wait_leader(
    client: &async_nats::Client,
    stream: &str,
    not: Option<&str>,
    limit: Duration,
) -> Option<String> {
    let info = wait_stream_info(client, stream, limit, |info| {
        leader_in(info).is_some_and(|l| Some(l.as_str()) != not)
    })
    .await?;
    leader_in(&info)
}

/// Moves `stream`'s leadership to node `target`: a step-down naming it as `preferred`
/// (nats-server 2.10+); if the server refuses that, plain step-downs until it wins. Waits
/// until the stream info (through `client`) shows it leading.
pub async fn step_down_to(
    cluster: &JsCluster,
    client: &async_nats::Client,
    stream: &str,
    target: usize,
) -> Result<(), String> {
    let name = cluster.name(target).to_string();
    let subject = format!("$JS.API.STREAM.LEADER.STEPDOWN.{stream}");
    let deadline = Instant::now() + STEPDOWN_TIMEOUT;
    let mut preferred = true;
    loop {
        let info = stream_info(client, stream).await;
        if info.as_ref().ok().and_then(leader_in).as_deref() == Some(name.as_str()) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{name} did not become leader of {stream}: last info {info:?}"
            ));
        }
        if info.as_ref().is_ok_and(|i| leader_in(i).is_some()) {
            let body = if preferred {
                json!({"placement": {"preferred": name}})
            } else {
                json!({})
            };
            match api_ok(client, &subject, body).await {
                Ok(_) => {
                    let before = info.as_ref().ok().and_then(leader_in);
                    let moved = wait_stream_info(client, stream, STEPDOWN_TIMEOUT, |i| {
                        leader_in(i).is_some_and(|l| Some(l) != before)
                    });
                    moved.await;
                }
                Err(e) => {
                    // An older server refuses `preferred`; a busy one refuses for a moment.
                    eprintln!("step-down of {stream} towards {name}: {e}");
                    preferred = false;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// One stored message as the leader serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Stream sequence.
    pub seq: u64,
    /// Subject it was stored under.
    pub subject: String,
    /// Its `Nats-Msg-Id` header, if any.
    pub msg_id: Option<String>,
    /// The payload.
    pub payload: Bytes,
}

/// Reads every message of `stream` with `STREAM.MSG.GET` (always answered by the leader),
/// from the first to the last sequence of its current state. Fails on any error other than
/// a deleted sequence.
pub async fn read_stream(client: &async_nats::Client, stream: &str) -> Result<Vec<Stored>, String> {
    let info = stream_info(client, stream).await?;
    let first = info["state"]["first_seq"].as_u64().unwrap_or(0);
    let last = info["state"]["last_seq"].as_u64().unwrap_or(0);
    if last == 0 {
        return Ok(Vec::new());
    }
    let js = async_nats::jetstream::new(client.clone());
    let handle = js
        .get_stream_no_info(stream)
        .await
        .map_err(|e| format!("stream handle: {e}"))?;
    let fetched: Vec<Result<Option<Stored>, String>> = futures::stream::iter(first.max(1)..=last)
        .map(|seq| {
            let handle = &handle;
            async move {
                match handle.get_raw_message(seq).await {
                    Ok(m) => Ok(Some(Stored {
                        seq: m.sequence,
                        subject: m.subject.to_string(),
                        msg_id: m.headers.get("Nats-Msg-Id").map(|v| v.as_str().to_owned()),
                        payload: m.payload,
                    })),
                    Err(e) if e.kind() == RawMessageErrorKind::NoMessageFound => Ok(None),
                    Err(e) => Err(format!("MSG.GET {seq} of {stream}: {e}")),
                }
            }
        })
        .buffered(READ_WINDOW)
        .collect()
        .await;
    fetched.into_iter().filter_map(Result::transpose).collect()
}

/// Reads the whole of `stream` while each node of `nodes` in turn leads it, after waiting for
/// that leader's state to reach `last_seq`; panics if any replica's copy differs from the
/// first one (sequences, subjects, ids and payloads). Returns the common contents.
pub async fn read_on_each_replica(
    cluster: &JsCluster,
    client: &async_nats::Client,
    stream: &str,
    nodes: &[usize],
    last_seq: u64,
) -> Vec<Stored> {
    let mut first: Option<(String, Vec<Stored>)> = None;
    for &node in nodes {
        let name = cluster.name(node).to_string();
        step_down_to(cluster, client, stream, node)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let caught_up = wait_stream_info(client, stream, STEPDOWN_TIMEOUT, |info| {
            leader_in(info).as_deref() == Some(name.as_str())
                && info["state"]["last_seq"].as_u64() == Some(last_seq)
        });
        if caught_up.await.is_none() {
            let info = stream_info(client, stream).await;
            panic!("{name} leads {stream} but does not reach last_seq {last_seq}: {info:?}");
        }
        let contents = read_stream(client, stream)
            .await
            .unwrap_or_else(|e| panic!("reading {stream} from {name}: {e}"));
        match &first {
            None => first = Some((name, contents)),
            Some((first_name, expected)) => {
                assert_eq!(
                    contents.len(),
                    expected.len(),
                    "{name} and {first_name} hold different numbers of messages"
                );
                if let Some((a, b)) = contents.iter().zip(expected).find(|(a, b)| a != b) {
                    panic!("replica {name} has {a:?} where {first_name} has {b:?}");
                }
            }
        }
    }
    first.map(|(_, contents)| contents).unwrap_or_default()
}
