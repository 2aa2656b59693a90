//! Reclaiming space after `sync`: deleting segments nothing needs, compacting mostly-dead ones.
//!
//! Order matters for crash safety. A tombstone (or floor) may be dropped only once the
//! message record it hides is durably gone, so ghosts are released only after the directory
//! fsync that makes a deletion or a rename durable, and a rewrite keeps every record a ghost
//! still needs.

use std::fs;
use std::io::Write;

use rill_core::jetstream::store::record::{decode, RecordRef};
use rill_core::jetstream::store::StoreError;

use super::segment::{self, Segment, HEADER_BYTES, MAGIC, TMP_EXT};
use super::FileStore;

/// A segment's content after compaction.
struct Rewrite {
    bytes: Vec<u8>,
    seg: Segment,
    /// New offsets of the held messages.
    moved: Vec<(u64, u32)>,
}

impl FileStore {
    /// Deletes garbage segments and compacts at most one segment (bounded work per sync).
    pub(super) fn maintain(&mut self) -> Result<(), StoreError> {
        // Segments may be rewritten or deleted below: read-ahead bytes may go stale.
        self.readahead.clear();
        let active = self.active.as_ref().map(|a| a.id);
        let candidates: Vec<u32> = self
            .dirty
            .iter()
            .copied()
            .filter(|&id| Some(id) != active)
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let mut deleted = Vec::new();
        for &id in &candidates {
            if !self.segs.get(&id).is_some_and(Segment::is_garbage) {
                continue;
            }
            match fs::remove_file(segment::segment_path(&self.dir, id)) {
                Ok(()) => deleted.push(id),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => deleted.push(id),
                Err(e) => tracing::warn!(
                    dir = %self.dir.display(), segment = id, error = %e,
                    "filestore: could not delete an unneeded segment; will retry"
                ),
            }
        }
        if !deleted.is_empty() {
            if let Err(e) = segment::sync_dir(&self.dir) {
                return Err(self.fail(format!("fsync of the store directory: {e}")));
            }
            for id in deleted {
                if let Some(seg) = self.segs.remove(&id) {
                    self.release_ghosts(id, seg.seq_lo, seg.seq_hi);
                    self.stats.segments_deleted += 1;
                    self.stats.bytes_reclaimed += seg.len;
                }
                self.cache.forget(id);
                self.readers.forget(id);
                self.dirty.remove(&id);
                tracing::debug!(dir = %self.dir.display(), segment = id, "filestore: deleted segment");
            }
        }
        let target = candidates.iter().copied().find(|id| {
            self.segs
                .get(id)
                .is_some_and(|s| !s.is_garbage() && s.wants_compaction())
        });
        if let Some(id) = target {
            self.compact(id)?;
        }
        let segs = &self.segs;
        self.dirty.retain(|id| {
            Some(*id) == active
                || segs
                    .get(id)
                    .is_some_and(|s| s.is_garbage() || s.wants_compaction())
        });
        Ok(())
    }

    /// Rewrites segment `id` with only its held messages and the removal records still
    /// needed, atomically (temp file, fsync, rename, directory fsync).
    fn compact(&mut self, id: u32) -> Result<(), StoreError> {
        let path = segment::segment_path(&self.dir, id);
        let Some(old) = self.segs.get(&id).cloned() else {
            return Ok(());
        };
        let data = match fs::read(&path) {
            Ok(data) => data,
            Err(e) => return self.skip_compaction(id, format!("reading: {e}")),
        };
        let rewrite = match self.rewrite(id, &old, &data) {
            Ok(rewrite) => rewrite,
            Err(why) => return self.skip_compaction(id, why),
        };
        let tmp = self.dir.join(format!("{id:010}.{TMP_EXT}"));
        let written = fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(&rewrite.bytes)?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| fs::rename(&tmp, &path)) {
            let _ = fs::remove_file(&tmp);
            return self.skip_compaction(id, format!("writing the rewrite: {e}"));
        }
        if let Err(e) = segment::sync_dir(&self.dir) {
            return Err(self.fail(format!("fsync of the store directory: {e}")));
        }
        // Durable: now the index may point into the new file and ghosts may go.
        for (seq, offset) in rewrite.moved {
            if let Some(slot) = self.index.get_mut(seq) {
                slot.offset = offset;
            }
        }
        self.release_ghosts(id, old.seq_lo, old.seq_hi);
        let new_len = rewrite.seg.len;
        self.segs.insert(id, rewrite.seg);
        self.cache.forget(id);
        self.readers.forget(id);
        self.stats.segments_compacted += 1;
        self.stats.bytes_reclaimed += old.len.saturating_sub(new_len);
        tracing::debug!(dir = %self.dir.display(), segment = id, from = old.len, to = new_len, "filestore: compacted segment");
        Ok(())
    }

    /// The bytes and accounting of segment `id` (whose file holds `data`) without its removed
    /// messages and unneeded removal records; `Err` says why it cannot be rewritten.
    fn rewrite(&self, id: u32, old: &Segment, data: &[u8]) -> Result<Rewrite, String> {
        let mut out = Vec::with_capacity(data.len() / 2);
        out.extend_from_slice(MAGIC);
        let mut seg = Segment {
            needed_tombs: old.needed_tombs,
            needed_floors: old.needed_floors,
            ..Segment::default()
        };
        let mut moved = Vec::with_capacity(old.live as usize);
        let mut at = HEADER_BYTES as usize;
        while at < data.len() {
            let Ok(Some((rec, n))) = decode(&data[at..]) else {
                return Err(format!("undecodable record at {at}"));
            };
            let keep = match rec {
                RecordRef::Msg(m) => {
                    let slot = self.index.get(m.seq);
                    let here = slot.is_some_and(|s| s.seg == id && s.offset as usize == at);
                    if here {
                        moved.push((m.seq, out.len() as u32));
                        seg.add_msg(m.seq);
                    }
                    here
                }
                RecordRef::Delete { seq } => {
                    let ghost = self.ghosts.get(&seq);
                    let needed = ghost.is_some_and(|g| g.killer == id && !g.by_floor);
                    seg.tombs += u64::from(needed);
                    needed
                }
                RecordRef::Floor(_) => {
                    // Floors are few; keep them all while any is needed.
                    seg.floors += u64::from(old.needed_floors > 0);
                    old.needed_floors > 0
                }
                // Never the newest segment's: older checkpoints are superseded.
                RecordRef::Checkpoint { .. } => false,
            };
            if keep {
                out.extend_from_slice(&data[at..at + n]);
            }
            at += n;
        }
        if moved.len() as u64 != old.live || seg.tombs != old.needed_tombs {
            // The accounting disagrees with the file: a bug. Leave the segment alone.
            let why = format!(
                "found {} of {} held messages, {} of {} needed tombstones",
                moved.len(),
                old.live,
                seg.tombs,
                old.needed_tombs
            );
            tracing::error!(dir = %self.dir.display(), segment = id, "filestore: compaction aborted: {why}");
            return Err(why);
        }
        seg.len = out.len() as u64;
        Ok(Rewrite {
            bytes: out,
            seg,
            moved,
        })
    }

    /// Leaves segment `id` as it is (until its accounting changes again); not fatal: the
    /// segment on disk is intact.
    fn skip_compaction(&mut self, id: u32, why: String) -> Result<(), StoreError> {
        tracing::warn!(dir = %self.dir.display(), segment = id, "filestore: compaction skipped: {why}");
        self.dirty.remove(&id);
        Ok(())
    }
}
