//! An in-process cluster of groups over [`MemNetwork`], on simulated or real disks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::machine::{History, ListMachine, ListState};
use crate::raft::{
    Disk, FsDisk, Group, GroupConfig, GroupOptions, MemDisk, MemNetwork, Member, NodeId,
    ProposeError, Registry,
};

/// Where a node keeps its files.
pub enum Store {
    /// Simulated disks (log, machine).
    Mem(MemDisk, MemDisk),
    /// Real directories.
    Fs(PathBuf),
}

/// One node of the cluster.
pub struct Node {
    pub id: NodeId,
    pub store: Store,
    pub history: History,
    pub group: Option<Group>,
    pub state: Arc<Mutex<ListState>>,
}

/// The cluster.
pub struct Cluster {
    pub net: MemNetwork,
    pub nodes: BTreeMap<NodeId, Node>,
    pub config: GroupConfig,
    pub name: String,
}

pub fn test_config() -> GroupConfig {
    GroupConfig {
        heartbeat_interval_ms: 50,
        election_timeout_ms_min: 300,
        election_timeout_ms_max: 600,
        offline_after_ms: 1_000,
        ..GroupConfig::default()
    }
}

pub fn members(ids: &[NodeId]) -> BTreeMap<NodeId, Member> {
    ids.iter()
        .map(|&i| (i, Member::new(format!("n{i}"))))
        .collect()
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("rill-raft-{tag}-{}-{nanos}", std::process::id()))
}

impl Cluster {
    /// A cluster of `ids` that are not started yet.
    pub fn new(ids: &[NodeId], config: GroupConfig, seed: u64, fs: Option<PathBuf>) -> Self {
        let nodes = ids
            .iter()
            .map(|&id| {
                let store = match &fs {
                    Some(dir) => Store::Fs(dir.join(format!("n{id}"))),
                    None => Store::Mem(
                        MemDisk::new().with_sync_delay(Duration::from_millis(1)),
                        MemDisk::new(),
                    ),
                };
                let node = Node {
                    id,
                    store,
                    history: History::default(),
                    group: None,
                    state: Arc::default(),
                };
                (id, node)
            })
            .collect();
        Self {
            net: MemNetwork::new(seed),
            nodes,
            config,
            name: "g1".into(),
        }
    }

    fn disks(&self, id: NodeId) -> (Arc<dyn Disk>, Arc<dyn Disk>) {
        match &self.nodes[&id].store {
            Store::Mem(log, m) => (log.handle(), m.handle()),
            Store::Fs(dir) => (
                FsDisk::open(dir.join("log")).unwrap(),
                FsDisk::open(dir.join("machine")).unwrap(),
            ),
        }
    }

    /// Starts (or restarts) node `id`, creating the group with `init` members if given.
    pub async fn start(&mut self, id: NodeId, init: Option<&[NodeId]>) {
        let (log, mdisk) = self.disks(id);
        let node = self.nodes.get_mut(&id).unwrap();
        let machine = ListMachine::new(mdisk, node.history.clone());
        node.state = machine.state.clone();
        let registry = Registry::new();
        self.net.attach(id, registry.clone());
        let opts = GroupOptions {
            name: self.name.clone(),
            node: id,
            disk: log,
            initial_members: init.map(members),
            config: self.config.clone(),
        };
        let group = Group::open(opts, machine, self.net.transport(id), registry)
            .await
            .unwrap();
        node.group = Some(group);
    }

    pub async fn start_all(&mut self) {
        let ids: Vec<NodeId> = self.nodes.keys().copied().collect();
        for &id in &ids {
            self.start(id, Some(&ids)).await;
        }
    }

    /// Stops `id` gracefully.
    pub async fn stop(&mut self, id: NodeId) {
        self.net.detach(id);
        if let Some(g) = self.nodes.get_mut(&id).unwrap().group.take() {
            g.shutdown().await.unwrap();
        }
    }

    /// Crashes `id`: unsynced bytes are lost (a torn prefix of them kept per `draw`).
    pub async fn crash(&mut self, id: NodeId, mut draw: impl FnMut(usize) -> usize) {
        self.net.detach(id);
        let node = self.nodes.get_mut(&id).unwrap();
        if let Store::Mem(log, m) = &node.store {
            log.crash(&mut draw);
            m.crash(&mut draw);
        }
        if let Some(g) = node.group.take() {
            // The old instance's disk handles are dead; stopping it only ends its tasks.
            let _ = g.shutdown().await;
        }
    }

    pub fn group(&self, id: NodeId) -> &Group {
        self.nodes[&id].group.as_ref().unwrap()
    }

    pub fn running(&self) -> Vec<NodeId> {
        self.nodes
            .values()
            .filter(|n| n.group.is_some())
            .map(|n| n.id)
            .collect()
    }

    /// Waits until every running node knows the same leader in the same term, and that
    /// leader is running.
    pub async fn wait_leader(&self, within: Duration) -> NodeId {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let seen: Vec<_> = self
                .running()
                .into_iter()
                .map(|id| *self.group(id).leadership().borrow())
                .collect();
            if let Some(first) = seen.first() {
                let agreed = seen
                    .iter()
                    .all(|l| l.leader == first.leader && l.term == first.term);
                if let (true, Some(l)) = (agreed, first.leader) {
                    if self.running().contains(&l) {
                        return l;
                    }
                }
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("no leader within {within:?}: {:#?}", self.describe());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Proposes `v` through whichever node leads, following redirects.
    pub async fn propose(&self, v: u64, within: Duration) -> Result<u64, ProposeError> {
        let deadline = tokio::time::Instant::now() + within;
        let mut target = self.running().first().copied();
        loop {
            let id = target.unwrap_or_else(|| self.running()[0]);
            let res = match self.nodes[&id].group.as_ref() {
                Some(g) => g.propose(v.to_le_bytes().to_vec()).await,
                None => Err(ProposeError::NotLeader {
                    leader: None,
                    server: None,
                }),
            };
            match res {
                Ok(r) => return Ok(u64::from_le_bytes(r.try_into().unwrap())),
                Err(ProposeError::NotLeader { leader, .. })
                    if tokio::time::Instant::now() < deadline =>
                {
                    target =
                        leader.filter(|l| self.nodes.get(l).is_some_and(|n| n.group.is_some()));
                    if target.is_none() {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits until every running node applied at least `index`.
    pub async fn wait_applied(&self, index: u64, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        for id in self.running() {
            while self.group(id).status().applied < index {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "node {id} applied {} < {index}",
                    self.group(id).status().applied
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }

    /// One line per running node: role, term, leader, log, applied, running state.
    pub fn describe(&self) -> Vec<String> {
        self.running()
            .into_iter()
            .map(|id| {
                let m = self.group(id).raft().metrics().borrow().clone();
                format!(
                    "node {id}: {:?} term {} leader {:?} last {:?} applied {:?} purged {:?} {:?}",
                    m.state,
                    m.current_term,
                    m.current_leader,
                    m.last_log_index,
                    m.last_applied.map(|l| l.index),
                    m.purged.map(|l| l.index),
                    m.running_state
                )
            })
            .collect()
    }

    pub fn state(&self, id: NodeId) -> ListState {
        self.nodes[&id].state.lock().unwrap().clone()
    }

    pub async fn shutdown(mut self) {
        for id in self.running() {
            self.stop(id).await;
        }
        for n in self.nodes.values() {
            if let Store::Fs(dir) = &n.store {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}
