//! The client side of Raft RPCs: the [`Transport`] the server implements (over NATS routes),
//! openraft's network built on it, and the per-peer "last seen" record.
//!
//! Bodies are postcard (compact, serde-based, no schema files; the crate is small and
//! maintained, and the workspace already uses it). A request body is the openraft request;
//! a reply body is `Result<response, RaftError>` so the remote node's refusals travel back.
//! Snapshots go as openraft's chunked InstallSnapshot RPCs, each chunk at most
//! `snapshot_chunk_bytes_max`, so every message fits a NATS payload.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use openraft::error::{
    InstallSnapshotError, NetworkError, PayloadTooLarge, RPCError, RaftError, RemoteError,
};
use openraft::network::RPCOption;
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::{RaftNetwork, RaftNetworkFactory};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use super::error::TransportError;
use super::types::{Member, NodeId, TypeConfig};

/// Which Raft RPC a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RpcKind {
    /// Log replication and heartbeats.
    AppendEntries,
    /// Leader election.
    Vote,
    /// One chunk of a snapshot.
    InstallSnapshot,
    /// A leader stepping down asks the member it prefers to stand for election now.
    Campaign,
}

impl RpcKind {
    /// A short token for subjects (`append`, `vote`, `snapshot`).
    pub fn as_str(self) -> &'static str {
        match self {
            RpcKind::AppendEntries => "append",
            RpcKind::Vote => "vote",
            RpcKind::InstallSnapshot => "snapshot",
            RpcKind::Campaign => "campaign",
        }
    }

    /// The kind named by [`RpcKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "append" => Some(RpcKind::AppendEntries),
            "vote" => Some(RpcKind::Vote),
            "snapshot" => Some(RpcKind::InstallSnapshot),
            "campaign" => Some(RpcKind::Campaign),
            _ => None,
        }
    }
}

impl fmt::Display for RpcKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Carries a request to node `to` and brings back its reply: the server implements it over
/// routes (request/reply on internal subjects); the receiving server hands the body to its
/// [`Registry::handle`](super::Registry::handle).
pub trait Transport: Send + Sync + 'static {
    /// Sends `body` to the group `group` on node `to` and waits for the reply body.
    fn call<'a>(
        &'a self,
        to: NodeId,
        group: &'a str,
        kind: RpcKind,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<Vec<u8>, TransportError>>;
}

/// When each peer last answered an RPC of one group.
#[derive(Debug, Default)]
pub struct PeerTracker {
    seen: Mutex<BTreeMap<NodeId, Instant>>,
}

impl PeerTracker {
    fn record(&self, node: NodeId) {
        let now = Instant::now();
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(node, now);
    }

    /// Time since `node` last answered, if it ever did.
    pub fn last_seen(&self, node: NodeId) -> Option<Duration> {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.get(&node).map(|t| t.elapsed())
    }
}

/// Encodes a message body.
pub(crate) fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, postcard::Error> {
    postcard::to_stdvec(v)
}

/// Decodes a message body.
pub(crate) fn decode<T: DeserializeOwned>(b: &[u8]) -> Result<T, postcard::Error> {
    postcard::from_bytes(b)
}

/// openraft's network factory for one group.
pub(crate) struct Network {
    pub group: Arc<str>,
    pub transport: Arc<dyn Transport>,
    pub peers: Arc<PeerTracker>,
    /// Pause after a failed call before reporting it (the heartbeat interval).
    pub retry_delay: Duration,
    /// Largest request body; bigger AppendEntries are split (openraft retries with fewer
    /// entries).
    pub rpc_bytes_max: usize,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, _node: &Member) -> PeerClient {
        PeerClient {
            target,
            group: self.group.clone(),
            transport: self.transport.clone(),
            peers: self.peers.clone(),
            retry_delay: self.retry_delay,
            rpc_bytes_max: self.rpc_bytes_max,
        }
    }
}

/// openraft's connection to one peer of one group.
pub(crate) struct PeerClient {
    target: NodeId,
    group: Arc<str>,
    transport: Arc<dyn Transport>,
    peers: Arc<PeerTracker>,
    retry_delay: Duration,
    rpc_bytes_max: usize,
}

type RpcResult<T, E> = Result<T, RPCError<NodeId, Member, RaftError<NodeId, E>>>;

impl PeerClient {
    async fn rpc<Req, Resp, E>(
        &self,
        kind: RpcKind,
        req: &Req,
        entries: usize,
        ttl: Duration,
    ) -> RpcResult<Resp, E>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: Error + DeserializeOwned,
    {
        let net = |e: &(dyn Error + 'static)| {
            RPCError::Network(NetworkError::from(openraft::AnyError::from_dyn(e, None)))
        };
        let body = encode(req).map_err(|e| net(&e))?;
        if body.len() > self.rpc_bytes_max && entries > 1 {
            // Ask openraft to send fewer entries at a time (a single entry goes regardless:
            // its size is bounded by the batch limits).
            let hint = (entries as u64 / 2).max(1);
            return Err(RPCError::PayloadTooLarge(
                PayloadTooLarge::new_entries_hint(hint),
            ));
        }
        let call = self.transport.call(self.target, &self.group, kind, body);
        // Transport failures are network errors, not `Unreachable`: openraft retries them at
        // heartbeat pace instead of entering its backoff (whose wait uses an unbiased
        // `select!`, a source of nondeterminism in simulations).
        // A failure is reported only after `retry_delay`: openraft retries at once, and a
        // peer that refuses instantly (not running, no route) would otherwise spin.
        let reply = match tokio::time::timeout(ttl, call).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => {
                tokio::time::sleep(self.retry_delay).await;
                return Err(net(&e));
            }
            Err(_) => return Err(net(&TransportError::Timeout(self.target))),
        };
        let res: Result<Resp, RaftError<NodeId, E>> = decode(&reply).map_err(|e| net(&e))?;
        self.peers.record(self.target);
        res.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<AppendEntriesResponse<NodeId>, openraft::error::Infallible> {
        let entries = rpc.entries.len();
        self.rpc(RpcKind::AppendEntries, &rpc, entries, option.hard_ttl())
            .await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<InstallSnapshotResponse<NodeId>, InstallSnapshotError> {
        self.rpc(RpcKind::InstallSnapshot, &rpc, 0, option.hard_ttl())
            .await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> RpcResult<VoteResponse<NodeId>, openraft::error::Infallible> {
        self.rpc(RpcKind::Vote, &rpc, 0, option.hard_ttl()).await
    }
}
