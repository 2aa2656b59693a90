//! File storage: [`FileStore`], a [`MsgStore`] over a directory of append-only segment files.
//!
//! # Files
//! `<dir>/<id:010>.blk`, ids growing in write order. Each file is the 8-byte header
//! `RILLSEG\x01` followed by frames of the core's record codec
//! ([`rill_core::jetstream::store::record`]): messages, tombstones (`Delete`) and floors
//! (`Floor`: "everything below N is removed, the last sequence is L at time T"). Replaying
//! every record of every segment in id order rebuilds the store exactly. Every new segment
//! starts with a floor carrying the current sequence state, and a reopened store writes one
//! before its first change, so the newest segment always knows `last_seq` even when every
//! older segment has been deleted.
//!
//! # Durability
//! Changes are encoded into one in-memory buffer; [`MsgStore::sync`] writes it with one
//! `write` and makes it durable with one `fdatasync` (plus the directory's `fsync` when a
//! segment was created): group commit. A stream acknowledges what it appended only after
//! `sync` returns `Ok`; removals and purges are durable at the same point. A segment that
//! fills up mid-batch is written (not fsynced) and
//! fsynced by the next `sync`. Any failed write or fsync returns [`StoreError::Fatal`] and
//! the store refuses all further changes (after a failed fsync, the page cache can no longer
//! be trusted to reach the disk). Without `sync`, nothing is promised; dropping the store
//! syncs what is buffered, [`FileStore::abandon`] does not.
//!
//! # Segments: roll, delete, compact
//! A segment rolls when the next record would take it past `segment_bytes_max`. After each
//! `sync`, segments other than the newest are deleted once nothing in them is needed (no held
//! message and no tombstone still hiding a removed message in an older segment), and at most
//! one is compacted per `sync` when a rewrite would drop at least half of it: written to
//! `<id>.tmp`, fsynced, renamed over the segment, directory fsynced. A tombstone is dropped
//! only after the message record it hides is durably gone. This work happens inside `sync`
//! (the trait has no other hook), bounded so: one rewrite of at most a segment per call.
//!
//! # Opening and recovery
//! Opening reads every segment once, checking every CRC, and rebuilds the index: the cost is
//! one sequential read of every segment plus about 0.1–0.3 µs per record (1M messages of
//! 128 B, 176 MB: 130–310 ms on the 2-core dev machine; the tests print it). A record that ends past the end of its file (a torn write) is cut off
//! with a `warn!`. A record that fails to decode (bad CRC, impossible lengths) ends that
//! segment: the rest is cut off and saved to `<id>.blk.<offset>.corrupt` (unless it is only
//! zeros), with a `warn!` naming what was lost; later segments are still read. A file without
//! a valid header is renamed to `*.corrupt`. Opening never refuses a store because of its
//! contents; only I/O errors (unreadable directory, failed truncate) fail it.
//!
//! # Memory
//! The index (about 80 bytes per held message, see `index.rs`), the unsynced buffer, and a
//! cache of the last `cache_bytes_max` bytes written; older messages are read with `pread`
//! (through up to 16 open read handles).

mod apply;
mod checkpoint;
mod index;
mod maintain;
mod readahead;
mod recover;
mod segment;
mod write;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use rill_core::jetstream::store::record::{
    decode_shared, MsgRef, Record, RecordRef, FLOOR_RECORD_BYTES,
};
use rill_core::jetstream::store::{
    MsgStore, PurgeRequest, StoreError, StoreState, StoredMsg, UnixNanos,
};

use index::{Index, PurgePlan, Slot};
pub use recover::{Cut, CutReason};
use segment::{Cache, Readers, Segment};

/// Limits and sizes of a [`FileStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStoreConfig {
    /// A segment rolls when the next record would take it past this size (clamped to
    /// 4 KiB..=1 GiB; a single larger record gets a segment of its own).
    pub segment_bytes_max: u64,
    /// Recently written bytes kept in memory for reads (0 disables the cache).
    pub cache_bytes_max: usize,
}

impl Default for FileStoreConfig {
    fn default() -> Self {
        FileStoreConfig {
            segment_bytes_max: 8 * 1024 * 1024,
            cache_bytes_max: 4 * 1024 * 1024,
        }
    }
}

/// What maintenance did since the store was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileStoreStats {
    /// Segment files deleted because nothing in them was needed.
    pub segments_deleted: u64,
    /// Segment files rewritten without their removed records.
    pub segments_compacted: u64,
    /// Bytes of disk given back by deletions and compactions.
    pub bytes_reclaimed: u64,
}

/// A removed message whose record is still in an older segment than the record that removed
/// it: that tombstone or floor must outlive the message's record.
#[derive(Debug, Clone, Copy)]
struct Ghost {
    /// Segment holding the message record.
    msg_seg: u32,
    /// Segment holding the record that removed it.
    killer: u32,
    /// Removed by a floor (else by a tombstone).
    by_floor: bool,
}

/// The segment being appended to.
struct Active {
    id: u32,
    file: File,
    /// Written to the OS since the last fdatasync.
    unsynced: bool,
}

/// A stream's messages in segment files (see the module docs).
pub struct FileStore {
    dir: PathBuf,
    cfg: FileStoreConfig,
    segs: BTreeMap<u32, Segment>,
    active: Option<Active>,
    /// Encoded records not yet written; they belong at the end of the active segment.
    pending: BytesMut,
    /// Earlier active segments written but not yet fdatasynced.
    unsynced: Vec<File>,
    /// A segment file was created since the directory was last fsynced.
    dir_dirty: bool,
    /// The reused newest segment still needs a floor with the current state (see module docs).
    needs_marker: bool,
    next_id: u32,
    index: Index,
    ghosts: BTreeMap<u64, Ghost>,
    /// Segments whose accounting changed since the last maintenance.
    dirty: BTreeSet<u32>,
    cache: Cache,
    readers: Readers,
    /// The last bytes read ahead from a segment file.
    readahead: readahead::ReadAhead,
    /// First sequence when empty (0 when never written, purged or skipped).
    empty_first: u64,
    last_seq: u64,
    last_time: UnixNanos,
    /// Set by the first failed write or fsync; every later change is refused.
    failed: Option<String>,
    /// What recovery cut off when the store was opened.
    cuts: Vec<Cut>,
    stats: FileStoreStats,
    /// The last checkpoint's log index (checkpoint mode, `checkpoint.rs`; 0: none).
    checkpoint_index: u64,
}

impl FileStore {
    /// Opens (or creates) the store in `dir`, recovering from torn or corrupt files (see the
    /// module docs). Fails only on I/O errors.
    pub fn open(dir: impl AsRef<Path>, cfg: FileStoreConfig) -> Result<FileStore, StoreError> {
        let cfg = FileStoreConfig {
            segment_bytes_max: cfg.segment_bytes_max.clamp(4 * 1024, 1024 * 1024 * 1024),
            ..cfg
        };
        let mut store = FileStore {
            dir: dir.as_ref().to_path_buf(),
            cfg,
            segs: BTreeMap::new(),
            active: None,
            pending: BytesMut::new(),
            unsynced: Vec::new(),
            dir_dirty: false,
            needs_marker: false,
            next_id: 1,
            index: Index::default(),
            ghosts: BTreeMap::new(),
            dirty: BTreeSet::new(),
            cache: Cache::new(cfg.cache_bytes_max),
            readers: Readers::default(),
            readahead: readahead::ReadAhead::default(),
            empty_first: 0,
            last_seq: 0,
            last_time: 0,
            failed: None,
            cuts: Vec::new(),
            stats: FileStoreStats::default(),
            checkpoint_index: 0,
        };
        store.recover()?;
        Ok(store)
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What opening the store cut off (torn or corrupt tails, files without a header).
    pub fn recovery_cuts(&self) -> &[Cut] {
        &self.cuts
    }

    /// What maintenance did since the store was opened.
    pub fn stats(&self) -> FileStoreStats {
        self.stats
    }

    /// Number of segment files.
    pub fn segment_count(&self) -> usize {
        self.segs.len()
    }

    /// Drops the store without writing its buffered (unsynced) records, as a crash before
    /// the next write would: for tests and simulations.
    pub fn abandon(mut self) {
        self.pending.clear();
        self.failed = Some("abandoned".into());
    }

    fn check_usable(&self) -> Result<(), StoreError> {
        match &self.failed {
            Some(why) => Err(StoreError::Fatal(why.clone())),
            None => Ok(()),
        }
    }

    fn first_seq(&self) -> u64 {
        self.index.first().map_or(self.empty_first, |(seq, _)| seq)
    }

    /// The frame of a held message: from the unsynced buffer, the cache, or the file.
    fn read_frame(&self, slot: &Slot) -> Result<Bytes, StoreError> {
        let offset = slot.offset as u64;
        let len = slot.frame_len() as usize;
        let active = self.active.as_ref().filter(|a| a.id == slot.seg);
        if let Some(active) = active {
            let written = self.segs.get(&active.id).map_or(0, |s| s.len);
            if offset >= written {
                let from = (offset - written) as usize;
                let frame = self.pending.get(from..from + len).ok_or_else(|| {
                    StoreError::Corrupt(format!("seq at {offset} beyond the write buffer"))
                })?;
                return Ok(Bytes::copy_from_slice(frame));
            }
        }
        if let Some(bytes) = self.cache.get(slot.seg, offset, len) {
            return Ok(bytes);
        }
        if let Some(bytes) = self.readahead.get(slot.seg, offset, len) {
            return Ok(bytes);
        }
        // Read ahead up to what the file holds (never into the unwritten buffer).
        let on_disk = self.segs.get(&slot.seg).map_or(0, |s| s.len);
        let end = offset
            .saturating_add(len.max(readahead::READAHEAD_BYTES) as u64)
            .min(on_disk)
            .max(offset + len as u64);
        let mut buf = vec![0u8; (end - offset) as usize];
        let read = match active {
            Some(active) => segment::read_exact_at(&active.file, &mut buf, offset),
            None => self
                .readers
                .get(&self.dir, slot.seg)
                .and_then(|file| segment::read_exact_at(&file, &mut buf, offset)),
        };
        read.map_err(|e| {
            StoreError::Corrupt(format!("reading segment {} at {offset}: {e}", slot.seg))
        })?;
        let data = Bytes::from(buf);
        if data.len() > len {
            self.readahead.fill(slot.seg, offset, data.clone());
        }
        Ok(data.slice(..len))
    }

    fn load(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError> {
        let Some(slot) = self.index.get(seq) else {
            return Ok(None);
        };
        let frame = self.read_frame(slot)?;
        match decode_shared(&frame) {
            Ok(Some((Record::Msg(msg), n))) if msg.seq == seq && n == frame.len() => Ok(Some(msg)),
            other => Err(StoreError::Corrupt(format!(
                "segment {} offset {}: expected message {seq}, found {other:?}",
                slot.seg, slot.offset
            ))),
        }
    }
}

impl MsgStore for FileStore {
    fn append(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, StoreError> {
        self.check_usable()?;
        let seq = self
            .last_seq
            .checked_add(1)
            .ok_or(StoreError::InvalidSequence(u64::MAX))?;
        let rec = RecordRef::Msg(MsgRef {
            seq,
            time,
            subject: &subject,
            headers: headers.as_deref(),
            payload: &payload,
        });
        let len = write::check_encodable(&rec)?;
        let (seg, offset) = self.ensure_room(len)?;
        self.put_record(&rec)?;
        self.segs.entry(seg).or_default().add_msg(seq);
        let has_headers = headers.as_ref().is_some_and(|h| !h.is_empty());
        let len_flags = Slot::len_flags(len, has_headers);
        self.apply_msg(seq, time, &subject, seg, offset, len_flags);
        Ok(seq)
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        self.check_usable()?;
        self.persist()?;
        self.maintain()
    }

    fn get(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError> {
        self.load(seq)
    }

    fn next_matching(
        &self,
        start: u64,
        filter: Option<&[u8]>,
    ) -> Result<Option<StoredMsg>, StoreError> {
        match self.index.next_matching(start, filter) {
            Some(seq) => self.load(seq),
            None => Ok(None),
        }
    }

    fn last_for_subject(&self, subject: &[u8]) -> Result<Option<StoredMsg>, StoreError> {
        match self.index.last_for_subject(subject) {
            Some(seq) => self.load(seq),
            None => Ok(None),
        }
    }

    fn subject_seqs(&self, subject: &[u8]) -> Vec<u64> {
        self.index.subject_seqs(subject)
    }

    fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64 {
        self.index.num_pending(start, filter)
    }

    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        self.check_usable()?;
        if self.index.get(seq).is_none() {
            return Ok(false);
        }
        self.write_delete(seq)?;
        Ok(true)
    }

    /// Same selection as `MemStore::purge`. Unfiltered purges are one floor record; filtered
    /// ones one tombstone per removed message.
    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError> {
        self.check_usable()?;
        match self.index.plan_purge(req) {
            PurgePlan::Seqs(seqs) => {
                for &seq in &seqs {
                    self.write_delete(seq)?;
                }
                Ok(seqs.len() as u64)
            }
            PurgePlan::Clear => {
                if self.index.len() == 0 && self.empty_first == self.last_seq.saturating_add(1) {
                    return Ok(0);
                }
                let (killer, _) = self.ensure_room(FLOOR_RECORD_BYTES)?;
                let removed = self.kill_below(u64::MAX, killer);
                self.empty_first = self.last_seq.saturating_add(1);
                self.write_floor(killer)?;
                Ok(removed)
            }
            PurgePlan::Below { cut, up_to_seq } => {
                let removes = self.index.len() > 0 && cut > self.first_seq();
                let empty_after = self.index.next_matching(cut, None).is_none();
                let moves_to =
                    up_to_seq.filter(|&n| empty_after && n > self.last_seq.saturating_add(1));
                if !removes && moves_to.is_none() {
                    return Ok(0);
                }
                let (killer, _) = self.ensure_room(FLOOR_RECORD_BYTES)?;
                let removed = if removes {
                    self.kill_below(cut, killer)
                } else {
                    0
                };
                if let Some(n) = moves_to {
                    // Purging past the end moves the sequence on, as MemStore does.
                    self.empty_first = n;
                    self.last_seq = n - 1;
                }
                self.write_floor(killer)?;
                Ok(removed)
            }
        }
    }

    /// As `MemStore::skip_to`: only when empty and only forwards; written as a floor.
    fn skip_to(&mut self, seq: u64) -> Result<(), StoreError> {
        self.check_usable()?;
        if self.index.len() > 0 || seq <= self.last_seq {
            return Err(StoreError::InvalidSequence(seq));
        }
        let (seg, _) = self.ensure_room(FLOOR_RECORD_BYTES)?;
        self.empty_first = seq;
        self.last_seq = seq - 1;
        self.write_floor(seg)
    }

    /// As `MemStore::skip_msgs_to`; written as a floor (the first held sequence stays).
    fn skip_msgs_to(&mut self, seq: u64) -> Result<(), StoreError> {
        if self.index.len() == 0 {
            return self.skip_to(seq);
        }
        self.check_usable()?;
        if seq <= self.last_seq {
            return Err(StoreError::InvalidSequence(seq));
        }
        let (seg, _) = self.ensure_room(FLOOR_RECORD_BYTES)?;
        self.last_seq = seq - 1;
        self.write_floor(seg)
    }

    fn state(&self) -> StoreState {
        let messages = self.index.len();
        let (first_seq, first_time) = self
            .index
            .first()
            .map_or((self.empty_first, 0), |(seq, slot)| (seq, slot.time));
        let num_deleted = if messages == 0 {
            0
        } else {
            self.last_seq - first_seq + 1 - messages
        };
        StoreState {
            messages,
            bytes: self.index.bytes(),
            first_seq,
            first_time,
            last_seq: self.last_seq,
            last_time: self.last_time,
            num_subjects: self.index.num_subjects(),
            num_deleted,
        }
    }

    fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        self.index.subjects_state(filter)
    }
}

impl Drop for FileStore {
    /// Writes and fsyncs what is buffered: a clean shutdown loses nothing appended.
    fn drop(&mut self) {
        if self.failed.is_none() {
            if let Err(e) = self.persist() {
                tracing::error!(dir = %self.dir.display(), error = %e, "filestore: final sync failed");
            }
        }
    }
}
