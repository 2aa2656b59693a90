//! Memory storage: [`MemStore`], the reference [`MsgStore`].
//!
//! Messages live in a `BTreeMap` by sequence; every subject has a sorted `VecDeque` of its
//! sequences, so subject lookups use the index instead of scanning the stream. Appends push
//! at the back of a deque and the usual removals (limits, acks, purges) take from the front.
//!
//! Costs, for `n` messages, `s` distinct subjects and `k` messages on one subject:
//!
//! | operation | cost |
//! |---|---|
//! | `append`, `get` | O(log n) |
//! | `remove` | O(log n) for a subject's oldest message, O(log n + k) worst case |
//! | `last_for_subject`, literal `next_matching` / `num_pending` | O(log n + log k) |
//! | `subject_seqs` | O(k) |
//! | wildcard `next_matching` | scans at most `s` messages forward from `start`, then asks the index: O(s · (match + log k) + log n) worst case |
//! | wildcard `num_pending`, `subjects_state` | O(s · (match + log k)); never scans messages |
//! | unfiltered `num_pending` | O(min(pending, n − pending)): counts from the nearer end |
//! | `purge` | O(removed · log n), plus O(s) to find subjects for a wildcard filter and O(c log c) to sort the `c` candidates of a wildcard filter with `keep` |
//!
//! Semantics (the conformance suite in [`super::conformance`] pins them for every store):
//! filters `None`, empty and `>` select every subject; see [`MemStore::purge`] and
//! [`MemStore::skip_to`] for the sequence rules.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use bytes::Bytes;
use hashbrown::HashMap;

use super::{MsgStore, PurgeRequest, SizeRule, StoreError, StoreState, StoredMsg, UnixNanos};
use crate::subject;

/// A stream's messages held in memory, with a per-subject index.
#[derive(Debug, Clone, Default)]
pub struct MemStore {
    /// Held messages by sequence.
    msgs: BTreeMap<u64, StoredMsg>,
    /// Subject → its held sequences, ascending. No entry for a subject with no message.
    by_subject: HashMap<Bytes, VecDeque<u64>>,
    /// Sum of the held messages' sizes ([`SizeRule::Memory`]).
    bytes: u64,
    /// First held sequence; when empty, the sequence the next append gets (0 when never
    /// written and never purged or skipped).
    first_seq: u64,
    /// Time of the first held message; 0 when empty.
    first_time: UnixNanos,
    /// Last sequence assigned (appended, skipped over or purged past).
    last_seq: u64,
    /// Time of the last appended message; 0 when never written.
    last_time: UnixNanos,
}

/// What a subject filter selects.
#[derive(Clone, Copy)]
enum Filter<'a> {
    /// Every subject (`None`, empty or `>`).
    All,
    /// Exactly this subject.
    Literal(&'a [u8]),
    /// Subjects matching this wildcard pattern.
    Wildcard(&'a [u8]),
}

impl<'a> Filter<'a> {
    fn new(filter: Option<&'a [u8]>) -> Self {
        match filter {
            None => Filter::All,
            Some(f) if f.is_empty() || f == b">" => Filter::All,
            Some(f) if subject::has_wildcard(f) => Filter::Wildcard(f),
            Some(f) => Filter::Literal(f),
        }
    }
}

/// Index of the first entry of the ascending `seqs` that is ≥ `start`.
fn first_at_or_after(seqs: &VecDeque<u64>, start: u64) -> usize {
    seqs.partition_point(|&seq| seq < start)
}

impl MemStore {
    /// An empty store; the first append gets sequence 1 (use [`MsgStore::skip_to`] for a
    /// stream's `first_seq`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes `seq` from the messages and the subject index, keeping `bytes` and
    /// `first_*` right.
    fn take(&mut self, seq: u64) -> Option<StoredMsg> {
        let msg = self.msgs.remove(&seq)?;
        self.bytes -= msg.size_by(SizeRule::Memory);
        self.unindex(&msg.subject, seq);
        if seq == self.first_seq {
            self.refresh_first();
        }
        Some(msg)
    }

    /// Drops `seq` from `subject`'s index entry (and the entry once it is empty).
    fn unindex(&mut self, subject: &[u8], seq: u64) {
        let Some(seqs) = self.by_subject.get_mut(subject) else {
            unreachable!("memstore: the subject of seq {seq} is not indexed");
        };
        if seqs.front() == Some(&seq) {
            seqs.pop_front();
        } else {
            match seqs.binary_search(&seq) {
                Ok(at) => {
                    seqs.remove(at);
                }
                Err(_) => unreachable!("memstore: seq {seq} is missing from its subject index"),
            }
        }
        if seqs.is_empty() {
            self.by_subject.remove(subject);
        }
    }

    /// Recomputes `first_seq`/`first_time` from the held messages.
    fn refresh_first(&mut self) {
        match self.msgs.first_key_value() {
            Some((&seq, msg)) => {
                self.first_seq = seq;
                self.first_time = msg.time;
            }
            None => {
                self.first_seq = self.last_seq.saturating_add(1);
                self.first_time = 0;
            }
        }
    }

    /// Removes every message below `cut` in one split; returns how many.
    fn remove_below(&mut self, cut: u64) -> u64 {
        if self.msgs.is_empty() || cut <= self.first_seq {
            return 0;
        }
        let kept = self.msgs.split_off(&cut);
        let removed = core::mem::replace(&mut self.msgs, kept);
        for (&seq, msg) in &removed {
            self.bytes -= msg.size_by(SizeRule::Memory);
            // A prefix of the stream is a prefix of every subject's sequences.
            self.unindex(&msg.subject, seq);
        }
        self.refresh_first();
        removed.len() as u64
    }

    /// Removes everything; the next append gets `last_seq + 1`.
    fn clear(&mut self) -> u64 {
        let purged = self.msgs.len() as u64;
        self.msgs.clear();
        self.by_subject.clear();
        self.bytes = 0;
        self.refresh_first();
        purged
    }

    /// Unfiltered purge (see [`MemStore::purge`]).
    fn purge_every_subject(&mut self, up_to_seq: Option<u64>, keep: u64) -> u64 {
        if up_to_seq.is_none() && keep == 0 {
            return self.clear();
        }
        let held = self.msgs.len() as u64;
        let removable = held.saturating_sub(keep);
        let mut cut = up_to_seq.unwrap_or(u64::MAX);
        if keep > 0 {
            // The oldest message that `keep` keeps; none when keeping everything.
            let kept_first = usize::try_from(removable)
                .ok()
                .and_then(|nth| self.msgs.keys().nth(nth));
            cut = cut.min(kept_first.copied().unwrap_or(0));
        }
        let purged = self.remove_below(cut);
        if let Some(up_to) = up_to_seq {
            // Purging past the end moves the sequence on, as nats-server's Compact does.
            if self.msgs.is_empty() && up_to > self.last_seq.saturating_add(1) {
                self.first_seq = up_to;
                self.last_seq = up_to - 1;
            }
        }
        purged
    }

    /// Purge of one literal subject (see [`MemStore::purge`]).
    fn purge_subject(&mut self, subject: &[u8], up_to_seq: Option<u64>, keep: u64) -> u64 {
        let Some(seqs) = self.by_subject.get(subject) else {
            return 0;
        };
        let below = up_to_seq.map_or(seqs.len(), |up_to| first_at_or_after(seqs, up_to));
        let removable = (seqs.len() as u64).saturating_sub(keep);
        let count = (below as u64).min(removable) as usize;
        let doomed: Vec<u64> = seqs.iter().take(count).copied().collect();
        for seq in &doomed {
            self.take(*seq);
        }
        doomed.len() as u64
    }

    /// Purge of the subjects matching a wildcard `pattern` (see [`MemStore::purge`]).
    fn purge_pattern(&mut self, pattern: &[u8], up_to_seq: Option<u64>, keep: u64) -> u64 {
        let mut matching = 0u64;
        let mut doomed = Vec::new();
        for (subject, seqs) in &self.by_subject {
            if !subject::matches(pattern, subject) {
                continue;
            }
            matching += seqs.len() as u64;
            let below = up_to_seq.map_or(seqs.len(), |up_to| first_at_or_after(seqs, up_to));
            doomed.extend(seqs.iter().take(below).copied());
        }
        let removable = usize::try_from(matching.saturating_sub(keep)).unwrap_or(usize::MAX);
        if doomed.len() > removable {
            // `keep` counts across all matching subjects: drop the oldest candidates.
            doomed.sort_unstable();
            doomed.truncate(removable);
        }
        for seq in &doomed {
            self.take(*seq);
        }
        doomed.len() as u64
    }

    /// Count of held messages with sequence ≥ `start`.
    fn count_from(&self, start: u64) -> u64 {
        let held = self.msgs.len() as u64;
        if held == 0 || start <= self.first_seq {
            return held;
        }
        if start > self.last_seq {
            return 0;
        }
        // Walk the side that is shorter by sequence distance (gaps make it an estimate).
        if start - self.first_seq < self.last_seq - start {
            held - self.msgs.range(..start).count() as u64
        } else {
            self.msgs.range(start..).count() as u64
        }
    }

    /// First message ≥ `start` on a subject matching the wildcard `pattern`.
    fn next_matching_pattern(&self, start: u64, pattern: &[u8]) -> Option<&StoredMsg> {
        // A short forward scan wins when a match is near; past `s` steps the index is cheaper.
        let mut scanned = 0;
        let mut resume = None;
        for (&seq, msg) in self.msgs.range(start..) {
            if subject::matches(pattern, &msg.subject) {
                return Some(msg);
            }
            scanned += 1;
            if scanned >= self.by_subject.len() {
                resume = Some(seq.saturating_add(1));
                break;
            }
        }
        // Reaching the end of the stream without a match means there is none.
        let resume = resume?;
        self.by_subject
            .iter()
            .filter(|(subject, _)| subject::matches(pattern, subject))
            .filter_map(|(_, seqs)| seqs.get(first_at_or_after(seqs, resume)).copied())
            .min()
            .and_then(|seq| self.msgs.get(&seq))
    }
}

impl MsgStore for MemStore {
    fn append(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, StoreError> {
        let seq = self
            .last_seq
            .checked_add(1)
            .ok_or(StoreError::InvalidSequence(u64::MAX))?;
        if self.msgs.is_empty() {
            self.first_seq = seq;
            self.first_time = time;
        }
        self.last_seq = seq;
        self.last_time = time;
        match self.by_subject.get_mut(&subject[..]) {
            Some(seqs) => seqs.push_back(seq),
            None => {
                self.by_subject
                    .insert(subject.clone(), VecDeque::from([seq]));
            }
        }
        let msg = StoredMsg {
            seq,
            subject,
            headers,
            payload,
            time,
        };
        self.bytes += msg.size_by(SizeRule::Memory);
        self.msgs.insert(seq, msg);
        Ok(seq)
    }

    /// Nothing to make durable in memory.
    fn size_rule(&self) -> SizeRule {
        SizeRule::Memory
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn get(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError> {
        Ok(self.msgs.get(&seq).cloned())
    }

    fn next_matching(
        &self,
        start: u64,
        filter: Option<&[u8]>,
    ) -> Result<Option<StoredMsg>, StoreError> {
        let found = match Filter::new(filter) {
            Filter::All => self.msgs.range(start..).next().map(|(_, msg)| msg),
            Filter::Literal(subject) => self
                .by_subject
                .get(subject)
                .and_then(|seqs| seqs.get(first_at_or_after(seqs, start)))
                .and_then(|seq| self.msgs.get(seq)),
            Filter::Wildcard(pattern) => self.next_matching_pattern(start, pattern),
        };
        Ok(found.cloned())
    }

    fn last_for_subject(&self, subject: &[u8]) -> Result<Option<StoredMsg>, StoreError> {
        Ok(self
            .by_subject
            .get(subject)
            .and_then(VecDeque::back)
            .and_then(|seq| self.msgs.get(seq))
            .cloned())
    }

    fn subject_seqs(&self, subject: &[u8]) -> Vec<u64> {
        self.by_subject
            .get(subject)
            .map(|seqs| seqs.iter().copied().collect())
            .unwrap_or_default()
    }

    fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64 {
        let pending = |seqs: &VecDeque<u64>| (seqs.len() - first_at_or_after(seqs, start)) as u64;
        match Filter::new(filter) {
            Filter::All => self.count_from(start),
            Filter::Literal(subject) => self.by_subject.get(subject).map_or(0, pending),
            Filter::Wildcard(pattern) => self
                .by_subject
                .iter()
                .filter(|(subject, _)| subject::matches(pattern, subject))
                .map(|(_, seqs)| pending(seqs))
                .sum(),
        }
    }

    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        Ok(self.take(seq).is_some())
    }

    /// Removes what `req` selects, as nats-server's `PurgeEx` does (`server/memstore.go` and
    /// `server/filestore.go`):
    ///
    /// - No filter (or `>`/empty), no `up_to_seq`, no `keep`: removes everything and sets
    ///   `first_seq = last_seq + 1`, even on a never-written store (nats reports
    ///   `first_seq: 1` after purging a new stream).
    /// - `up_to_seq: N`: only messages below `N`. Without a filter, if that empties the store
    ///   and `N > last_seq + 1`, the sequence moves on: `first_seq = N`, `last_seq = N - 1`
    ///   (nats-server's `Compact` past the end). With a filter it never moves.
    /// - `keep: K` (0 means unset): removes the oldest matching messages so that `K`
    ///   matching messages remain, **counted across all subjects the filter matches**, not
    ///   per subject: that is what nats-server does (`FilteredState(1, filter).Msgs - keep`
    ///   messages are purged, oldest first). Without a filter it keeps the `K` newest held
    ///   messages; nats-server instead compacts to `last_seq - K + 1`, which keeps fewer when
    ///   the newest sequences were deleted.
    /// - Both (the API refuses that): the oldest matching messages below `N`, at most as
    ///   many as leave `K` matching messages.
    ///
    /// Sequences of the removed messages are never reused.
    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError> {
        let keep = req.keep.unwrap_or(0);
        Ok(match Filter::new(req.filter.as_deref()) {
            Filter::All => self.purge_every_subject(req.up_to_seq, keep),
            Filter::Literal(subject) => self.purge_subject(subject, req.up_to_seq, keep),
            Filter::Wildcard(pattern) => self.purge_pattern(pattern, req.up_to_seq, keep),
        })
    }

    /// Makes `seq` the next sequence. Refused with [`StoreError::InvalidSequence`] unless the
    /// store holds no message and `seq > last_seq`; afterwards `first_seq = seq` and
    /// `last_seq = seq - 1` (times unchanged: the core has no clock).
    fn skip_to(&mut self, seq: u64) -> Result<(), StoreError> {
        if !self.msgs.is_empty() || seq <= self.last_seq {
            return Err(StoreError::InvalidSequence(seq));
        }
        self.first_seq = seq;
        self.first_time = 0;
        self.last_seq = seq - 1;
        Ok(())
    }

    /// As [`MsgStore::skip_msgs_to`]: gaps when messages are held, `skip_to` otherwise.
    fn skip_msgs_to(&mut self, seq: u64) -> Result<(), StoreError> {
        if self.msgs.is_empty() {
            return self.skip_to(seq);
        }
        if seq <= self.last_seq {
            return Err(StoreError::InvalidSequence(seq));
        }
        self.last_seq = seq - 1;
        Ok(())
    }

    fn state(&self) -> StoreState {
        let messages = self.msgs.len() as u64;
        let num_deleted = if messages == 0 {
            0
        } else {
            self.last_seq - self.first_seq + 1 - messages
        };
        StoreState {
            messages,
            bytes: self.bytes,
            first_seq: self.first_seq,
            first_time: self.first_time,
            last_seq: self.last_seq,
            last_time: self.last_time,
            num_subjects: self.by_subject.len() as u64,
            num_deleted,
        }
    }

    /// Sorted by subject; an empty filter or `>` lists every subject.
    fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        let all = matches!(Filter::new(Some(filter)), Filter::All);
        let mut out: Vec<(Bytes, u64)> = self
            .by_subject
            .iter()
            .filter(|(subject, _)| all || subject::matches(filter, subject))
            .map(|(subject, seqs)| (subject.clone(), seqs.len() as u64))
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

#[cfg(test)]
mod tests;
