//! [`Group`]: one replicated group on this node, the handle the server uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use openraft::ChangeMembers;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::network::RpcKind;

/// How often a stepping-down leader asks its preferred successor to stand.
pub const CAMPAIGN_EVERY_MS: u64 = 300;

use super::batch::Pending;
use super::config::GroupConfig;
use super::disk::Disk;
use super::error::{ProposeError, RaftLayerError};
use super::machine::Machine;
use super::network::{PeerTracker, Transport};
use super::registry::Registry;
use super::start;
use super::status::{self, GroupStatus, Leadership};
use super::types::{Member, NodeId, Raft};

/// The directory of group `name`'s log under a server's store directory:
/// `<store_dir>/raft/<name>`.
pub fn group_dir(store_dir: &Path, name: &str) -> PathBuf {
    store_dir.join("raft").join(name)
}

/// How to open a group.
pub struct GroupOptions {
    /// Group name (unique on the node; the transport addresses groups by it).
    pub name: String,
    /// This node's id.
    pub node: NodeId,
    /// Where the group's log lives (e.g. an [`FsDisk`](super::FsDisk) on [`group_dir`]).
    pub disk: Arc<dyn Disk>,
    /// The voters when creating the group, this node included. Every member may pass the
    /// same set (openraft allows initializing with identical membership on several nodes).
    /// Ignored when the log already holds state; `None` for a node that will be added by
    /// the leader (`add_member`).
    pub initial_members: Option<BTreeMap<NodeId, Member>>,
    /// Timers and limits.
    pub config: GroupConfig,
}

/// One open group.
pub struct Group {
    inner: Arc<Inner>,
    tasks: Vec<JoinHandle<()>>,
}

/// What the handle and the supervisor share.
pub(crate) struct Inner {
    pub name: String,
    pub node: NodeId,
    pub registry: Arc<Registry>,
    pub disk: Arc<dyn Disk>,
    pub peers: Arc<PeerTracker>,
    pub raft: RwLock<Raft>,
    pub leadership: watch::Sender<Leadership>,
    pub stepping_down: AtomicBool,
    pub closing: AtomicBool,
    pub config: GroupConfig,
    pub proposals: mpsc::Sender<Pending>,
    pub transport: Arc<dyn Transport>,
}

impl Inner {
    pub fn raft(&self) -> Raft {
        self.raft
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Group {
    /// Opens the group: recovers the machine to its checkpoint, replays the log, starts Raft
    /// and registers with `registry`. A new group with `initial_members` is initialized.
    ///
    /// If openraft's core stops on an error that is not an i/o failure of the log or the
    /// machine (openraft 0.9.25 can quit on an internal race while a leader loses its
    /// term), the group restarts itself from disk, at most `RESTARTS_MAX` times.
    pub async fn open<M: Machine>(
        opts: GroupOptions,
        machine: M,
        transport: Arc<dyn Transport>,
        registry: Arc<Registry>,
    ) -> Result<Self, RaftLayerError> {
        let span = tracing::info_span!("raft", group = %opts.name, node = opts.node);
        let (inner, tasks) = start::open(opts, machine, transport, registry)
            .instrument(span)
            .await?;
        Ok(Self { inner, tasks })
    }

    /// The group's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// This node's id.
    pub fn node(&self) -> NodeId {
        self.inner.node
    }

    /// Proposes `command`; returns the machine's response once it is committed (durable on a
    /// quorum) and applied here.
    pub async fn propose(&self, command: Vec<u8>) -> Result<Vec<u8>, ProposeError> {
        let outcome = self.submit(command).await?;
        outcome
            .await
            .map_err(|_| ProposeError::Fatal("group stopped".into()))?
    }

    /// Queues `command` behind every command submitted before it (so commands submitted one
    /// after the other from one task are committed in that order) and returns at once with
    /// the receiver of its outcome, which [`Group::propose`] would have waited for.
    pub async fn submit(
        &self,
        command: Vec<u8>,
    ) -> Result<oneshot::Receiver<Result<Vec<u8>, ProposeError>>, ProposeError> {
        if command.len() > self.inner.config.command_bytes_max {
            return Err(ProposeError::TooLarge {
                bytes: command.len(),
                max: self.inner.config.command_bytes_max,
            });
        }
        if self.inner.stepping_down.load(Ordering::Acquire) {
            return Err(ProposeError::NotLeader {
                leader: None,
                server: None,
            });
        }
        let (reply, rx) = oneshot::channel();
        self.inner
            .proposals
            .send(Pending { command, reply })
            .await
            .map_err(|_| ProposeError::Fatal("group stopped".into()))?;
        Ok(rx)
    }

    /// The leader as this node knows it.
    pub fn leader(&self) -> Option<NodeId> {
        self.inner.leadership.borrow().leader
    }

    /// Leadership changes: a receiver that sees every new (term, leader).
    pub fn leadership(&self) -> watch::Receiver<Leadership> {
        self.inner.leadership.subscribe()
    }

    /// Term, role, leader, log and apply positions, and the replicas as the leader sees
    /// them.
    pub fn status(&self) -> GroupStatus {
        let offline = Duration::from_millis(self.inner.config.offline_after_ms);
        status::status(
            &self.inner.name,
            &self.inner.raft(),
            &self.inner.peers,
            offline,
        )
    }

    /// The underlying openraft instance (metrics, waits in tests). It changes if the group
    /// restarts itself.
    pub fn raft(&self) -> Raft {
        self.inner.raft()
    }

    /// Adds `node` as a learner, waits until it has caught up, then makes it a voter.
    pub async fn add_member(&self, node: NodeId, member: Member) -> Result<(), RaftLayerError> {
        self.inner
            .raft()
            .add_learner(node, member, true)
            .await
            .map_err(membership_err)?;
        let ids: BTreeSet<NodeId> = [node].into();
        self.inner
            .raft()
            .change_membership(ChangeMembers::AddVoterIds(ids), false)
            .await
            .map_err(membership_err)?;
        Ok(())
    }

    /// Removes `node` from the group (voter or learner).
    pub async fn remove_member(&self, node: NodeId) -> Result<(), RaftLayerError> {
        let ids: BTreeSet<NodeId> = [node].into();
        self.inner
            .raft()
            .change_membership(ChangeMembers::RemoveVoters(ids.clone()), false)
            .await
            .map_err(membership_err)?;
        Ok(())
    }

    /// Gives up leadership so another voter is elected; returns the new leader.
    ///
    /// openraft 0.9 has no leadership transfer, so the leader stops proposing, stops sending
    /// heartbeats and disables its own election timer: the followers' leader lease runs out,
    /// one of them stands, and the old leader (which will not stand) votes for it. Timers
    /// are restored afterwards, whether or not a new leader appeared within
    /// `3 × election_timeout_ms_max`.
    pub async fn step_down(&self) -> Result<NodeId, RaftLayerError> {
        self.step_down_to(None).await
    }

    /// [`Group::step_down`], preferring `to` as the next leader: while this leader is quiet,
    /// `to` is asked every `CAMPAIGN_EVERY_MS` to stand for election (it wins unless another
    /// member's own timer fires first, or its log is behind).
    pub async fn step_down_to(&self, to: Option<NodeId>) -> Result<NodeId, RaftLayerError> {
        let (leader, others) = {
            let m = self.inner.raft().metrics().borrow().clone();
            let others = m
                .membership_config
                .membership()
                .voter_ids()
                .filter(|v| *v != self.inner.node)
                .count();
            (m.current_leader, others)
        };
        if leader != Some(self.inner.node) {
            return Err(RaftLayerError::NotLeader { leader });
        }
        if others == 0 {
            return Err(RaftLayerError::NoOtherVoter);
        }
        self.inner.stepping_down.store(true, Ordering::Release);
        let raft = self.inner.raft();
        let rc = raft.runtime_config();
        rc.heartbeat(false);
        rc.elect(false);
        let mut watch = self.inner.leadership.subscribe();
        let me = self.inner.node;
        let wait = Duration::from_millis(self.inner.config.election_timeout_ms_max * 3);
        let prod = async {
            let Some(target) = to.filter(|t| *t != me) else {
                return std::future::pending::<()>().await;
            };
            loop {
                let r = self
                    .inner
                    .transport
                    .call(target, &self.inner.name, RpcKind::Campaign, Vec::new())
                    .await;
                tracing::debug!(target, ?r, "asked the preferred successor to stand");
                tokio::time::sleep(Duration::from_millis(CAMPAIGN_EVERY_MS)).await;
            }
        };
        let res = tokio::time::timeout(wait, async {
            tokio::select! {
                r = watch.wait_for(|l| l.leader.is_some_and(|x| x != me)) => r.map(|l| *l),
                _ = prod => unreachable!("prodding never ends"),
            }
        })
        .await;
        rc.heartbeat(true);
        rc.elect(true);
        self.inner.stepping_down.store(false, Ordering::Release);
        match res {
            Ok(Ok(l)) => Ok(l.leader.unwrap_or_default()),
            Ok(Err(_)) => Err(RaftLayerError::Raft("group stopped".into())),
            Err(_) => Err(RaftLayerError::Timeout("no other leader elected".into())),
        }
    }

    /// This group's members (voters and learners) by node id.
    pub fn members(&self) -> BTreeMap<NodeId, Member> {
        let m = self.inner.raft().metrics().borrow().clone();
        m.membership_config
            .membership()
            .nodes()
            .map(|(id, n)| (*id, n.clone()))
            .collect()
    }

    /// Stops the group on this node through a shared handle (its files stay, unless
    /// `delete`): what [`Group::shutdown`] and [`Group::delete`] do, for a group other tasks
    /// still hold. Later calls on any handle fail as from a stopped group.
    pub async fn stop(&self, delete: bool) -> Result<(), RaftLayerError> {
        self.inner.closing.store(true, Ordering::Release);
        for t in &self.tasks {
            t.abort();
        }
        self.inner.registry.remove(&self.inner.name);
        self.inner
            .raft()
            .shutdown()
            .await
            .map_err(|e| RaftLayerError::Raft(e.to_string()))?;
        if delete {
            self.inner
                .disk
                .destroy()
                .map_err(|e| super::error::LogError::io("delete group files", e))?;
        }
        Ok(())
    }

    /// Stops the group on this node (its files stay).
    pub async fn shutdown(self) -> Result<(), RaftLayerError> {
        self.inner.closing.store(true, Ordering::Release);
        for t in &self.tasks {
            t.abort();
        }
        self.inner.registry.remove(&self.inner.name);
        self.inner
            .raft()
            .shutdown()
            .await
            .map_err(|e| RaftLayerError::Raft(e.to_string()))
    }

    /// Stops the group and deletes its log. The machine's own files are the caller's.
    pub async fn delete(self) -> Result<(), RaftLayerError> {
        let disk = self.inner.disk.clone();
        self.shutdown().await?;
        disk.destroy()
            .map_err(|e| super::error::LogError::io("delete group files", e).into())
    }
}

pub(crate) fn membership_err(
    e: RaftError<NodeId, ClientWriteError<NodeId, Member>>,
) -> RaftLayerError {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => RaftLayerError::NotLeader {
            leader: f.leader_id,
        },
        e => RaftLayerError::Raft(e.to_string()),
    }
}
