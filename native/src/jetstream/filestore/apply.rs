//! Applying records to the index and the segment accounting: shared by the write path (after
//! buffering a record) and by recovery (for every record read back), so both agree.

use rill_core::jetstream::store::record::Floor;

use super::index::Slot;
use super::{FileStore, Ghost};

impl FileStore {
    /// A message record at `offset` of segment `seg` (whose `add_msg` the caller did), its
    /// length and headers flag packed by [`Slot::len_flags`].
    pub(super) fn apply_msg(
        &mut self,
        seq: u64,
        time: i64,
        subject: &[u8],
        seg: u32,
        offset: u64,
        len_flags: u32,
    ) {
        // Offsets fit: segments are at most 1 GiB plus one record of at most ~64 MiB.
        let slot = Slot {
            seg,
            offset: offset as u32,
            len_flags,
            subj: 0,
            time,
        };
        self.index.insert(seq, subject, slot);
        self.last_seq = seq;
        self.last_time = time;
    }

    /// A tombstone in segment `killer`; returns whether the message was held.
    pub(super) fn apply_delete(&mut self, seq: u64, killer: u32) -> bool {
        let Some(slot) = self.index.remove(seq) else {
            return false;
        };
        self.kill(seq, &slot, killer, false);
        if self.index.len() == 0 {
            self.empty_first = self.last_seq.saturating_add(1);
        }
        true
    }

    /// Removes every held message below `cut` on behalf of a floor in segment `killer`.
    pub(super) fn kill_below(&mut self, cut: u64, killer: u32) -> u64 {
        let removed = self.index.remove_below(cut);
        for (seq, slot) in &removed {
            self.kill(*seq, slot, killer, true);
        }
        if self.index.len() == 0 && !removed.is_empty() {
            self.empty_first = self.last_seq.saturating_add(1);
        }
        removed.len() as u64
    }

    /// A floor record in segment `killer`, read back by recovery.
    pub(super) fn apply_floor(&mut self, floor: Floor, killer: u32) {
        self.kill_below(floor.first_seq, killer);
        if floor.last_seq >= self.last_seq {
            self.last_seq = floor.last_seq;
            self.last_time = floor.last_time;
        }
        if self.index.len() == 0 {
            self.empty_first = floor.first_seq;
        }
    }

    /// Accounts for a removed message whose record stays on disk until its segment is
    /// deleted or rewritten. When the removing record is in another segment, that record
    /// must outlive the message's: remember the pair as a ghost.
    fn kill(&mut self, seq: u64, slot: &Slot, killer: u32, by_floor: bool) {
        if let Some(seg) = self.segs.get_mut(&slot.seg) {
            seg.live -= 1;
            seg.dead_bytes += u64::from(slot.frame_len());
        }
        self.dirty.insert(slot.seg);
        if slot.seg != killer {
            self.ghosts.insert(
                seq,
                Ghost {
                    msg_seg: slot.seg,
                    killer,
                    by_floor,
                },
            );
            if let Some(k) = self.segs.get_mut(&killer) {
                if by_floor {
                    k.needed_floors += 1;
                } else {
                    k.needed_tombs += 1;
                }
            }
        }
    }

    /// Forgets the ghosts whose message records were in segment `seg` (now deleted or
    /// rewritten durably): the records that removed them are no longer needed.
    pub(super) fn release_ghosts(&mut self, seg: u32, seq_lo: u64, seq_hi: u64) {
        if seq_lo == 0 {
            return;
        }
        let seqs: Vec<u64> = self
            .ghosts
            .range(seq_lo..=seq_hi)
            .filter(|(_, g)| g.msg_seg == seg)
            .map(|(&seq, _)| seq)
            .collect();
        for seq in seqs {
            let Some(ghost) = self.ghosts.remove(&seq) else {
                continue;
            };
            if let Some(k) = self.segs.get_mut(&ghost.killer) {
                if ghost.by_floor {
                    k.needed_floors -= 1;
                } else {
                    k.needed_tombs -= 1;
                }
                self.dirty.insert(ghost.killer);
            }
        }
    }
}
