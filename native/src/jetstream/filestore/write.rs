//! The write path: the unsynced buffer, segment creation and roll, group commit.

use std::io::Write;

use rill_core::jetstream::store::record::{
    encode_ref, Floor, RecordRef, BODY_BYTES_MAX, DELETE_RECORD_BYTES, FLOOR_RECORD_BYTES,
    FRAME_HEADER_BYTES, SUBJECT_BYTES_MAX,
};
use rill_core::jetstream::store::StoreError;

use super::segment::{self, Segment, HEADER_BYTES, MAGIC};
use super::{Active, FileStore};

/// Size of a new segment before its first change: header and head floor.
const HEAD_BYTES: u64 = HEADER_BYTES + FLOOR_RECORD_BYTES as u64;

/// The frame size of `rec`, or why it cannot be stored.
pub(super) fn check_encodable(rec: &RecordRef<'_>) -> Result<usize, StoreError> {
    let len = rec.encoded_len();
    if let RecordRef::Msg(m) = rec {
        if m.subject.len() > SUBJECT_BYTES_MAX || len - FRAME_HEADER_BYTES > BODY_BYTES_MAX {
            // Streams enforce max_payload and max_msg_size long before this; the contract has
            // no "too large" error, so this reports as a record that cannot be encoded.
            return Err(StoreError::Corrupt(format!(
                "message of {len} bytes (subject {}) exceeds the record limits",
                m.subject.len()
            )));
        }
    }
    Ok(len)
}

impl FileStore {
    /// Records a failure after which nothing may change or be acknowledged.
    pub(super) fn fail(&mut self, what: String) -> StoreError {
        tracing::error!(dir = %self.dir.display(), "filestore: {what}; refusing further changes");
        self.failed = Some(what.clone());
        StoreError::Fatal(what)
    }

    /// Makes room for a record of `len` bytes (creating or rolling the active segment, and
    /// writing the reopen marker); returns the segment and offset the record will have.
    pub(super) fn ensure_room(&mut self, len: usize) -> Result<(u32, u64), StoreError> {
        let marker = if self.needs_marker {
            FLOOR_RECORD_BYTES as u64
        } else {
            0
        };
        let full = self.active.as_ref().is_none_or(|active| {
            let used = self.segs.get(&active.id).map_or(0, |s| s.len) + self.pending.len() as u64;
            used > HEAD_BYTES && used + marker + len as u64 > self.cfg.segment_bytes_max
        });
        if full {
            self.roll()?;
        } else if self.needs_marker {
            let id = self.active_id();
            self.write_floor(id)?;
        }
        self.needs_marker = false;
        let id = self.active_id();
        let written = self.segs.get(&id).map_or(0, |s| s.len);
        Ok((id, written + self.pending.len() as u64))
    }

    fn active_id(&self) -> u32 {
        let id = self.active.as_ref().map(|a| a.id);
        assert!(
            id.is_some(),
            "filestore: no active segment after ensure_room"
        );
        id.unwrap_or_default()
    }

    /// Writes out the active segment and starts a new one beginning with a head floor.
    fn roll(&mut self) -> Result<(), StoreError> {
        self.flush()?;
        if let Some(old) = self.active.take() {
            if old.unsynced {
                self.unsynced.push(old.file);
            }
            self.dirty.insert(old.id);
        }
        let id = self.next_id;
        self.next_id = id
            .checked_add(1)
            .ok_or_else(|| self.fail("segment ids exhausted".into()))?;
        let path = segment::segment_path(&self.dir, id);
        let file = match segment::create(&path) {
            Ok(file) => file,
            Err(e) => return Err(self.fail(format!("creating {}: {e}", path.display()))),
        };
        tracing::debug!(dir = %self.dir.display(), segment = id, "filestore: new segment");
        self.segs.insert(id, Segment::default());
        self.active = Some(Active {
            id,
            file,
            unsynced: false,
        });
        self.dir_dirty = true;
        self.pending.extend_from_slice(MAGIC);
        self.write_floor(id)
    }

    /// Hands the buffered records to the OS (no fsync) and keeps them in the cache.
    pub(super) fn flush(&mut self) -> Result<(), StoreError> {
        let Some(active) = self.active.as_mut() else {
            return Ok(());
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = self.pending.split().freeze();
        if let Err(e) = active.file.write_all(&chunk) {
            let id = active.id;
            return Err(self.fail(format!("writing segment {id}: {e}")));
        }
        active.unsynced = true;
        let id = active.id;
        let seg = self.segs.entry(id).or_default();
        let start = seg.len;
        seg.len += chunk.len() as u64;
        self.cache.push(id, start, chunk);
        Ok(())
    }

    /// Group commit: one write of the buffer, one fdatasync per segment written, and the
    /// directory's fsync when a segment was created.
    pub(super) fn persist(&mut self) -> Result<(), StoreError> {
        self.flush()?;
        for file in std::mem::take(&mut self.unsynced) {
            if let Err(e) = file.sync_data() {
                return Err(self.fail(format!("fsync of a full segment: {e}")));
            }
        }
        if let Some(active) = self.active.as_mut().filter(|a| a.unsynced) {
            if let Err(e) = active.file.sync_data() {
                let id = active.id;
                return Err(self.fail(format!("fsync of segment {id}: {e}")));
            }
            active.unsynced = false;
        }
        if self.dir_dirty {
            if let Err(e) = segment::sync_dir(&self.dir) {
                return Err(self.fail(format!("fsync of the store directory: {e}")));
            }
            self.dir_dirty = false;
        }
        Ok(())
    }

    /// Buffers one record (its size was accounted for by `ensure_room`).
    pub(super) fn put_record(&mut self, rec: &RecordRef<'_>) -> Result<(), StoreError> {
        encode_ref(rec, &mut self.pending)
            .map(|_| ())
            .map_err(|e| StoreError::Corrupt(format!("cannot encode record: {e}")))
    }

    /// Removes a held message with a tombstone.
    pub(super) fn write_delete(&mut self, seq: u64) -> Result<(), StoreError> {
        let (killer, _) = self.ensure_room(DELETE_RECORD_BYTES)?;
        self.put_record(&RecordRef::Delete { seq })?;
        self.segs.entry(killer).or_default().tombs += 1;
        self.apply_delete(seq, killer);
        Ok(())
    }

    /// Buffers a floor with the current sequence state into segment `seg` (the active one).
    pub(super) fn write_floor(&mut self, seg: u32) -> Result<(), StoreError> {
        let floor = Floor {
            first_seq: self.first_seq(),
            last_seq: self.last_seq,
            last_time: self.last_time,
        };
        self.put_record(&RecordRef::Floor(floor))?;
        self.segs.entry(seg).or_default().floors += 1;
        Ok(())
    }
}
