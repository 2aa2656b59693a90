//! Group commit: appends write to the active segment at once and queue their completion
//! callback here; one task syncs the segment and completes every callback queued before the
//! sync started, so many appends share one fdatasync.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use openraft::storage::LogFlushed;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::raft::disk::Disk;
use crate::raft::types::TypeConfig;

/// Shared between the log store and its flush task.
pub(super) struct FlushQueue {
    /// The segment appends go to (the one to sync).
    active: Mutex<String>,
    pending: Mutex<Vec<LogFlushed<TypeConfig>>>,
    wake: Notify,
    /// Set when a write or sync failed: the log's durable state is unknown from then on
    /// (shared with the group, which then does not restart).
    pub poisoned: Arc<AtomicBool>,
}

impl FlushQueue {
    pub fn new(active: String, poisoned: Arc<AtomicBool>) -> Arc<Self> {
        Arc::new(Self {
            active: Mutex::new(active),
            pending: Mutex::new(Vec::new()),
            wake: Notify::new(),
            poisoned,
        })
    }

    /// Queues `cb` to complete after the next sync. The data it covers must already be
    /// written.
    pub fn push(&self, cb: LogFlushed<TypeConfig>) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(cb);
        self.wake.notify_one();
    }

    pub fn set_active(&self, name: String) {
        *self.active.lock().unwrap_or_else(PoisonError::into_inner) = name;
    }

    fn take(&self) -> Vec<LogFlushed<TypeConfig>> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn active(&self) -> String {
        self.active
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Starts the flush task of one log.
pub(super) fn spawn(
    disk: Arc<dyn Disk>,
    queue: Arc<FlushQueue>,
    group: Arc<str>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            queue.wake.notified().await;
            loop {
                let batch = queue.take();
                if batch.is_empty() {
                    break;
                }
                let res = disk.sync(&queue.active()).await;
                if let Err(e) = &res {
                    tracing::error!(group = %group, error = %e, "raft log sync failed; the group stops");
                    queue.poisoned.store(true, Ordering::Release);
                }
                for cb in batch {
                    let one = match &res {
                        Ok(()) => Ok(()),
                        Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
                    };
                    cb.log_io_completed(one);
                }
            }
        }
    })
}
