//! Starting clustered JetStream on a server: the Raft transport, then the meta group.
//!
//! A server whose meta group has state on disk simply reopens it. A new server waits for the
//! routes to settle (the set of JetStream peers unchanged for [`SETTLE_MS`], with as many
//! peers as its configured routes name, or [`SETTLE_MS_MAX`] at most), then asks its peers
//! (`$JSC.META.PROBE`) whether any of them already belongs to a meta group. If none does, the
//! server with the smallest name among those it sees creates the group with all of them as
//! voters; every other server opens the group empty and is brought in by the leader, which
//! also adds JetStream servers that appear later (`controller.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use rill_core::jetstream::cluster::node_id;
use rill_core::proto::Publish;
use tracing::{error, info};

use super::controller::{Controller, ControllerConfig, META_GROUP};
use super::transport::RouteTransport;
use crate::jetstream::service::Input;
use crate::raft::{GroupConfig, Member, NodeId, Registry};
use crate::server::client::InternalSink;
use crate::server::internal::publish_once;
use crate::server::state::Shared;

/// The peer set must stay unchanged this long before a new meta group is created.
pub const SETTLE_MS: u64 = 1_000;
/// A new server waits at most this long for the peers its routes name.
pub const SETTLE_MS_MAX: u64 = 5_000;
/// How long answers to the probe are collected.
const PROBE_MS: u64 = 300;
/// The probe subject.
const PROBE: &str = "$JSC.META.PROBE";

/// Whether the meta group has state on this server.
fn has_meta_state(js_dir: &Path) -> bool {
    std::fs::read_dir(crate::raft::group_dir(js_dir, META_GROUP))
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}

/// Answers probes: whether this server belongs to a meta group.
#[derive(Debug)]
struct Prober {
    shared: Arc<Shared>,
    js_dir: PathBuf,
}

impl InternalSink for Prober {
    fn deliver(&self, msg: &Publish) -> bool {
        let Some(reply) = msg.reply.clone() else {
            return false;
        };
        let body = serde_json::json!({
            "server": self.shared.info.server_name,
            "initialized": has_meta_state(&self.js_dir),
        });
        publish_once(&self.shared, reply, Bytes::from(body.to_string()));
        true
    }
}

/// Starts the transport and, in a task, the meta group and the controller.
pub fn start(shared: Arc<Shared>, js_dir: PathBuf) -> anyhow::Result<()> {
    let cluster = shared.cluster.clone().context("no cluster configured")?;
    if shared.opts.server_name.is_none() {
        anyhow::bail!("JetStream in a cluster needs `server_name` (or --server_name) to be set");
    }
    let name = shared.info.server_name.clone();
    let me = node_id(&name);
    let registry = Registry::new();
    let transport = RouteTransport::start(shared.clone(), me, registry.clone())?;
    shared.subscribe_internal(
        PROBE,
        None,
        Arc::new(Prober {
            shared: shared.clone(),
            js_dir: js_dir.clone(),
        }),
    )?;
    let service = shared
        .jetstream
        .get()
        .cloned()
        .context("JetStream service not started")?;
    let cfg = ControllerConfig {
        server_name: name,
        cluster: cluster.name.clone(),
        js_dir: js_dir.clone(),
        group: GroupConfig::default(),
    };
    tokio::spawn(async move {
        let init = if has_meta_state(&js_dir) {
            None
        } else {
            decide(&shared).await
        };
        if let Some(m) = &init {
            info!(voters = m.len(), "creating the JetStream meta group");
        }
        match Controller::start(shared, cfg, service.clone(), registry, transport, init).await {
            Ok(link) => {
                let _ = service.send(Input::ClusterLink(link)).await;
            }
            Err(e) => error!("JetStream cluster cannot start: {e:#}"),
        }
    });
    Ok(())
}

/// Connected JetStream peers by name.
fn js_peers(shared: &Shared) -> BTreeSet<String> {
    shared
        .cluster
        .as_ref()
        .map(|c| {
            c.peer_list()
                .into_iter()
                .filter(|p| p.jetstream && p.connected)
                .map(|p| p.server_name)
                .collect()
        })
        .unwrap_or_default()
}

/// How many peers the configured routes name (this server's own route not counted).
fn expected_peers(shared: &Shared) -> usize {
    let Some(c) = shared.cluster.as_ref() else {
        return 0;
    };
    let mine = c.listen_addr.port();
    c.config
        .routes
        .iter()
        .filter(|r| !(r.port == mine && is_local(&r.host)))
        .map(|r| (r.host.clone(), r.port))
        .collect::<BTreeSet<_>>()
        .len()
}

fn is_local(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "0.0.0.0" | "::1")
}

/// Decides whether this server creates the meta group, and with whom (see the module docs).
async fn decide(shared: &Arc<Shared>) -> Option<BTreeMap<NodeId, Member>> {
    let expected = expected_peers(shared);
    let started = tokio::time::Instant::now();
    let mut seen = js_peers(shared);
    let mut stable_since = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = js_peers(shared);
        if now != seen {
            seen = now;
            stable_since = tokio::time::Instant::now();
        }
        let settled =
            stable_since.elapsed() >= Duration::from_millis(SETTLE_MS) && seen.len() >= expected;
        if settled || started.elapsed() >= Duration::from_millis(SETTLE_MS_MAX) {
            break;
        }
    }
    if any_initialized(shared).await {
        info!("joining the existing JetStream meta group");
        return None;
    }
    let me = shared.info.server_name.clone();
    if seen.iter().any(|p| *p < me) {
        return None;
    }
    let mut members: BTreeMap<NodeId, Member> = seen
        .into_iter()
        .map(|p| (node_id(&p), Member::new(p)))
        .collect();
    members.insert(node_id(&me), Member::new(me));
    Some(members)
}

/// Asks every peer whether it belongs to a meta group.
async fn any_initialized(shared: &Arc<Shared>) -> bool {
    let answers =
        super::request::collect(shared, PROBE, Bytes::new(), Duration::from_millis(PROBE_MS)).await;
    answers.iter().any(|b| {
        serde_json::from_slice::<serde_json::Value>(b)
            .ok()
            .is_some_and(|v| {
                v["initialized"].as_bool() == Some(true)
                    && v["server"].as_str() != Some(&shared.info.server_name)
            })
    })
}
