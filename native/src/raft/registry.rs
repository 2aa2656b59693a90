//! The server side of Raft RPCs: which groups run on this node, and handing a received
//! request to the right one.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use openraft::raft::{AppendEntriesRequest, InstallSnapshotRequest, VoteRequest};

use super::error::RaftLayerError;
use super::network::{decode, encode, RpcKind};
use super::types::{NodeId, Raft, TypeConfig};

/// The groups open on this node, by name. Groups add themselves when they open and leave
/// when they shut down.
#[derive(Default)]
pub struct Registry {
    groups: RwLock<BTreeMap<String, Raft>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("groups", &self.names())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Names of the open groups.
    pub fn names(&self) -> Vec<String> {
        let groups = self.groups.read().unwrap_or_else(PoisonError::into_inner);
        groups.keys().cloned().collect()
    }

    pub(crate) fn insert(&self, name: &str, raft: Raft) -> Result<(), RaftLayerError> {
        let mut groups = self.groups.write().unwrap_or_else(PoisonError::into_inner);
        if groups.contains_key(name) {
            return Err(RaftLayerError::GroupExists(name.to_string()));
        }
        groups.insert(name.to_string(), raft);
        Ok(())
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        let groups = self.groups.read().unwrap_or_else(PoisonError::into_inner);
        groups.contains_key(name)
    }

    pub(crate) fn remove(&self, name: &str) {
        let mut groups = self.groups.write().unwrap_or_else(PoisonError::into_inner);
        groups.remove(name);
    }

    /// Handles one request for `group` received from the transport and returns the reply
    /// body. An `Err` means the request never reached a group (unknown group, undecodable
    /// body); the transport reports it to the caller as a remote error.
    pub async fn handle(
        &self,
        group: &str,
        kind: RpcKind,
        body: &[u8],
    ) -> Result<Vec<u8>, RaftLayerError> {
        let raft = {
            let groups = self.groups.read().unwrap_or_else(PoisonError::into_inner);
            groups
                .get(group)
                .cloned()
                .ok_or_else(|| RaftLayerError::UnknownGroup(group.to_string()))?
        };
        let malformed = |e: postcard::Error| RaftLayerError::Malformed(e.to_string());
        let reply = match kind {
            RpcKind::AppendEntries => {
                let req: AppendEntriesRequest<TypeConfig> = decode(body).map_err(malformed)?;
                encode(&raft.append_entries(req).await)
            }
            RpcKind::Vote => {
                let req: VoteRequest<NodeId> = decode(body).map_err(malformed)?;
                encode(&raft.vote(req).await)
            }
            RpcKind::InstallSnapshot => {
                let req: InstallSnapshotRequest<TypeConfig> = decode(body).map_err(malformed)?;
                encode(&raft.install_snapshot(req).await)
            }
            RpcKind::Campaign => {
                // A request still in flight when this node has already won must not start
                // another election (it would unseat the leader it just became). A candidate
                // asked again stands again: after the old leader's lease ends it wins.
                let leads = {
                    let m = raft.metrics().borrow().clone();
                    m.current_leader == Some(m.id)
                };
                let started = !leads && raft.trigger().elect().await.is_ok();
                tracing::debug!(group, started, leads, "asked to stand for election");
                encode(&started)
            }
        };
        reply.map_err(malformed)
    }
}
