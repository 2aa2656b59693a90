//! openraft's state machine for a group: wraps the caller's [`Machine`], tracks the applied
//! position and membership, and turns openraft snapshots into machine checkpoints.
//!
//! openraft "builds a snapshot" to compact the log; here that is a **checkpoint**: the machine
//! makes its state durable and the log may then forget entries up to it (the builder returns
//! only metadata; openraft keeps nothing else of it). When a lagging replica needs a
//! snapshot, `get_current_snapshot` exports the machine's current state with metadata for
//! exactly what has been applied. While openraft starts up it asks for the current snapshot
//! only to learn its position: it gets the durable checkpoint's metadata without an export.

use std::io::Cursor;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{AnyError, EntryPayload, OptionalSend, RaftSnapshotBuilder, StorageIOError};
use tokio::sync::Mutex;

use super::error::MachineError;
use super::machine::{Checkpoint, Machine};
use super::types::{
    Applied, Entry, LogId, Position, Response, SnapshotMeta, StorageError, StoredMembership,
    TypeConfig,
};

/// The machine and what the layer knows about its position.
pub(crate) struct Cell<M> {
    machine: M,
    applied: Option<LogId>,
    membership: StoredMembership,
    checkpoint: Option<Checkpoint>,
    snapshots: u64,
}

/// State shared by the adapter, its snapshot builder and the group handle.
pub(crate) struct Shared<M> {
    cell: Mutex<Cell<M>>,
    /// Set once openraft has started: from then on `get_current_snapshot` exports.
    pub started: AtomicBool,
    /// One past the durable checkpoint's index (0: none); the log purges only below it.
    pub purge_floor: Arc<AtomicU64>,
    /// Set when the machine or the log failed: the group stops for good on this node.
    pub io_failed: Arc<AtomicBool>,
}

/// openraft's view of the machine.
pub(crate) struct StateMachine<M> {
    shared: Arc<Shared<M>>,
}

fn sm_err(e: &MachineError) -> StorageError {
    StorageError::IO {
        source: StorageIOError::write_state_machine(AnyError::new(e)),
    }
}

fn meta_of(applied: Option<LogId>, membership: StoredMembership, n: u64) -> SnapshotMeta {
    let id = applied.map_or_else(
        || format!("none-{n}"),
        |a| format!("{}-{}-{n}", a.leader_id.term, a.index),
    );
    SnapshotMeta {
        last_log_id: applied,
        last_membership: membership,
        snapshot_id: id,
    }
}

fn empty_data() -> Box<Cursor<Vec<u8>>> {
    Box::new(Cursor::new(Vec::new()))
}

impl<M: Machine> StateMachine<M> {
    /// openraft's view of the machine in `shared`.
    pub fn new(shared: Arc<Shared<M>>) -> Self {
        Self { shared }
    }
}

impl<M: Machine> Shared<M> {
    /// Wraps `machine`; [`Shared::recover`] must run before openraft uses it.
    pub fn new(machine: M, io_failed: Arc<AtomicBool>) -> Arc<Self> {
        Arc::new(Self {
            cell: Mutex::new(Cell {
                machine,
                applied: None,
                membership: StoredMembership::default(),
                checkpoint: None,
                snapshots: 0,
            }),
            started: AtomicBool::new(false),
            purge_floor: Arc::new(AtomicU64::new(0)),
            io_failed,
        })
    }

    /// Brings the machine back to its durable checkpoint (at open and at every restart of
    /// the group) and resets the layer's view to it.
    pub async fn recover(&self) -> Result<Option<Checkpoint>, MachineError> {
        self.started.store(false, Ordering::Release);
        let mut cell = self.cell.lock().await;
        let checkpoint = match cell.machine.recover().await {
            Ok(c) => c,
            Err(e) => {
                self.io_failed.store(true, Ordering::Release);
                return Err(e);
            }
        };
        cell.applied = checkpoint.as_ref().map(|c| *c.last_applied());
        cell.membership = checkpoint
            .as_ref()
            .map(|c| c.membership().clone())
            .unwrap_or_default();
        cell.checkpoint = checkpoint.clone();
        let floor = checkpoint.as_ref().map_or(0, |c| c.index() + 1);
        self.purge_floor.store(floor, Ordering::Release);
        Ok(checkpoint)
    }

    /// A machine failure: remembered (the group must not be restarted over it) and turned
    /// into openraft's error.
    fn fail(&self, e: &MachineError) -> StorageError {
        self.io_failed.store(true, Ordering::Release);
        sm_err(e)
    }

    /// Makes the machine durable at its applied position (a checkpoint).
    async fn checkpoint(&self) -> Result<SnapshotMeta, StorageError> {
        let mut cell = self.cell.lock().await;
        cell.snapshots += 1;
        let Some(applied) = cell.applied else {
            return Ok(meta_of(None, cell.membership.clone(), cell.snapshots));
        };
        if cell.checkpoint.as_ref().map(|c| *c.last_applied()) != Some(applied) {
            let cp = Checkpoint::new(applied, cell.membership.clone());
            cell.machine
                .checkpoint(&cp)
                .await
                .map_err(|e| self.fail(&e))?;
            cell.checkpoint = Some(cp);
            self.purge_floor.store(applied.index + 1, Ordering::Release);
        }
        Ok(meta_of(
            Some(applied),
            cell.membership.clone(),
            cell.snapshots,
        ))
    }

    async fn apply(&self, entries: Vec<Entry>) -> Result<Vec<Response>, StorageError> {
        let mut cell = self.cell.lock().await;
        let mut commands = Vec::new();
        // Commands per entry, to cut the machine's responses back into entries.
        let mut counts = Vec::with_capacity(entries.len());
        for e in entries {
            let expected = cell.applied.map_or(0, |a| a.index + 1);
            if e.log_id.index != expected {
                let msg = format!(
                    "apply of entry {} out of order (expected {expected})",
                    e.log_id.index
                );
                return Err(self.fail(&MachineError::Other(msg)));
            }
            cell.applied = Some(e.log_id);
            let count = match e.payload {
                EntryPayload::Blank => 0,
                EntryPayload::Membership(m) => {
                    cell.membership = StoredMembership::new(Some(e.log_id), m);
                    0
                }
                EntryPayload::Normal(batch) => {
                    let n = batch.0.len();
                    for (pos, command) in batch.0.into_iter().enumerate() {
                        commands.push(Applied {
                            index: e.log_id.index,
                            batch_pos: u32::try_from(pos).unwrap_or(u32::MAX),
                            term: e.log_id.leader_id.term,
                            command,
                        });
                    }
                    n
                }
            };
            counts.push(count);
        }
        let Some(through) = cell.applied.as_ref().map(Position::from) else {
            return Ok(Vec::new());
        };
        let n = commands.len();
        let mut replies = if n == 0 {
            Vec::new().into_iter()
        } else {
            let r = cell
                .machine
                .apply(commands, through)
                .await
                .map_err(|e| self.fail(&e))?;
            if r.len() != n {
                let msg = format!("machine returned {} responses for {n} commands", r.len());
                return Err(self.fail(&MachineError::Other(msg)));
            }
            r.into_iter()
        };
        Ok(counts
            .into_iter()
            .map(|n| Response(replies.by_ref().take(n).collect()))
            .collect())
    }

    /// The current position (applied log id, membership).
    pub async fn applied(&self) -> (Option<LogId>, StoredMembership) {
        let cell = self.cell.lock().await;
        (cell.applied, cell.membership.clone())
    }
}

/// Builds checkpoints for openraft.
pub(crate) struct Builder<M> {
    shared: Arc<Shared<M>>,
}

impl<M: Machine> RaftSnapshotBuilder<TypeConfig> for Builder<M> {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let meta = self.shared.checkpoint().await?;
        // openraft uses only the metadata of a built snapshot (to purge the log); the data
        // is exported on demand when a replica needs it.
        Ok(Snapshot {
            meta,
            snapshot: empty_data(),
        })
    }
}

impl<M: Machine> RaftStateMachine<TypeConfig> for StateMachine<M> {
    type SnapshotBuilder = Builder<M>;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        Ok(self.shared.applied().await)
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Response>, StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        self.shared.apply(entries.into_iter().collect()).await
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        Builder {
            shared: self.shared.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(empty_data())
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let Some(last) = meta.last_log_id else {
            return Err(self
                .shared
                .fail(&MachineError::Corrupt("snapshot without a log id".into())));
        };
        let mut cell = self.shared.cell.lock().await;
        let cp = Checkpoint::new(last, meta.last_membership.clone());
        tracing::info!(
            index = last.index,
            bytes = snapshot.get_ref().len(),
            "raft: installing snapshot"
        );
        cell.machine
            .import(snapshot.into_inner(), &cp)
            .await
            .map_err(|e| self.shared.fail(&e))?;
        cell.applied = Some(last);
        cell.membership = meta.last_membership.clone();
        cell.checkpoint = Some(cp);
        self.shared
            .purge_floor
            .store(last.index + 1, Ordering::Release);
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        let mut cell = self.shared.cell.lock().await;
        if !self.shared.started.load(Ordering::Acquire) {
            // Start-up only wants the position of the last durable checkpoint.
            return Ok(cell.checkpoint.as_ref().map(|cp| Snapshot {
                meta: meta_of(Some(*cp.last_applied()), cp.membership().clone(), 0),
                snapshot: empty_data(),
            }));
        }
        let Some(applied) = cell.applied else {
            return Ok(None);
        };
        cell.snapshots += 1;
        let data = cell
            .machine
            .export()
            .await
            .map_err(|e| self.shared.fail(&e))?;
        let meta = meta_of(Some(applied), cell.membership.clone(), cell.snapshots);
        tracing::info!(
            index = applied.index,
            bytes = data.len(),
            "raft: exported snapshot"
        );
        Ok(Some(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        }))
    }
}
