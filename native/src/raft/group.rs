//! [`Group`]: one replicated group on this node, the handle the server uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use openraft::ChangeMembers;
use tokio::sync::watch;
use tracing::Instrument;

use super::config::GroupConfig;
use super::disk::Disk;
use super::error::{ProposeError, RaftLayerError};
use super::log::LogStore;
use super::machine::Machine;
use super::network::{Network, PeerTracker, Transport};
use super::registry::Registry;
use super::sm::StateMachine;
use super::status::{self, GroupStatus, Leadership};
use super::types::{Command, Member, NodeId, Raft};

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
    name: String,
    node: NodeId,
    raft: Raft,
    registry: Arc<Registry>,
    disk: Arc<dyn Disk>,
    peers: Arc<PeerTracker>,
    leadership: watch::Receiver<Leadership>,
    stepping_down: AtomicBool,
    config: GroupConfig,
}

impl Group {
    /// Opens the group: recovers the machine to its checkpoint, replays the log, starts Raft
    /// and registers with `registry`. A new group with `initial_members` is initialized.
    pub async fn open<M: Machine>(
        opts: GroupOptions,
        machine: M,
        transport: Arc<dyn Transport>,
        registry: Arc<Registry>,
    ) -> Result<Self, RaftLayerError> {
        let span = tracing::info_span!("raft", group = %opts.name, node = opts.node);
        Self::open_inner(opts, machine, transport, registry)
            .instrument(span)
            .await
    }

    async fn open_inner<M: Machine>(
        opts: GroupOptions,
        machine: M,
        transport: Arc<dyn Transport>,
        registry: Arc<Registry>,
    ) -> Result<Self, RaftLayerError> {
        if registry.contains(&opts.name) {
            return Err(RaftLayerError::GroupExists(opts.name));
        }
        let config = opts.config.to_openraft(&opts.name)?;
        let (sm, checkpoint) = StateMachine::recover(machine).await?;
        let shared = sm.shared();
        let log = LogStore::open(
            opts.disk.clone(),
            &opts.name,
            checkpoint.as_ref().map(|c| *c.last_applied()),
            shared.purge_floor.clone(),
            opts.config.segment_bytes_max,
        )
        .await?;
        if let Some(purged) = log.purged() {
            if checkpoint.as_ref().is_none_or(|c| c.index() < purged.index) {
                return Err(RaftLayerError::CheckpointBehindLog {
                    checkpoint: checkpoint.map(|c| c.index()),
                    purged: purged.index,
                });
            }
        }
        let peers = Arc::new(PeerTracker::default());
        let network = Network {
            group: opts.name.as_str().into(),
            transport,
            peers: peers.clone(),
            retry_delay: Duration::from_millis(opts.config.heartbeat_interval_ms),
        };
        let raft = Raft::new(opts.node, Arc::new(config), network, log, sm)
            .await
            .map_err(|e| RaftLayerError::Raft(e.to_string()))?;
        shared.started.store(true, Ordering::Release);
        if let Some(members) = opts.initial_members {
            initialize(&raft, members).await?;
        }
        registry.insert(&opts.name, raft.clone())?;
        let leadership = spawn_leadership_watch(&raft, opts.node);
        tracing::info!(checkpoint = ?checkpoint.map(|c| c.index()), "raft group open");
        Ok(Self {
            name: opts.name,
            node: opts.node,
            raft,
            registry,
            disk: opts.disk,
            peers,
            leadership,
            stepping_down: AtomicBool::new(false),
            config: opts.config,
        })
    }

    /// The group's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This node's id.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Proposes `command`; returns the machine's response once it is committed (durable on a
    /// quorum) and applied here.
    pub async fn propose(&self, command: Vec<u8>) -> Result<Vec<u8>, ProposeError> {
        if command.len() > self.config.command_bytes_max {
            return Err(ProposeError::TooLarge {
                bytes: command.len(),
                max: self.config.command_bytes_max,
            });
        }
        if self.stepping_down.load(Ordering::Acquire) {
            return Err(ProposeError::NotLeader {
                leader: None,
                server: None,
            });
        }
        match self.raft.client_write(Command(command)).await {
            Ok(resp) => Ok(resp.data.0),
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f))) => {
                Err(ProposeError::NotLeader {
                    leader: f.leader_id,
                    server: f.leader_node.map(|n| n.server),
                })
            }
            Err(e) => Err(ProposeError::Fatal(e.to_string())),
        }
    }

    /// The leader as this node knows it.
    pub fn leader(&self) -> Option<NodeId> {
        self.leadership.borrow().leader
    }

    /// Leadership changes: a receiver that sees every new (term, leader).
    pub fn leadership(&self) -> watch::Receiver<Leadership> {
        self.leadership.clone()
    }

    /// Term, role, leader, log and apply positions, and the replicas as the leader sees
    /// them.
    pub fn status(&self) -> GroupStatus {
        let offline = Duration::from_millis(self.config.offline_after_ms);
        status::status(&self.name, &self.raft, &self.peers, offline)
    }

    /// The underlying openraft instance (metrics, waits in tests).
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// Adds `node` as a learner, waits until it has caught up, then makes it a voter.
    pub async fn add_member(&self, node: NodeId, member: Member) -> Result<(), RaftLayerError> {
        self.raft
            .add_learner(node, member, true)
            .await
            .map_err(membership_err)?;
        let ids: BTreeSet<NodeId> = [node].into();
        self.raft
            .change_membership(ChangeMembers::AddVoterIds(ids), false)
            .await
            .map_err(membership_err)?;
        Ok(())
    }

    /// Removes `node` from the group (voter or learner).
    pub async fn remove_member(&self, node: NodeId) -> Result<(), RaftLayerError> {
        let ids: BTreeSet<NodeId> = [node].into();
        self.raft
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
        let (leader, others) = {
            let m = self.raft.metrics().borrow().clone();
            let others = m
                .membership_config
                .membership()
                .voter_ids()
                .filter(|v| *v != self.node)
                .count();
            (m.current_leader, others)
        };
        if leader != Some(self.node) {
            return Err(RaftLayerError::NotLeader { leader });
        }
        if others == 0 {
            return Err(RaftLayerError::NoOtherVoter);
        }
        self.stepping_down.store(true, Ordering::Release);
        let rc = self.raft.runtime_config();
        rc.heartbeat(false);
        rc.elect(false);
        let mut watch = self.leadership.clone();
        let me = self.node;
        let wait = Duration::from_millis(self.config.election_timeout_ms_max * 3);
        let res =
            tokio::time::timeout(wait, watch.wait_for(|l| l.leader.is_some_and(|x| x != me))).await;
        rc.heartbeat(true);
        rc.elect(true);
        self.stepping_down.store(false, Ordering::Release);
        match res {
            Ok(Ok(l)) => Ok(l.leader.unwrap_or_default()),
            Ok(Err(_)) => Err(RaftLayerError::Raft("group stopped".into())),
            Err(_) => Err(RaftLayerError::Timeout("no other leader elected".into())),
        }
    }

    /// Stops the group on this node through a shared handle (its files stay, unless
    /// `delete`): what [`Group::shutdown`] and [`Group::delete`] do, for a group other tasks
    /// still hold. Later calls on any handle fail as from a stopped group.
    pub async fn stop(&self, delete: bool) -> Result<(), RaftLayerError> {
        self.registry.remove(&self.name);
        self.raft
            .shutdown()
            .await
            .map_err(|e| RaftLayerError::Raft(e.to_string()))?;
        if delete {
            self.disk
                .destroy()
                .map_err(|e| super::error::LogError::io("delete group files", e))?;
        }
        Ok(())
    }

    /// Stops the group on this node (its files stay).
    pub async fn shutdown(self) -> Result<(), RaftLayerError> {
        self.registry.remove(&self.name);
        self.raft
            .shutdown()
            .await
            .map_err(|e| RaftLayerError::Raft(e.to_string()))
    }

    /// Stops the group and deletes its log. The machine's own files are the caller's.
    pub async fn delete(self) -> Result<(), RaftLayerError> {
        let disk = self.disk.clone();
        self.shutdown().await?;
        disk.destroy()
            .map_err(|e| super::error::LogError::io("delete group files", e).into())
    }
}

async fn initialize(raft: &Raft, members: BTreeMap<NodeId, Member>) -> Result<(), RaftLayerError> {
    let initialized = raft
        .is_initialized()
        .await
        .map_err(|e| RaftLayerError::Raft(e.to_string()))?;
    if initialized {
        return Ok(());
    }
    match raft.initialize(members).await {
        Ok(()) => Ok(()),
        // Another member's identical initialization reached us first.
        Err(RaftError::APIError(openraft::error::InitializeError::NotAllowed(_))) => Ok(()),
        Err(e) => Err(RaftLayerError::Raft(e.to_string())),
    }
}

fn membership_err(e: RaftError<NodeId, ClientWriteError<NodeId, Member>>) -> RaftLayerError {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => RaftLayerError::NotLeader {
            leader: f.leader_id,
        },
        e => RaftLayerError::Raft(e.to_string()),
    }
}

/// Publishes (term, leader) from openraft's metrics whenever they change.
fn spawn_leadership_watch(raft: &Raft, me: NodeId) -> watch::Receiver<Leadership> {
    let mut metrics = raft.metrics();
    let of = move |m: &openraft::RaftMetrics<NodeId, Member>| Leadership {
        term: m.current_term,
        leader: m.current_leader,
        is_leader: m.current_leader == Some(me),
    };
    let (tx, rx) = watch::channel(of(&metrics.borrow()));
    tokio::spawn(async move {
        while metrics.changed().await.is_ok() {
            let now = of(&metrics.borrow_and_update());
            tx.send_if_modified(|cur| {
                let changed = *cur != now;
                *cur = now;
                changed
            });
        }
    });
    rx
}
