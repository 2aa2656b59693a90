//! Opening a store: reading every segment back, cutting off torn and corrupt tails.

use std::fs;
use std::path::Path;
use std::time::Instant;

use rill_core::jetstream::store::record::{decode, RecordRef};
use rill_core::jetstream::store::StoreError;

use super::segment::{self, Segment, CORRUPT_EXT, HEADER_BYTES, MAGIC, TMP_EXT};
use super::{Active, FileStore};

/// Why bytes were cut off a segment on open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CutReason {
    /// The last record ends past the end of the file: a write cut short.
    Torn,
    /// Only zeros follow (a file extended but never written).
    Zeros,
    /// A record failed to decode; the text says how.
    Corrupt(String),
    /// The file has no valid header; it was renamed to `*.corrupt`.
    BadHeader,
}

/// Bytes dropped from a segment when the store was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Segment id.
    pub segment: u32,
    /// Offset of the first byte dropped.
    pub offset: u64,
    /// Bytes dropped.
    pub bytes: u64,
    /// Why.
    pub reason: CutReason,
}

fn io_fatal(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Fatal(format!("{what} {}: {e}", path.display()))
}

impl FileStore {
    /// Rebuilds the store from its directory.
    pub(super) fn recover(&mut self) -> Result<(), StoreError> {
        let started = Instant::now();
        fs::create_dir_all(&self.dir).map_err(|e| io_fatal("creating", &self.dir, e))?;
        let mut ids = Vec::new();
        let entries = fs::read_dir(&self.dir).map_err(|e| io_fatal("listing", &self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_fatal("listing", &self.dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.ends_with(&format!(".{TMP_EXT}")) {
                // An interrupted compaction: the segment it was rewriting is intact.
                tracing::info!(dir = %self.dir.display(), file = name, "filestore: removing leftover temp file");
                fs::remove_file(entry.path())
                    .map_err(|e| io_fatal("removing", &entry.path(), e))?;
            } else if let Some(id) = segment::parse_segment_name(name) {
                ids.push(id);
            } else if !name.ends_with(CORRUPT_EXT) {
                // Not ours (or a segment name out of range): left alone, but said.
                tracing::warn!(dir = %self.dir.display(), file = name, "filestore: ignoring a file that is not a segment");
            }
        }
        ids.sort_unstable();
        for &id in &ids {
            self.load_segment(id)?;
        }
        self.next_id = ids
            .last()
            .map_or(Some(1), |id| id.checked_add(1))
            .unwrap_or(u32::MAX);
        if let Some(&id) = self.segs.keys().next_back() {
            let path = segment::segment_path(&self.dir, id);
            let file =
                segment::open_for_append(&path).map_err(|e| io_fatal("opening", &path, e))?;
            self.active = Some(Active {
                id,
                file,
                unsynced: false,
            });
            // The first change writes a floor here, so this segment carries the sequence
            // state even if every older segment is deleted later.
            self.needs_marker = true;
        }
        self.dirty = self.segs.keys().copied().collect();
        let state = rill_core::jetstream::store::MsgStore::state(self);
        tracing::info!(
            dir = %self.dir.display(),
            segments = self.segs.len(),
            messages = state.messages,
            last_seq = state.last_seq,
            cuts = self.cuts.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "filestore: opened"
        );
        Ok(())
    }

    fn load_segment(&mut self, id: u32) -> Result<(), StoreError> {
        let path = segment::segment_path(&self.dir, id);
        let data = fs::read(&path).map_err(|e| io_fatal("reading", &path, e))?;
        if data.len() < HEADER_BYTES as usize || data[..HEADER_BYTES as usize] != MAGIC[..] {
            if data.len() < HEADER_BYTES as usize && MAGIC.starts_with(&data) {
                // Created but never written: there is nothing to lose.
                tracing::warn!(dir = %self.dir.display(), segment = id, "filestore: removing an empty segment left by a crash");
                return fs::remove_file(&path).map_err(|e| io_fatal("removing", &path, e));
            }
            let aside = self
                .dir
                .join(format!("{id:010}.{}.{CORRUPT_EXT}", segment::SEGMENT_EXT));
            tracing::warn!(
                dir = %self.dir.display(), segment = id, bytes = data.len(), moved_to = %aside.display(),
                "filestore: segment without a valid header moved aside; its records are lost"
            );
            self.cuts.push(Cut {
                segment: id,
                offset: 0,
                bytes: data.len() as u64,
                reason: CutReason::BadHeader,
            });
            return fs::rename(&path, &aside).map_err(|e| io_fatal("renaming", &path, e));
        }
        self.segs.insert(id, Segment::default());
        let mut at = HEADER_BYTES as usize;
        let error = loop {
            match decode(&data[at..]) {
                Ok(Some((_, n))) if at + n > u32::MAX as usize => {
                    break Some("segment beyond 4 GiB".to_string())
                }
                Ok(Some((rec, n))) => {
                    self.replay(id, at as u64, n, rec);
                    at += n;
                }
                Ok(None) => break None,
                Err(e) => break Some(e.to_string()),
            }
        };
        if at < data.len() {
            self.cut_tail(id, &path, &data[at..], at as u64, error)?;
        }
        if let Some(seg) = self.segs.get_mut(&id) {
            seg.len = at as u64;
        }
        Ok(())
    }

    fn replay(&mut self, id: u32, at: u64, n: usize, rec: RecordRef<'_>) {
        match rec {
            RecordRef::Msg(m) if m.seq > self.last_seq => {
                self.segs.entry(id).or_default().add_msg(m.seq);
                let has_headers = m.headers.is_some_and(|h| !h.is_empty());
                let len_flags = super::index::Slot::len_flags(n, has_headers);
                self.apply_msg(m.seq, m.time, m.subject, id, at, len_flags);
            }
            RecordRef::Msg(m) => {
                tracing::warn!(dir = %self.dir.display(), segment = id, offset = at, seq = m.seq, last_seq = self.last_seq, "filestore: message out of sequence order ignored");
                self.segs.entry(id).or_default().dead_bytes += n as u64;
            }
            RecordRef::Delete { seq } => {
                self.segs.entry(id).or_default().tombs += 1;
                self.apply_delete(seq, id);
            }
            RecordRef::Floor(floor) => {
                self.segs.entry(id).or_default().floors += 1;
                self.apply_floor(floor, id);
            }
            RecordRef::Checkpoint { index } => {
                // Only the last one matters; older ones are dead bytes for compaction.
                self.segs.entry(id).or_default().dead_bytes += n as u64;
                self.checkpoint_index = index;
            }
        }
    }

    /// Cuts `tail` (from `offset`) off segment `id`, saving it aside when it is corrupt
    /// rather than torn, and logs what was lost.
    fn cut_tail(
        &mut self,
        id: u32,
        path: &Path,
        tail: &[u8],
        offset: u64,
        error: Option<String>,
    ) -> Result<(), StoreError> {
        let reason = match error {
            None => CutReason::Torn,
            Some(_) if tail.iter().all(|&b| b == 0) => CutReason::Zeros,
            Some(e) => CutReason::Corrupt(e),
        };
        let dir = self.dir.display();
        let (bytes, last_good_seq) = (tail.len(), self.last_seq);
        match &reason {
            CutReason::Corrupt(e) => {
                let aside = self.dir.join(format!(
                    "{id:010}.{}.{offset}.{CORRUPT_EXT}",
                    segment::SEGMENT_EXT
                ));
                if let Err(save) = fs::write(&aside, tail) {
                    tracing::warn!(%dir, segment = id, error = %save, "filestore: could not save corrupt bytes aside");
                }
                tracing::warn!(%dir, segment = id, offset, bytes, last_good_seq, error = %e, saved_to = %aside.display(),
                    "filestore: corrupt record; the rest of this segment is dropped");
            }
            _ => tracing::warn!(%dir, segment = id, offset, bytes, last_good_seq, reason = ?reason,
                "filestore: incomplete write at the end of a segment cut off"),
        }
        self.cuts.push(Cut {
            segment: id,
            offset,
            bytes: bytes as u64,
            reason,
        });
        fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|f| {
                f.set_len(offset)?;
                f.sync_all()
            })
            .map_err(|e| io_fatal("truncating", path, e))
    }
}
