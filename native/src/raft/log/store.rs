//! [`LogStore`]: openraft's log storage for one group, an append-only segmented file log.
//!
//! Every change is a record ([`LogRecord`]) appended to the active segment: entries,
//! truncations, purges, the vote and the committed position. The state is the replay of all
//! records in order; each new segment starts with the current vote, committed position and
//! purge point, so whole segments whose entries are all purged can be deleted.
//!
//! Durability: `append` returns once written; its callback fires after the segment is synced
//! by the flush task (group commit). `save_vote` syncs before returning. Truncations, purges
//! and the committed position ride along with the next sync (openraft does not need them
//! durable at once; a lost purge only keeps more entries). Sealed segments are deleted only
//! after the purge that covers them is durable. Entries are also kept in memory until purged
//! (reads never touch the disk); the snapshot policy bounds how many that is.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;
use std::ops::RangeBounds;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{AnyError, OptionalSend, RaftLogReader, StorageIOError};
use tokio::task::JoinHandle;

use crate::raft::disk::Disk;
use crate::raft::error::LogError;
use crate::raft::types::{Entry, LogId, StorageError, TypeConfig, Vote};

use super::flush::{self, FlushQueue};
use super::record::{encode, LogRecord};
use super::replay::{replay, Segment};

/// Default size at which the active segment is sealed and a new one started.
pub const SEGMENT_BYTES_MAX_DEFAULT: u64 = 64 * 1024 * 1024;

type Entries = Arc<RwLock<BTreeMap<u64, Entry>>>;

/// The log of one group on one node.
pub struct LogStore {
    disk: Arc<dyn Disk>,
    group: Arc<str>,
    entries: Entries,
    vote: Option<Vote>,
    committed: Option<LogId>,
    purged: Option<LogId>,
    active: Segment,
    sealed: VecDeque<Segment>,
    queue: Arc<FlushQueue>,
    flusher: JoinHandle<()>,
    /// One past the machine's durable checkpoint index (0: none): purges stay below it.
    purge_floor: Arc<AtomicU64>,
    segment_bytes_max: u64,
    buf: Vec<u8>,
}

impl Drop for LogStore {
    fn drop(&mut self) {
        self.flusher.abort();
    }
}

impl LogStore {
    /// Opens (or creates) the log on `disk`, cutting a torn tail. A failed write or sync
    /// sets `io_failed`. `checkpoint` is the log id
    /// of the machine's durable checkpoint; `purge_floor` holds one past its index (it moves
    /// with later checkpoints) and the store never purges at or above it.
    pub async fn open(
        disk: Arc<dyn Disk>,
        group: &str,
        checkpoint: Option<LogId>,
        purge_floor: Arc<AtomicU64>,
        io_failed: Arc<AtomicBool>,
        segment_bytes_max: u64,
    ) -> Result<Self, LogError> {
        let mut st = replay(&*disk, group)?;
        let repaired = st.repair_and_check(checkpoint)?;
        let fresh = st.segments.is_empty();
        let active = st.segments.pop().unwrap_or_else(|| Segment::new(1));
        let queue = FlushQueue::new(active.name.clone(), io_failed);
        let group: Arc<str> = group.into();
        let flusher = flush::spawn(disk.clone(), queue.clone(), group.clone());
        tracing::debug!(group = %group, entries = st.entries.len(), purged = ?st.purged,
            vote = ?st.vote, "raft log opened");
        let mut store = Self {
            disk,
            group,
            entries: Arc::new(RwLock::new(st.entries)),
            vote: st.vote,
            committed: st.committed,
            purged: st.purged,
            active,
            sealed: st.segments.into(),
            queue,
            flusher,
            purge_floor,
            segment_bytes_max: segment_bytes_max.max(4096),
            buf: Vec::new(),
        };
        if fresh || repaired {
            // Create the first segment durably so an empty log reopens as one; restate the
            // purge point a repair moved.
            let recs = if repaired {
                store.state_records()
            } else {
                Vec::new()
            };
            store.write(&recs).map_err(|_| LogError::Poisoned)?;
            store.sync_active().await?;
        }
        Ok(store)
    }

    /// The last purged log id (entries at or below it are gone).
    pub fn purged(&self) -> Option<LogId> {
        self.purged
    }

    fn read_entries(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<u64, Entry>> {
        self.entries.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn last_log_id(&self) -> Option<LogId> {
        self.read_entries()
            .last_key_value()
            .map(|(_, e)| e.log_id)
            .or(self.purged)
    }

    // openraft's trait error type, returned as is by the trait methods.
    #[allow(clippy::result_large_err)]
    /// Encodes `recs` and appends them to the active segment in one write.
    fn write(&mut self, recs: &[LogRecord]) -> Result<(), StorageError> {
        if self.queue.poisoned.load(Ordering::Acquire) {
            return Err(write_err(&LogError::Poisoned));
        }
        self.buf.clear();
        for rec in recs {
            encode(rec, &mut self.buf).map_err(|e| write_err(&e))?;
            if let LogRecord::Entry(e) = rec {
                self.active.max_index = self.active.max_index.max(Some(e.log_id.index));
            }
        }
        if let Err(e) = self.disk.append(&self.active.name, &self.buf) {
            self.queue.poisoned.store(true, Ordering::Release);
            return Err(write_err(&LogError::io(
                format!("append {}", self.active.name),
                e,
            )));
        }
        self.active.bytes += self.buf.len() as u64;
        Ok(())
    }

    async fn sync_active(&mut self) -> Result<(), LogError> {
        let res = self.disk.sync(&self.active.name).await;
        res.map_err(|e| {
            self.queue.poisoned.store(true, Ordering::Release);
            LogError::io(format!("sync {}", self.active.name), e)
        })
    }

    /// The records that restate the current vote, committed position and purge point.
    fn state_records(&self) -> Vec<LogRecord> {
        let mut recs = Vec::with_capacity(3);
        if let Some(v) = self.vote {
            recs.push(LogRecord::Vote(v));
        }
        if let Some(p) = self.purged {
            recs.push(LogRecord::Purge(p));
        }
        recs.push(LogRecord::Committed(self.committed));
        recs
    }

    /// Seals the active segment (synced) and starts a new one with the state records.
    async fn rotate(&mut self) -> Result<(), StorageError> {
        self.sync_active().await.map_err(|e| write_err(&e))?;
        let next = Segment::new(self.active.seq + 1);
        let sealed = std::mem::replace(&mut self.active, next);
        tracing::debug!(group = %self.group, sealed = %sealed.name, "raft log: new segment");
        self.sealed.push_back(sealed);
        let recs = self.state_records();
        self.write(&recs)?;
        self.sync_active().await.map_err(|e| write_err(&e))?;
        self.queue.set_active(self.active.name.clone());
        self.delete_purged_segments()
    }

    #[allow(clippy::result_large_err)]
    /// Deletes sealed segments whose entries are all purged. The purge must be durable.
    fn delete_purged_segments(&mut self) -> Result<(), StorageError> {
        let purged = self.purged.map(|p| p.index);
        while let Some(front) = self.sealed.front() {
            let done = match (front.max_index, purged) {
                (None, _) => true,
                (Some(max), Some(p)) => max <= p,
                (Some(_), None) => false,
            };
            if !done {
                break;
            }
            self.disk
                .remove(&front.name)
                .map_err(|e| write_err(&LogError::io(format!("remove {}", front.name), e)))?;
            self.sealed.pop_front();
        }
        Ok(())
    }
}

fn write_err(e: &(dyn std::error::Error + 'static)) -> StorageError {
    StorageError::IO {
        source: StorageIOError::write_logs(AnyError::from_dyn(e, None)),
    }
}

fn range_entries<RB: RangeBounds<u64>>(entries: &Entries, range: RB) -> Vec<Entry> {
    let map = entries.read().unwrap_or_else(PoisonError::into_inner);
    map.range(range).map(|(_, e)| e.clone()).collect()
}

/// A reader of a group's log that replication tasks use alongside the store.
#[derive(Clone)]
pub struct LogReader {
    entries: Entries,
}

impl RaftLogReader<TypeConfig> for LogReader {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        Ok(range_entries(&self.entries, range))
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        Ok(range_entries(&self.entries, range))
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogReader;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        Ok(LogState {
            last_purged_log_id: self.purged,
            last_log_id: self.last_log_id(),
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        LogReader {
            entries: self.entries.clone(),
        }
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        self.write(&[LogRecord::Vote(*vote)])?;
        self.sync_active().await.map_err(|e| write_err(&e))?;
        self.vote = Some(*vote);
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        Ok(self.vote)
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        if committed != self.committed {
            self.write(&[LogRecord::Committed(committed)])?;
            self.committed = committed;
        }
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        Ok(self.committed)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let recs: Vec<LogRecord> = entries.into_iter().map(LogRecord::Entry).collect();
        self.write(&recs)?;
        {
            let mut map = self.entries.write().unwrap_or_else(PoisonError::into_inner);
            for rec in recs {
                if let LogRecord::Entry(e) = rec {
                    map.insert(e.log_id.index, e);
                }
            }
        }
        self.queue.push(callback);
        if self.active.bytes >= self.segment_bytes_max {
            self.rotate().await?;
        }
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        tracing::debug!(group = %self.group, since = log_id.index, "raft log: truncate");
        self.write(&[LogRecord::Truncate {
            since: log_id.index,
        }])?;
        let mut map = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        drop(map.split_off(&log_id.index));
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        let floor = self.purge_floor.load(Ordering::Acquire);
        let log_id = if log_id.index < floor {
            log_id
        } else {
            // A purge past the durable checkpoint would lose entries a restart needs to
            // re-apply: keep them (openraft only reads above its purge point, so this is safe).
            tracing::warn!(group = %self.group, upto = log_id.index, floor,
                "raft log: purge beyond the durable checkpoint clamped");
            let Some(index) = floor.checked_sub(1) else {
                return Ok(());
            };
            match self.read_entries().get(&index) {
                Some(e) => e.log_id,
                None => return Ok(()),
            }
        };
        if self.purged.is_some_and(|p| p.index >= log_id.index) {
            return Ok(());
        }
        self.write(&[LogRecord::Purge(log_id)])?;
        self.sync_active().await.map_err(|e| write_err(&e))?;
        self.purged = Some(log_id);
        {
            let mut map = self.entries.write().unwrap_or_else(PoisonError::into_inner);
            *map = map.split_off(&(log_id.index + 1));
        }
        self.delete_purged_segments()
    }
}
