//! One store type for every stream: memory or file storage, chosen by the stream's config.

use bytes::Bytes;
use rill_core::jetstream::store::{
    MemStore, MsgStore, PurgeRequest, SizeRule, StoreError, StoreState, StoredMsg, UnixNanos,
};

use super::filestore::FileStore;

/// A stream's storage: `storage: memory` or `storage: file`.
pub enum AnyStore {
    /// Messages in memory (lost on restart, as in nats-server).
    Mem(MemStore),
    /// Messages in segment files.
    File(Box<FileStore>),
}

impl std::fmt::Debug for AnyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            AnyStore::Mem(_) => "memory",
            AnyStore::File(_) => "file",
        };
        f.debug_struct("AnyStore")
            .field("kind", &kind)
            .field("state", &self.state())
            .finish()
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnyStore::Mem($s) => $e,
            AnyStore::File($s) => $e,
        }
    };
}

impl MsgStore for AnyStore {
    fn append(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, StoreError> {
        delegate!(self, s => s.append(subject, headers, payload, time))
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        delegate!(self, s => s.sync())
    }

    fn size_rule(&self) -> SizeRule {
        delegate!(self, s => s.size_rule())
    }

    fn get(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError> {
        delegate!(self, s => s.get(seq))
    }

    fn next_matching(
        &self,
        start: u64,
        filter: Option<&[u8]>,
    ) -> Result<Option<StoredMsg>, StoreError> {
        delegate!(self, s => s.next_matching(start, filter))
    }

    fn last_for_subject(&self, subject: &[u8]) -> Result<Option<StoredMsg>, StoreError> {
        delegate!(self, s => s.last_for_subject(subject))
    }

    fn subject_seqs(&self, subject: &[u8]) -> Vec<u64> {
        delegate!(self, s => s.subject_seqs(subject))
    }

    fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64 {
        delegate!(self, s => s.num_pending(start, filter))
    }

    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        delegate!(self, s => s.remove(seq))
    }

    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError> {
        delegate!(self, s => s.purge(req))
    }

    fn skip_to(&mut self, seq: u64) -> Result<(), StoreError> {
        delegate!(self, s => s.skip_to(seq))
    }

    fn skip_msgs_to(&mut self, seq: u64) -> Result<(), StoreError> {
        delegate!(self, s => s.skip_msgs_to(seq))
    }

    fn state(&self) -> StoreState {
        delegate!(self, s => s.state())
    }

    fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        delegate!(self, s => s.subjects_state(filter))
    }
}
