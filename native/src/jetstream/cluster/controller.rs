//! The cluster controller: one task per server that runs the meta group member, keeps this
//! server's stream groups in line with the assignments, and answers the API requests that
//! belong to the meta leader (`meta_api.rs`).
//!
//! When a meta command is applied, every server's controller sees the change: a server among
//! a new stream's peers opens the stream's group (every peer initializes it with the same
//! members); one dropped from a stream's peers closes its replica and deletes it; a stream's
//! configuration update is handed to the stream's leader, which replicates it through the
//! stream's own log and answers the client.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use rill_core::jetstream::cluster::{node_id, MetaChange, StreamAssignment};
use rill_core::proto::Publish;
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info, warn};

use super::meta_machine::{MetaApplied, MetaMachine, SharedAssignments};
use super::stream_group::{ClusterStreamGroup, OpenArgs, StreamMachine};
use crate::jetstream::replica::ReplicaInput;
use crate::jetstream::replica_admin::ReplicaAdmin;
use crate::jetstream::service::Input;
use crate::raft::{FsDisk, Group, GroupConfig, GroupOptions, Member, NodeId, Registry, Transport};
use crate::server::internal::InternalPublisher;
use crate::server::state::Shared;

/// The meta group's name.
pub const META_GROUP: &str = "_meta_";
/// How often the meta leader looks for JetStream servers that are not members yet.
pub const GROW_CHECK_MS: u64 = 1_000;

/// What reaches the controller.
#[derive(Debug)]
pub enum ControlInput {
    /// A `$JS.API` request the meta leader answers (or one about a stream this server does
    /// not hold).
    Api(Publish),
}

/// Settings of the controller.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// This server's name.
    pub server_name: String,
    /// The cluster's name.
    pub cluster: String,
    /// `<store_dir>/jetstream`.
    pub js_dir: PathBuf,
    /// Raft timers and limits for every group.
    pub group: GroupConfig,
}

/// A stream group open on this server.
#[derive(Debug)]
pub(super) struct LocalStream {
    pub(super) group: String,
    pub(super) handle: Arc<ClusterStreamGroup>,
}

/// The controller's state (see the module docs).
pub struct Controller {
    pub(super) shared: Arc<Shared>,
    pub(super) cfg: ControllerConfig,
    pub(super) me: NodeId,
    pub(super) service: mpsc::Sender<Input>,
    registry: Arc<Registry>,
    transport: Arc<dyn Transport>,
    pub(super) assignments: SharedAssignments,
    pub(super) meta: Arc<Group>,
    pub(super) streams: HashMap<String, LocalStream>,
    pub(super) publisher: InternalPublisher,
    pub(super) meta_leader: Arc<AtomicBool>,
}

/// What the service needs to talk to the controller.
#[derive(Debug, Clone)]
pub struct ControlLink {
    /// Requests for the controller.
    pub tx: mpsc::UnboundedSender<ControlInput>,
    /// Whether this server leads the meta group now.
    pub meta_leader: Arc<AtomicBool>,
}

impl Controller {
    /// Opens the meta group member (creating the group with `initial_meta` when new) and
    /// spawns the controller task; returns the link the service uses.
    pub async fn start(
        shared: Arc<Shared>,
        cfg: ControllerConfig,
        service: mpsc::Sender<Input>,
        registry: Arc<Registry>,
        transport: Arc<dyn Transport>,
        initial_meta: Option<BTreeMap<NodeId, Member>>,
    ) -> anyhow::Result<ControlLink> {
        let me = node_id(&cfg.server_name);
        let assignments = SharedAssignments::default();
        let (changes_tx, changes) = mpsc::unbounded_channel();
        let machine = MetaMachine::new(
            cfg.js_dir.join("cluster").join("meta.json"),
            assignments.clone(),
            changes_tx,
        );
        let opts = GroupOptions {
            name: META_GROUP.into(),
            node: me,
            disk: FsDisk::open(crate::raft::group_dir(&cfg.js_dir, META_GROUP))?,
            initial_members: initial_meta,
            config: cfg.group.clone(),
        };
        let meta = Arc::new(Group::open(opts, machine, transport.clone(), registry.clone()).await?);
        let (tx, rx) = mpsc::unbounded_channel();
        let meta_leader = Arc::new(AtomicBool::new(false));
        let controller = Controller {
            publisher: InternalPublisher::new(shared.clone()),
            shared,
            cfg,
            me,
            service,
            registry,
            transport,
            assignments,
            meta,
            streams: HashMap::new(),
            meta_leader: meta_leader.clone(),
        };
        tokio::spawn(controller.run(rx, changes));
        Ok(ControlLink { tx, meta_leader })
    }

    async fn run(
        mut self,
        mut api: mpsc::UnboundedReceiver<ControlInput>,
        mut changes: mpsc::UnboundedReceiver<MetaApplied>,
    ) {
        // Streams recovered from the meta checkpoint were never "applied": open ours now.
        let recovered: Vec<StreamAssignment> = self.assigned_here();
        for a in recovered {
            // Not initialized here: a replica that never opened is caught up by the leader.
            self.open_stream(&a, None, false).await;
        }
        let mut leadership = self.meta.leadership();
        let mut grow = tokio::time::interval(std::time::Duration::from_millis(GROW_CHECK_MS));
        grow.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.publish_view();
            let leading = leadership.borrow_and_update().is_leader;
            if self.meta_leader.swap(leading, Ordering::AcqRel) != leading {
                info!(leader = leading, "meta group leadership");
            }
            tokio::select! {
                c = changes.recv() => match c {
                    Some(c) => self.on_change(c).await,
                    None => return,
                },
                r = api.recv() => match r {
                    Some(ControlInput::Api(msg)) => self.handle_api(msg).await,
                    None => return,
                },
                r = leadership.changed() => if r.is_err() { return },
                _ = grow.tick() => self.grow_meta().await,
            }
        }
    }

    fn assigned_here(&self) -> Vec<StreamAssignment> {
        let a = self
            .assignments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        a.streams_on(&self.cfg.server_name).cloned().collect()
    }

    async fn on_change(&mut self, c: MetaApplied) {
        match c.change {
            MetaChange::Added(name) => {
                let a = self.assignment(&name);
                if let Some(a) = a.filter(|a| a.peers.contains(&self.cfg.server_name)) {
                    let announce = a.reply.clone().map(Bytes::from);
                    self.open_stream(&a, announce, true).await;
                }
            }
            MetaChange::Updated(name) => self.updated(&name).await,
            MetaChange::Deleted(name, _) => self.close_stream(&name, true).await,
            MetaChange::Moved(name, old) => self.moved(&name, &old).await,
            MetaChange::ServerRemoved(name) => {
                if name != self.cfg.server_name && self.meta_leader.load(Ordering::Acquire) {
                    if let Err(e) = self.meta.remove_member(node_id(&name)).await {
                        warn!(server = %name, "removing from the meta group: {e}");
                    }
                }
            }
            MetaChange::Refused(_) => {}
        }
    }

    /// Publishes the meta group's state for monitoring and the API.
    fn publish_view(&self) {
        let status = self.meta.status();
        let info = super::stream_group::cluster_info(
            &self.cfg.cluster,
            &self.cfg.server_name,
            &status,
            None,
        );
        let view = super::MetaView {
            cluster: self.cfg.cluster.clone(),
            leader: (!info.leader.is_empty()).then_some(info.leader),
            is_leader: self.meta_leader.load(Ordering::Acquire),
            size: status.replicas.iter().filter(|r| r.voter).count() + 1,
            replicas: info.replicas,
        };
        if let Ok(mut w) = self.shared.jetstream_meta.write() {
            *w = Some(view);
        }
    }

    /// Meta leader: makes every connected JetStream server a member of the meta group.
    async fn grow_meta(&mut self) {
        if !self.meta_leader.load(Ordering::Acquire) {
            return;
        }
        let Some(cluster) = self.shared.cluster.clone() else {
            return;
        };
        let status = self.meta.status();
        let removed = self
            .assignments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .removed
            .clone();
        for p in cluster.peer_list() {
            let known = status
                .replicas
                .iter()
                .any(|r| r.server == p.server_name && r.voter);
            if !p.jetstream || !p.connected || known || removed.contains(&p.server_name) {
                continue;
            }
            info!(server = %p.server_name, "adding a server to the meta group");
            let member = Member::new(p.server_name.clone());
            if let Err(e) = self.meta.add_member(node_id(&p.server_name), member).await {
                warn!(server = %p.server_name, "cannot add to the meta group: {e}");
            }
        }
    }

    pub(super) fn assignment(&self, name: &str) -> Option<StreamAssignment> {
        let a = self
            .assignments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        a.streams.get(name).cloned()
    }

    /// Joins a stream's group on this server; `init`: a new group, which every first peer
    /// initializes with the same members (a server added later is caught up by the leader).
    async fn open_stream(&mut self, a: &StreamAssignment, announce: Option<Bytes>, init: bool) {
        let name = a.config.name.clone();
        if self.streams.get(&name).is_some_and(|l| l.group == a.group) {
            return;
        }
        let (handle, proposals) =
            ClusterStreamGroup::new(&name, &self.cfg.cluster, &self.cfg.server_name);
        let machine = StreamMachine::new(
            self.service.clone(),
            OpenArgs {
                config: a.config.clone(),
                created: a.created,
                group: handle.clone(),
                announce,
            },
        );
        let members: BTreeMap<NodeId, Member> = a
            .peers
            .iter()
            .map(|p| (node_id(p), Member::new(p.clone())))
            .collect();
        let disk = match FsDisk::open(crate::raft::group_dir(&self.cfg.js_dir, &a.group)) {
            Ok(d) => d,
            Err(e) => {
                error!(stream = %name, "cannot open the stream group's log: {e}");
                return;
            }
        };
        let opts = GroupOptions {
            name: a.group.clone(),
            node: self.me,
            disk,
            initial_members: init.then_some(members),
            config: self.cfg.group.clone(),
        };
        match Group::open(opts, machine, self.transport.clone(), self.registry.clone()).await {
            Ok(group) => {
                handle.attach(Arc::new(group), proposals, self.service.clone());
                info!(stream = %name, group = %a.group, "joined the stream's group");
                self.streams.insert(
                    name,
                    LocalStream {
                        group: a.group.clone(),
                        handle,
                    },
                );
            }
            Err(e) => error!(stream = %name, "cannot open the stream's group: {e}"),
        }
    }

    /// Leaves a stream's group on this server (deleting the replica with `delete`).
    async fn close_stream(&mut self, name: &str, delete: bool) {
        let Some(local) = self.streams.remove(name) else {
            return;
        };
        local.handle.stop(delete).await;
        let (done, rx) = oneshot::channel();
        let close = Input::ReplicaAdmin(ReplicaAdmin::Close {
            stream: name.to_string(),
            delete,
            done,
        });
        if self.service.send(close).await.is_ok() {
            let _ = rx.await;
        }
        info!(stream = name, delete, "left the stream's group");
    }

    async fn updated(&mut self, name: &str) {
        let Some(a) = self.assignment(name) else {
            return;
        };
        if !self.streams.contains_key(name) {
            return;
        }
        let body = serde_json::to_vec(&a.config).unwrap_or_default();
        let msg = Publish {
            subject: Bytes::from(format!("$JS.API.STREAM.UPDATE.{name}")),
            reply: a.reply.clone().map(Bytes::from),
            headers: None,
            payload: Bytes::from(body),
        };
        let input = Input::Replica(ReplicaInput::ProposeApi {
            stream: Arc::from(name),
            msg,
        });
        let _ = self.service.send(input).await;
    }

    async fn moved(&mut self, name: &str, old: &[String]) {
        let Some(a) = self.assignment(name) else {
            return;
        };
        let here = a.peers.contains(&self.cfg.server_name);
        if !here {
            self.close_stream(name, true).await;
            return;
        }
        if !self.streams.contains_key(name) {
            self.open_stream(&a, None, false).await;
            return;
        }
        let Some(group) = self.streams.get(name).and_then(|l| l.handle.group()) else {
            return;
        };
        if !group.leadership().borrow().is_leader {
            return;
        }
        for p in a.peers.iter().filter(|p| !old.contains(p)) {
            if let Err(e) = group.add_member(node_id(p), Member::new(p.clone())).await {
                warn!(stream = name, peer = %p, "adding a replica: {e}");
            }
        }
        for p in old.iter().filter(|p| !a.peers.contains(p)) {
            if let Err(e) = group.remove_member(node_id(p)).await {
                warn!(stream = name, peer = %p, "removing a replica: {e}");
            }
        }
    }
}
