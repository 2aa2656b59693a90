//! The in-memory index of a [`FileStore`](super::FileStore): where each held message lives on
//! disk, and every subject's sequences.
//!
//! A 24-byte [`Slot`] per held message in a `BTreeMap`, plus its sequence in the subject's
//! deque: about 80 bytes per held message measured (1M messages, +78 MB RSS); subjects are
//! held once each, payloads never. A denser layout (per-segment slot arrays) is the next
//! step if streams of tens of millions of messages need it. The query algorithms mirror
//! `rill_core::jetstream::store::MemStore` one for one (same filter rules, same purge
//! selection, same costs), because the conformance suite compares the two.

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;
use hashbrown::HashMap;
use rill_core::jetstream::store::record::msg_record_bytes;
use rill_core::jetstream::store::{PurgeRequest, HEADERS_OVERHEAD_BYTES, RECORD_OVERHEAD_BYTES};
use rill_core::subject;

/// Where one held message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Slot {
    /// Segment id.
    pub seg: u32,
    /// Byte offset of the frame in the segment file.
    pub offset: u32,
    /// Frame length in bytes, with [`HEADERS_FLAG`] set when the message has headers (a
    /// record is at most ~64 MiB, so the top bit is free): read through
    /// [`Slot::frame_len`] and [`Slot::has_headers`].
    pub len_flags: u32,
    /// Interned subject id.
    pub subj: u32,
    /// Message time.
    pub time: i64,
}

/// Top bit of [`Slot::len_flags`]: the message has a non-empty header block.
pub(super) const HEADERS_FLAG: u32 = 1 << 31;

impl Slot {
    /// `len_flags` for a frame of `len` bytes.
    pub fn len_flags(len: usize, has_headers: bool) -> u32 {
        (len as u32 & !HEADERS_FLAG) | if has_headers { HEADERS_FLAG } else { 0 }
    }

    /// Frame length in bytes.
    pub fn frame_len(&self) -> u32 {
        self.len_flags & !HEADERS_FLAG
    }

    /// Whether the message has a non-empty header block.
    pub fn has_headers(&self) -> bool {
        self.len_flags & HEADERS_FLAG != 0
    }

    /// The message's size by [`SizeRule::File`], derived from the frame length (the frame's
    /// fixed part is constant, so subject + headers + payload = len − fixed).
    pub fn stored_size(&self) -> u64 {
        let parts = u64::from(self.frame_len()) - msg_record_bytes(0, 0, 0) as u64;
        let headers = if self.has_headers() {
            HEADERS_OVERHEAD_BYTES
        } else {
            0
        };
        parts + RECORD_OVERHEAD_BYTES + headers
    }
}

/// What a subject filter selects (the rules of `MemStore`).
#[derive(Clone, Copy)]
pub(super) enum Filter<'a> {
    /// Every subject (`None`, empty or `>`).
    All,
    /// Exactly this subject.
    Literal(&'a [u8]),
    /// Subjects matching this wildcard pattern.
    Wildcard(&'a [u8]),
}

impl<'a> Filter<'a> {
    pub fn new(filter: Option<&'a [u8]>) -> Self {
        match filter {
            None => Filter::All,
            Some(f) if f.is_empty() || f == b">" => Filter::All,
            Some(f) if subject::has_wildcard(f) => Filter::Wildcard(f),
            Some(f) => Filter::Literal(f),
        }
    }
}

/// What a purge removes, decided by the index before the store writes records.
pub(super) enum PurgePlan {
    /// Everything (unfiltered, no `up_to_seq`, no `keep`); the store's first sequence becomes
    /// `last_seq + 1` even when it held nothing.
    Clear,
    /// Every held message below `cut` (unfiltered); when `up_to_seq` empties the store and
    /// lies past its end, the sequence moves on to it.
    Below { cut: u64, up_to_seq: Option<u64> },
    /// These sequences; filtered purges, written as one tombstone each.
    Seqs(Vec<u64>),
}

struct SubjectEntry {
    name: Bytes,
    seqs: VecDeque<u64>,
}

/// Held messages by sequence, and interned subjects with their sequences.
#[derive(Default)]
pub(super) struct Index {
    msgs: BTreeMap<u64, Slot>,
    ids: HashMap<Bytes, u32>,
    subjects: Vec<SubjectEntry>,
    free_ids: Vec<u32>,
    bytes: u64,
}

fn first_at_or_after(seqs: &VecDeque<u64>, start: u64) -> usize {
    seqs.partition_point(|&seq| seq < start)
}

impl Index {
    pub fn len(&self) -> u64 {
        self.msgs.len() as u64
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn num_subjects(&self) -> u64 {
        self.ids.len() as u64
    }

    pub fn get(&self, seq: u64) -> Option<&Slot> {
        self.msgs.get(&seq)
    }

    pub fn get_mut(&mut self, seq: u64) -> Option<&mut Slot> {
        self.msgs.get_mut(&seq)
    }

    pub fn first(&self) -> Option<(u64, &Slot)> {
        self.msgs.first_key_value().map(|(&seq, slot)| (seq, slot))
    }

    /// Adds a message; `slot.subj` is set here. `seq` must be above every held sequence.
    pub fn insert(&mut self, seq: u64, subject: &[u8], mut slot: Slot) {
        assert!(self
            .msgs
            .last_key_value()
            .is_none_or(|(&last, _)| last < seq));
        slot.subj = match self.ids.get(subject) {
            Some(&id) => id,
            None => {
                // Copy the subject: keeping the caller's `Bytes` could pin a whole read buffer.
                let name = Bytes::copy_from_slice(subject);
                let entry = SubjectEntry {
                    name: name.clone(),
                    seqs: VecDeque::new(),
                };
                let id = match self.free_ids.pop() {
                    Some(id) => {
                        self.subjects[id as usize] = entry;
                        id
                    }
                    None => {
                        self.subjects.push(entry);
                        (self.subjects.len() - 1) as u32
                    }
                };
                self.ids.insert(name, id);
                id
            }
        };
        self.subjects[slot.subj as usize].seqs.push_back(seq);
        self.bytes += slot.stored_size();
        self.msgs.insert(seq, slot);
    }

    /// Removes one held message.
    pub fn remove(&mut self, seq: u64) -> Option<Slot> {
        let slot = self.msgs.remove(&seq)?;
        self.unindex(seq, &slot);
        Some(slot)
    }

    /// Removes every held message below `cut`, oldest first.
    pub fn remove_below(&mut self, cut: u64) -> Vec<(u64, Slot)> {
        let kept = self.msgs.split_off(&cut);
        let removed = std::mem::replace(&mut self.msgs, kept);
        let mut out = Vec::with_capacity(removed.len());
        for (seq, slot) in removed {
            // A prefix of the stream is a prefix of every subject's sequences.
            self.unindex(seq, &slot);
            out.push((seq, slot));
        }
        out
    }

    fn unindex(&mut self, seq: u64, slot: &Slot) {
        self.bytes -= slot.stored_size();
        let entry = &mut self.subjects[slot.subj as usize];
        if entry.seqs.front() == Some(&seq) {
            entry.seqs.pop_front();
        } else {
            let at = entry.seqs.binary_search(&seq);
            assert!(
                at.is_ok(),
                "filestore: seq {seq} missing from its subject index"
            );
            if let Ok(at) = at {
                entry.seqs.remove(at);
            }
        }
        if entry.seqs.is_empty() {
            let name = std::mem::take(&mut entry.name);
            self.ids.remove(&name);
            self.free_ids.push(slot.subj);
        }
    }

    /// The subject of a held message's slot.
    pub fn subject_of(&self, slot: &Slot) -> &Bytes {
        &self.subjects[slot.subj as usize].name
    }

    fn seqs_of(&self, subject: &[u8]) -> Option<&VecDeque<u64>> {
        self.ids
            .get(subject)
            .map(|&id| &self.subjects[id as usize].seqs)
    }

    fn matching<'s>(&'s self, pattern: &'s [u8]) -> impl Iterator<Item = &'s SubjectEntry> + 's {
        self.ids
            .iter()
            .filter(move |(name, _)| subject::matches(pattern, name))
            .map(|(_, &id)| &self.subjects[id as usize])
    }

    pub fn subject_seqs(&self, subject: &[u8]) -> Vec<u64> {
        self.seqs_of(subject)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default()
    }

    pub fn last_for_subject(&self, subject: &[u8]) -> Option<u64> {
        self.seqs_of(subject).and_then(|s| s.back().copied())
    }

    /// The first held sequence ≥ `start` whose subject matches `filter`.
    pub fn next_matching(&self, start: u64, filter: Option<&[u8]>) -> Option<u64> {
        match Filter::new(filter) {
            Filter::All => self.msgs.range(start..).next().map(|(&seq, _)| seq),
            Filter::Literal(subject) => self
                .seqs_of(subject)
                .and_then(|seqs| seqs.get(first_at_or_after(seqs, start)).copied()),
            Filter::Wildcard(pattern) => {
                // A short forward scan wins when a match is near; past `s` steps the subject
                // index is cheaper (as MemStore does).
                let mut scanned = 0;
                let mut resume = None;
                for (&seq, slot) in self.msgs.range(start..) {
                    if subject::matches(pattern, self.subject_of(slot)) {
                        return Some(seq);
                    }
                    scanned += 1;
                    if scanned >= self.ids.len() {
                        resume = Some(seq.saturating_add(1));
                        break;
                    }
                }
                let resume = resume?;
                self.matching(pattern)
                    .filter_map(|e| e.seqs.get(first_at_or_after(&e.seqs, resume)).copied())
                    .min()
            }
        }
    }

    /// Number of held messages ≥ `start` whose subject matches `filter`.
    pub fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64 {
        let pending = |seqs: &VecDeque<u64>| (seqs.len() - first_at_or_after(seqs, start)) as u64;
        match Filter::new(filter) {
            Filter::All => self.count_from(start),
            Filter::Literal(subject) => self.seqs_of(subject).map_or(0, pending),
            Filter::Wildcard(pattern) => self.matching(pattern).map(|e| pending(&e.seqs)).sum(),
        }
    }

    fn count_from(&self, start: u64) -> u64 {
        let held = self.len();
        let (Some((&first, _)), Some((&last, _))) =
            (self.msgs.first_key_value(), self.msgs.last_key_value())
        else {
            return 0;
        };
        if start <= first {
            return held;
        }
        if start > last {
            return 0;
        }
        // Walk the side that is shorter by sequence distance.
        if start - first < last - start {
            held - self.msgs.range(..start).count() as u64
        } else {
            self.msgs.range(start..).count() as u64
        }
    }

    /// Per-subject counts for subjects matching `filter`, sorted by subject.
    pub fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        let all = matches!(Filter::new(Some(filter)), Filter::All);
        let mut out: Vec<(Bytes, u64)> = self
            .ids
            .iter()
            .filter(|(name, _)| all || subject::matches(filter, name))
            .map(|(name, &id)| (name.clone(), self.subjects[id as usize].seqs.len() as u64))
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// What `req` removes, by MemStore's rules (see `MemStore::purge`); the caller handles
    /// the sequence moves of unfiltered purges.
    pub fn plan_purge(&self, req: &PurgeRequest) -> PurgePlan {
        let keep = req.keep.unwrap_or(0);
        match Filter::new(req.filter.as_deref()) {
            Filter::All => {
                if req.up_to_seq.is_none() && keep == 0 {
                    return PurgePlan::Clear;
                }
                let removable = self.len().saturating_sub(keep);
                let mut cut = req.up_to_seq.unwrap_or(u64::MAX);
                if keep > 0 {
                    let kept_first = usize::try_from(removable)
                        .ok()
                        .and_then(|nth| self.msgs.keys().nth(nth));
                    cut = cut.min(kept_first.copied().unwrap_or(0));
                }
                PurgePlan::Below {
                    cut,
                    up_to_seq: req.up_to_seq,
                }
            }
            Filter::Literal(subject) => {
                let Some(seqs) = self.seqs_of(subject) else {
                    return PurgePlan::Seqs(Vec::new());
                };
                let below = req
                    .up_to_seq
                    .map_or(seqs.len(), |n| first_at_or_after(seqs, n));
                let removable = (seqs.len() as u64).saturating_sub(keep);
                let count = (below as u64).min(removable) as usize;
                PurgePlan::Seqs(seqs.iter().take(count).copied().collect())
            }
            Filter::Wildcard(pattern) => {
                let mut matching = 0u64;
                let mut doomed = Vec::new();
                for entry in self.matching(pattern) {
                    matching += entry.seqs.len() as u64;
                    let below = req
                        .up_to_seq
                        .map_or(entry.seqs.len(), |n| first_at_or_after(&entry.seqs, n));
                    doomed.extend(entry.seqs.iter().take(below).copied());
                }
                let removable =
                    usize::try_from(matching.saturating_sub(keep)).unwrap_or(usize::MAX);
                if doomed.len() > removable {
                    // `keep` counts across all matching subjects: drop the oldest candidates.
                    doomed.sort_unstable();
                    doomed.truncate(removable);
                }
                doomed.sort_unstable();
                PurgePlan::Seqs(doomed)
            }
        }
    }
}
