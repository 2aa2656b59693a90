//! A stream's Raft group as the JetStream service sees it, and the stream's state machine as
//! the Raft layer sees it.
//!
//! [`ClusterStreamGroup`] is the service's [`StreamGroup`]: proposals go, in order, to a
//! proposer task that hands them to openraft without waiting for each commit (the service
//! learns of commits when the machine applies them); leadership changes become
//! [`ReplicaInput::Leader`]; stream info's `cluster` section comes from the group's status.
//! [`StreamMachine`] is the layer's [`Machine`]: every call becomes an input of the service
//! task, which owns the stream, and waits for the service's answer.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use rill_core::jetstream::api::{ClusterInfo, Nanos, PeerInfo, StreamConfig, Timestamp};
use rill_core::jetstream::cluster::{node_id, peer_id};
use rill_core::jetstream::store::UnixNanos;
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use crate::jetstream::replica::{ReplicaInput, StreamGroup};
use crate::jetstream::replica_admin::ReplicaAdmin;
use crate::jetstream::service::{unix_now, Input};
use crate::raft::{
    Applied, Checkpoint, Group, GroupStatus, Machine, MachineError, Position, ProposeError, Role,
};

/// The service's handle on a stream's group (see the module docs).
pub struct ClusterStreamGroup {
    stream: Arc<str>,
    cluster: String,
    /// This server's name (the leader's name when this server leads).
    me: String,
    proposals: mpsc::UnboundedSender<Vec<u8>>,
    group: Mutex<Option<Arc<Group>>>,
    leader_since: Mutex<Option<UnixNanos>>,
}

impl std::fmt::Debug for ClusterStreamGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterStreamGroup")
            .field("stream", &self.stream)
            .field("attached", &self.group().is_some())
            .finish()
    }
}

impl ClusterStreamGroup {
    /// A handle for `stream`'s group, not attached to a running group yet, and the receiver
    /// of its proposals (for [`ClusterStreamGroup::attach`]).
    pub fn new(
        stream: &str,
        cluster: &str,
        me: &str,
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<Vec<u8>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let g = Arc::new(ClusterStreamGroup {
            stream: Arc::from(stream),
            cluster: cluster.to_string(),
            me: me.to_string(),
            proposals: tx,
            group: Mutex::new(None),
            leader_since: Mutex::new(None),
        });
        (g, rx)
    }

    /// Attaches the opened group: starts the proposer and the leadership watch that tells
    /// the service (`service`) when this server leads.
    pub fn attach(
        self: &Arc<Self>,
        group: Arc<Group>,
        proposals: mpsc::UnboundedReceiver<Vec<u8>>,
        service: mpsc::Sender<Input>,
    ) {
        tokio::spawn(proposer(group.clone(), proposals, self.stream.clone()));
        let mut leadership = group.leadership();
        let this = self.clone();
        tokio::spawn(async move {
            let mut leading = false;
            loop {
                let now = leadership.borrow_and_update().is_leader;
                if now != leading {
                    leading = now;
                    if now {
                        *this
                            .leader_since
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner) = Some(unix_now());
                    }
                    let input = Input::Replica(ReplicaInput::Leader {
                        stream: this.stream.clone(),
                        leader: now,
                    });
                    if service.send(input).await.is_err() {
                        return;
                    }
                }
                if leadership.changed().await.is_err() {
                    return;
                }
            }
        });
        *self.group.lock().unwrap_or_else(PoisonError::into_inner) = Some(group);
    }

    /// The attached group.
    pub fn group(&self) -> Option<Arc<Group>> {
        self.group
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops the group here (deleting its log with `delete`).
    pub async fn stop(&self, delete: bool) {
        let group = self
            .group
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(g) = group {
            if let Err(e) = g.stop(delete).await {
                warn!(stream = %self.stream, "stopping the stream's group: {e}");
            }
        }
    }
}

/// Submits proposals to the group in order, without waiting for each to commit.
async fn proposer(group: Arc<Group>, mut rx: mpsc::UnboundedReceiver<Vec<u8>>, stream: Arc<str>) {
    while let Some(entry) = rx.recv().await {
        match group.submit(entry).await {
            Ok(done) => {
                let stream = stream.clone();
                tokio::spawn(async move {
                    match done.await {
                        Ok(Ok(_)) => {}
                        // Not the leader any more: its publishers get no ack and retry.
                        Ok(Err(e)) => debug!(stream = %stream, "proposal not committed: {e}"),
                        Err(_) => debug!(stream = %stream, "proposal dropped"),
                    }
                });
            }
            Err(ProposeError::Fatal(e)) => {
                debug!(stream = %stream, "group stopped, proposals end: {e}");
                return;
            }
            Err(e) => debug!(stream = %stream, "proposal refused: {e}"),
        }
    }
}

/// The `cluster` section from a group's status.
pub fn cluster_info(
    cluster: &str,
    me: &str,
    status: &GroupStatus,
    leader_since: Option<UnixNanos>,
) -> ClusterInfo {
    let leader = status.leader.and_then(|l| {
        if l == status.node {
            Some(me.to_string())
        } else {
            status
                .replicas
                .iter()
                .find(|r| r.node == l)
                .map(|r| r.server.clone())
        }
    });
    let replicas = status
        .replicas
        .iter()
        .map(|r| PeerInfo {
            name: r.server.clone(),
            // As nats-server: caught up is "current", offline or not (a replica killed after
            // the last write shows "current, OFFLINE").
            current: r.current || r.lag == Some(0),
            offline: r.offline,
            active: r.last_seen.map_or(0, |d| d.as_nanos() as Nanos),
            lag: r.lag.unwrap_or(0),
            peer: peer_id(&r.server),
        })
        .collect();
    ClusterInfo {
        name: cluster.to_string(),
        raft_group: status.name.clone(),
        leader: leader.unwrap_or_default(),
        leader_since: leader_since
            .filter(|_| status.role == Role::Leader)
            .map(Timestamp),
        replicas,
        // Raft traffic travels as the system account's (as nats-server reports it).
        system_account: true,
        traffic_account: "$SYS".to_string(),
    }
}

impl StreamGroup for ClusterStreamGroup {
    fn propose(&self, entry: Vec<u8>) {
        let _ = self.proposals.send(entry);
    }

    fn step_down(&self, preferred: Option<&str>) {
        if let Some(g) = self.group() {
            let stream = self.stream.clone();
            let to = preferred.map(node_id);
            tokio::spawn(async move {
                if let Err(e) = g.step_down_to(to).await {
                    warn!(stream = %stream, "leader step-down: {e}");
                }
            });
        }
    }

    fn has_member(&self, server: &str) -> bool {
        self.group()
            .is_some_and(|g| g.members().values().any(|m| m.server == server))
    }

    fn cluster_info(&self) -> Option<ClusterInfo> {
        let g = self.group()?;
        let since = *self
            .leader_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Some(cluster_info(&self.cluster, &self.me, &g.status(), since))
    }
}

/// What opening the stream needs (used once, by `recover`).
#[derive(Debug)]
pub struct OpenArgs {
    /// Configuration.
    pub config: StreamConfig,
    /// Creation time.
    pub created: UnixNanos,
    /// The service's handle on the group.
    pub group: Arc<ClusterStreamGroup>,
    /// A new stream's create request, answered by its first leader.
    pub announce: Option<Bytes>,
}

/// The stream's state machine (see the module docs).
#[derive(Debug)]
pub struct StreamMachine {
    stream: Arc<str>,
    service: mpsc::Sender<Input>,
    open: Option<OpenArgs>,
}

impl StreamMachine {
    /// The machine of the stream `open.config.name`, living in the service behind `service`.
    pub fn new(service: mpsc::Sender<Input>, open: OpenArgs) -> Self {
        StreamMachine {
            stream: Arc::from(open.config.name.as_str()),
            service,
            open: Some(open),
        }
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, String>>) -> ReplicaAdmin,
    ) -> Result<T, MachineError> {
        let (tx, rx) = oneshot::channel();
        self.service
            .send(Input::ReplicaAdmin(make(tx)))
            .await
            .map_err(|_| MachineError::Other("JetStream service stopped".into()))?;
        rx.await
            .map_err(|_| MachineError::Other("JetStream service stopped".into()))?
            .map_err(MachineError::Other)
    }
}

impl Machine for StreamMachine {
    async fn recover(&mut self) -> Result<Option<Checkpoint>, MachineError> {
        let open = self
            .open
            .take()
            .ok_or_else(|| MachineError::Other("recover called twice".into()))?;
        let tag = self
            .ask(|done| ReplicaAdmin::Open {
                config: Box::new(open.config),
                created: open.created,
                group: open.group,
                announce: open.announce,
                done,
            })
            .await?;
        tag.map(|t| Checkpoint::from_bytes(&t)).transpose()
    }

    async fn apply(
        &mut self,
        commands: Vec<Applied>,
        through: Position,
    ) -> Result<Vec<Vec<u8>>, MachineError> {
        let n = commands.len();
        let mut last = None;
        for c in commands {
            let (tx, rx) = oneshot::channel();
            let input = Input::Replica(ReplicaInput::Apply {
                stream: self.stream.clone(),
                index: c.index,
                entry: Bytes::from(c.command),
                done: Some(tx),
            });
            self.service
                .send(input)
                .await
                .map_err(|_| MachineError::Other("JetStream service stopped".into()))?;
            last = Some(rx);
        }
        if let Some(rx) = last {
            let _ = rx.await;
        }
        let advance = Input::Replica(ReplicaInput::Advance {
            stream: self.stream.clone(),
            index: through.index,
        });
        self.service
            .send(advance)
            .await
            .map_err(|_| MachineError::Other("JetStream service stopped".into()))?;
        Ok(vec![Vec::new(); n])
    }

    async fn checkpoint(&mut self, at: &Checkpoint) -> Result<(), MachineError> {
        let stream = self.stream.to_string();
        let (index, tag) = (at.index(), at.to_bytes());
        self.ask(|done| ReplicaAdmin::Checkpoint {
            stream,
            index,
            tag,
            done,
        })
        .await
    }

    async fn export(&mut self) -> Result<Vec<u8>, MachineError> {
        let stream = self.stream.to_string();
        let (_, data) = self
            .ask(|done| ReplicaAdmin::Export { stream, done })
            .await?;
        Ok(data)
    }

    async fn import(&mut self, data: Vec<u8>, at: &Checkpoint) -> Result<(), MachineError> {
        let stream = self.stream.to_string();
        let tag = at.to_bytes();
        self.ask(|done| ReplicaAdmin::Import {
            stream,
            data: Bytes::from(data),
            tag,
            done,
        })
        .await
    }
}
