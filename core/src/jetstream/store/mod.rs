//! The message store contract that every stream storage implements.
//!
//! A store holds a stream's messages by sequence. Sequences start at 1 (or the stream's
//! `first_seq`), grow by one per append and are never reused; removed messages leave gaps.
//! Appends are buffered: [`MsgStore::sync`] makes everything appended so far durable, which
//! is what a stream waits for before acknowledging publishes (group commit: many appends,
//! one sync).
//!
//! Implementations: [`MemStore`](crate::jetstream::store) here (memory storage, and the model
//! the conformance suite checks others against), the file store in `native/`.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// Wall-clock time as Unix nanoseconds, handed in by the runtime (the core has no clock).
pub type UnixNanos = i64;

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMsg {
    /// Stream sequence.
    pub seq: u64,
    /// Subject it was published to.
    pub subject: Bytes,
    /// Raw header block (`NATS/1.0...`), if any.
    pub headers: Option<Bytes>,
    /// Body.
    pub payload: Bytes,
    /// When it was stored.
    pub time: UnixNanos,
}

impl StoredMsg {
    /// Bytes this message counts for in a file store ([`stored_size`]).
    pub fn stored_size(&self) -> u64 {
        self.size_by(SizeRule::File)
    }

    /// Bytes this message counts for under `rule`.
    pub fn size_by(&self, rule: SizeRule) -> u64 {
        rule.size(
            self.subject.len(),
            self.headers.as_ref().map_or(0, Bytes::len),
            self.payload.len(),
        )
    }
}

/// Per-record overhead counted in file store sizes (record length, sequence, timestamp,
/// subject length, checksum), as nats-server's file store counts it.
pub const RECORD_OVERHEAD_BYTES: u64 = 30;
/// Extra bytes a file store record with headers counts for (the header length).
pub const HEADERS_OVERHEAD_BYTES: u64 = 4;
/// Per-message overhead counted in memory store sizes, as nats-server's memory store.
pub const MEMORY_OVERHEAD_BYTES: u64 = 16;

/// How a store counts the bytes of a message in `max_bytes` and the `bytes` state: the
/// same figures nats-server reports, so limits fill up at the same point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SizeRule {
    /// File storage: parts + 30, + 4 more when there are headers.
    #[default]
    File,
    /// Memory storage: parts + 16.
    Memory,
}

impl SizeRule {
    /// The size a message of these parts counts for.
    pub fn size(self, subject_len: usize, headers_len: usize, payload_len: usize) -> u64 {
        let parts = (subject_len + headers_len + payload_len) as u64;
        match self {
            SizeRule::File if headers_len > 0 => {
                parts + RECORD_OVERHEAD_BYTES + HEADERS_OVERHEAD_BYTES
            }
            SizeRule::File => parts + RECORD_OVERHEAD_BYTES,
            SizeRule::Memory => parts + MEMORY_OVERHEAD_BYTES,
        }
    }
}

/// The size a message of these parts counts for in a file store.
pub fn stored_size(subject_len: usize, headers_len: usize, payload_len: usize) -> u64 {
    SizeRule::File.size(subject_len, headers_len, payload_len)
}

/// Summary of a store's contents (the `state` of stream info).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreState {
    /// Messages held.
    pub messages: u64,
    /// Bytes held (sum of [`StoredMsg::stored_size`]).
    pub bytes: u64,
    /// First sequence held; `last_seq + 1` when empty after removals, 0 when never written.
    pub first_seq: u64,
    /// Time of the first message (0 when empty).
    pub first_time: UnixNanos,
    /// Last sequence assigned (kept when messages are removed).
    pub last_seq: u64,
    /// Time of the last message assigned (0 when never written).
    pub last_time: UnixNanos,
    /// Distinct subjects held.
    pub num_subjects: u64,
    /// Sequences between first and last that were removed.
    pub num_deleted: u64,
}

/// What a purge removes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeRequest {
    /// Only messages whose subject matches this pattern (wildcards allowed).
    pub filter: Option<Bytes>,
    /// Only messages with a sequence below this one.
    pub up_to_seq: Option<u64>,
    /// Keep this many of the newest matching messages (counted across all subjects that
    /// match the filter, as nats-server's `PurgeEx` does).
    pub keep: Option<u64>,
}

/// Errors of a store. "The operation failed" and "this store cannot go on" are apart:
/// after [`StoreError::Fatal`] the stream must stop serving.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store's storage failed (e.g. fsync); nothing more may be acknowledged.
    #[error("store failed: {0}")]
    Fatal(String),
    /// The store was closed or deleted.
    #[error("store closed")]
    Closed,
    /// A record on disk did not decode (torn or corrupt); carries where.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// A sequence was asked for that cannot be (e.g. skipping backwards).
    #[error("invalid sequence {0}")]
    InvalidSequence(u64),
}

/// The storage of one stream. All methods are synchronous and bounded; implementations keep
/// per-subject indexes so that subject lookups do not scan the whole stream.
pub trait MsgStore {
    /// Appends a message with the next sequence; returns that sequence. Not durable until
    /// [`MsgStore::sync`].
    fn append(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, StoreError>;

    /// Makes every append and removal so far durable (fsync for files; no-op in memory).
    fn sync(&mut self) -> Result<(), StoreError>;

    /// How this store counts message sizes (file storage unless it says otherwise).
    fn size_rule(&self) -> SizeRule {
        SizeRule::File
    }

    /// The message at `seq`, if held.
    fn get(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError>;

    /// The first message with sequence ≥ `start` whose subject matches `filter`
    /// (any subject when `None`).
    fn next_matching(
        &self,
        start: u64,
        filter: Option<&[u8]>,
    ) -> Result<Option<StoredMsg>, StoreError>;

    /// The newest message on the literal `subject`.
    fn last_for_subject(&self, subject: &[u8]) -> Result<Option<StoredMsg>, StoreError>;

    /// Sequences held for the literal `subject`, oldest first.
    fn subject_seqs(&self, subject: &[u8]) -> Vec<u64>;

    /// Number of messages held with sequence ≥ `start` whose subject matches `filter`.
    fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64;

    /// Removes the message at `seq`. Returns whether it was held.
    fn remove(&mut self, seq: u64) -> Result<bool, StoreError>;

    /// Removes what `req` selects; returns how many messages were removed.
    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError>;

    /// Makes the next appended sequence `seq` (for `first_seq`, or after a purge of
    /// everything); only forwards, and only when empty, else `StoreError::InvalidSequence`.
    fn skip_to(&mut self, seq: u64) -> Result<(), StoreError>;

    /// Makes the next appended sequence `seq` whether or not messages are held: only
    /// forwards (`seq > last_seq`, else `StoreError::InvalidSequence`); on a store holding
    /// nothing it is [`MsgStore::skip_to`], otherwise the skipped sequences are gaps (counted
    /// in `num_deleted`) and `first_seq` stays. Mirrors keep their origin's sequences so.
    ///
    /// The default serves only empty stores; stores override it.
    fn skip_msgs_to(&mut self, seq: u64) -> Result<(), StoreError> {
        if self.state().messages == 0 {
            self.skip_to(seq)
        } else {
            Err(StoreError::InvalidSequence(seq))
        }
    }

    /// The store's current summary.
    fn state(&self) -> StoreState;

    /// Per-subject message counts for subjects matching `filter`.
    fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)>;
}

pub mod conformance;
mod mem;
pub mod record;

pub use mem::MemStore;
