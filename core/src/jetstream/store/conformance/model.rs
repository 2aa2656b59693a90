//! The naive model store, the operations the model-based tests apply, and a seeded generator.
//!
//! [`Model`] implements [`MsgStore`] over a plain sorted `Vec` with no index: every query is a
//! linear scan, so it is obviously right and serves as the oracle. [`apply_and_compare`]
//! applies one [`StoreOp`] to the model and to the store under test, then compares every
//! observable answer. [`random_op`] draws operations from a seed (no proptest needed), so a
//! store's own tests can run long random sequences; the memory store's tests also drive the
//! same operations from proptest.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::vec::Vec;
use bytes::Bytes;

use super::super::{
    MsgStore, PurgeRequest, SizeRule, StoreError, StoreState, StoredMsg, UnixNanos,
};
use super::compare::assert_same_contents;
use crate::subject;

/// Subjects the generated operations publish to.
pub const SUBJECTS: [&str; 5] = ["a", "b", "c.x", "c.y", "d.x.z"];

/// Filters the comparisons query with (`None` is "no filter").
pub const FILTERS: [Option<&str>; 12] = [
    None,
    Some(""),
    Some(">"),
    Some("a"),
    Some("c.x"),
    Some("c.*"),
    Some("c.>"),
    Some("*.x"),
    Some("*"),
    Some("d.*.z"),
    Some("d.>"),
    Some("nope"),
];

/// Whether `filter` selects every subject: `None`, empty or `>` (as nats-server treats
/// `""` and `">"`).
pub fn filter_is_all(filter: Option<&[u8]>) -> bool {
    filter.is_none_or(|f| f.is_empty() || f == b">")
}

/// Whether `subject` is selected by `filter`: everything when [`filter_is_all`], otherwise
/// [`subject::matches`].
pub fn filter_matches(filter: Option<&[u8]>, subject: &[u8]) -> bool {
    match filter {
        Some(f) if !filter_is_all(filter) => subject::matches(f, subject),
        _ => true,
    }
}

/// The reference store: a sorted `Vec` and linear scans.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Held messages, ascending by sequence.
    msgs: Vec<StoredMsg>,
    /// `first_seq` while empty (0 when never written, purged or skipped).
    first_when_empty: u64,
    last_seq: u64,
    last_time: UnixNanos,
    /// How sizes are counted (that of the store compared with).
    rule: SizeRule,
}

impl Model {
    /// An empty model counting sizes as a file store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty model counting sizes by `rule` (the compared store's [`MsgStore::size_rule`]).
    pub fn with_rule(rule: SizeRule) -> Self {
        Model {
            rule,
            ..Self::default()
        }
    }

    /// The held messages, ascending by sequence.
    pub fn messages(&self) -> &[StoredMsg] {
        &self.msgs
    }

    /// A model holding what `store` holds (read through `next_matching` and `state`), e.g. to
    /// compare a store with itself after reopening. Indexes are not copied: comparing the
    /// copy with the store (see [`assert_same_contents`]) also checks the store's indexes
    /// against its messages.
    pub fn copy_of<S: MsgStore + ?Sized>(store: &S) -> Result<Self, StoreError> {
        let state = store.state();
        let mut msgs = Vec::new();
        let mut start = 0;
        while let Some(msg) = store.next_matching(start, None)? {
            start = msg.seq + 1;
            msgs.push(msg);
        }
        Ok(Self {
            msgs,
            first_when_empty: state.first_seq,
            last_seq: state.last_seq,
            last_time: state.last_time,
            rule: store.size_rule(),
        })
    }

    /// Removes the messages `doomed` selects; returns how many.
    fn remove_where(&mut self, mut doomed: impl FnMut(&StoredMsg) -> bool) -> u64 {
        let before = self.msgs.len();
        self.msgs.retain(|m| !doomed(m));
        let removed = (before - self.msgs.len()) as u64;
        if removed > 0 && self.msgs.is_empty() {
            self.first_when_empty = self.last_seq + 1;
        }
        removed
    }
}

impl MsgStore for Model {
    fn append(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, StoreError> {
        self.last_seq += 1;
        self.last_time = time;
        self.msgs.push(StoredMsg {
            seq: self.last_seq,
            subject,
            headers,
            payload,
            time,
        });
        Ok(self.last_seq)
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn size_rule(&self) -> SizeRule {
        self.rule
    }

    fn get(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError> {
        // Binary search only to keep model comparisons quick; everything else scans.
        let at = self.msgs.binary_search_by_key(&seq, |m| m.seq);
        Ok(at.ok().map(|i| self.msgs[i].clone()))
    }

    fn next_matching(
        &self,
        start: u64,
        filter: Option<&[u8]>,
    ) -> Result<Option<StoredMsg>, StoreError> {
        Ok(self
            .msgs
            .iter()
            .find(|m| m.seq >= start && filter_matches(filter, &m.subject))
            .cloned())
    }

    fn last_for_subject(&self, subject: &[u8]) -> Result<Option<StoredMsg>, StoreError> {
        Ok(self
            .msgs
            .iter()
            .rev()
            .find(|m| m.subject[..] == *subject)
            .cloned())
    }

    fn subject_seqs(&self, subject: &[u8]) -> Vec<u64> {
        self.msgs
            .iter()
            .filter(|m| m.subject[..] == *subject)
            .map(|m| m.seq)
            .collect()
    }

    fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64 {
        self.msgs
            .iter()
            .filter(|m| m.seq >= start && filter_matches(filter, &m.subject))
            .count() as u64
    }

    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        Ok(self.remove_where(|m| m.seq == seq) == 1)
    }

    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError> {
        let filter = req.filter.as_deref();
        let every_subject = filter_is_all(filter);
        let keep = req.keep.unwrap_or(0);
        if every_subject && req.up_to_seq.is_none() && keep == 0 {
            let purged = self.msgs.len() as u64;
            self.msgs.clear();
            self.first_when_empty = self.last_seq + 1;
            return Ok(purged);
        }
        let matching: Vec<u64> = self
            .msgs
            .iter()
            .filter(|m| filter_matches(filter, &m.subject))
            .map(|m| m.seq)
            .collect();
        let removable = (matching.len() as u64).saturating_sub(keep) as usize;
        let up_to = req.up_to_seq.unwrap_or(u64::MAX);
        let doomed: Vec<u64> = matching
            .into_iter()
            .filter(|seq| *seq < up_to)
            .take(removable)
            .collect();
        let purged = self.remove_where(|m| doomed.contains(&m.seq));
        if let Some(up_to) = req.up_to_seq {
            if every_subject && self.msgs.is_empty() && up_to > self.last_seq + 1 {
                self.first_when_empty = up_to;
                self.last_seq = up_to - 1;
            }
        }
        Ok(purged)
    }

    fn skip_to(&mut self, seq: u64) -> Result<(), StoreError> {
        if !self.msgs.is_empty() || seq <= self.last_seq {
            return Err(StoreError::InvalidSequence(seq));
        }
        self.first_when_empty = seq;
        self.last_seq = seq - 1;
        Ok(())
    }

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
        let mut subjects: Vec<&Bytes> = self.msgs.iter().map(|m| &m.subject).collect();
        subjects.sort_unstable();
        subjects.dedup();
        let (first_seq, first_time) = match self.msgs.first() {
            Some(m) => (m.seq, m.time),
            None => (self.first_when_empty, 0),
        };
        let messages = self.msgs.len() as u64;
        StoreState {
            messages,
            bytes: self.msgs.iter().map(|m| m.size_by(self.rule)).sum(),
            first_seq,
            first_time,
            last_seq: self.last_seq,
            last_time: self.last_time,
            num_subjects: subjects.len() as u64,
            num_deleted: match messages {
                0 => 0,
                _ => self.last_seq + 1 - first_seq - messages,
            },
        }
    }

    fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        let mut counts: BTreeMap<Bytes, u64> = BTreeMap::new();
        for m in self
            .msgs
            .iter()
            .filter(|m| filter_matches(Some(filter), &m.subject))
        {
            *counts.entry(m.subject.clone()).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}

/// One step of a model-based test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOp {
    /// [`MsgStore::append`].
    Append {
        /// Subject.
        subject: Bytes,
        /// Header block, if any.
        headers: Option<Bytes>,
        /// Body.
        payload: Bytes,
        /// Store time.
        time: UnixNanos,
    },
    /// [`MsgStore::remove`] of any sequence (held or not).
    Remove {
        /// Sequence to remove.
        seq: u64,
    },
    /// [`MsgStore::remove`] of the model's `nth % held` held message (of sequence 1 when
    /// empty), so removals hit held messages without knowing them in advance.
    RemoveHeld {
        /// Index among the held messages, oldest first, modulo their count.
        nth: u64,
    },
    /// [`MsgStore::purge`].
    Purge(PurgeRequest),
    /// [`MsgStore::skip_to`] of an absolute sequence (refused unless empty and forwards).
    SkipTo {
        /// Target sequence.
        seq: u64,
    },
    /// [`MsgStore::skip_to`] of `last_seq + 1 + by`.
    SkipAhead {
        /// How far past the next sequence.
        by: u64,
    },
    /// [`MsgStore::sync`].
    Sync,
}

/// What an operation returned, compared between model and store.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Seq(u64),
    Removed(bool),
    Purged(u64),
    Done,
    Refused(StoreError),
}

fn outcome<T>(r: Result<T, StoreError>, ok: impl FnOnce(T) -> Outcome) -> Outcome {
    r.map_or_else(Outcome::Refused, ok)
}

fn apply<S: MsgStore + ?Sized>(store: &mut S, op: &StoreOp, model_state: &StoreState) -> Outcome {
    match op {
        StoreOp::Append {
            subject,
            headers,
            payload,
            time,
        } => {
            let r = store.append(subject.clone(), headers.clone(), payload.clone(), *time);
            outcome(r, Outcome::Seq)
        }
        StoreOp::Remove { seq } => outcome(store.remove(*seq), Outcome::Removed),
        StoreOp::RemoveHeld { .. } => unreachable!("resolved before applying"),
        StoreOp::Purge(req) => outcome(store.purge(req), Outcome::Purged),
        StoreOp::SkipTo { seq } => outcome(store.skip_to(*seq), |()| Outcome::Done),
        StoreOp::SkipAhead { by } => {
            let seq = model_state.last_seq.saturating_add(1).saturating_add(*by);
            outcome(store.skip_to(seq), |()| Outcome::Done)
        }
        StoreOp::Sync => outcome(store.sync(), |()| Outcome::Done),
    }
}

/// Applies `op` to `model` and to `store`, then panics (naming the operation) unless both
/// returned the same and every observable answer agrees (see
/// [`assert_same_contents`](super::assert_same_contents)).
pub fn apply_and_compare<S: MsgStore + ?Sized>(store: &mut S, model: &mut Model, op: &StoreOp) {
    apply_and_compare_in(store, model, op, "");
}

/// [`apply_and_compare`], with `context` (e.g. the seed and step) in panic messages.
pub fn apply_and_compare_in<S: MsgStore + ?Sized>(
    store: &mut S,
    model: &mut Model,
    op: &StoreOp,
    context: &str,
) {
    let op = match op {
        StoreOp::RemoveHeld { nth } => {
            let held = model.msgs.len() as u64;
            let seq = match held {
                0 => 1,
                _ => model.msgs[(nth % held) as usize].seq,
            };
            StoreOp::Remove { seq }
        }
        other => other.clone(),
    };
    let before = model.state();
    let want = apply(model, &op, &before);
    let got = apply(store, &op, &before);
    assert!(
        got == want,
        "store model check{context}: {op:?} returned {got:?}, the model {want:?}"
    );
    assert_same_contents(model, &*store, &format!("{context} after {op:?}"));
}

/// A small seeded generator (SplitMix64): deterministic, no dependencies.
#[derive(Debug, Clone)]
pub struct OpRng(u64);

impl OpRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The header blocks generated appends carry: none, an empty block, a real one.
pub const HEADER_CHOICES: [Option<&[u8]>; 3] = [None, Some(b""), Some(b"NATS/1.0\r\nA: b\r\n\r\n")];

/// A purge request over the test universe: filters from [`FILTERS`], `up_to_seq` around
/// `last_seq`, small `keep`s.
pub fn random_purge(rng: &mut OpRng, last_seq: u64) -> PurgeRequest {
    let filter = match rng.below(5) {
        0 | 1 => None,
        _ => rng
            .pick(&FILTERS)
            .map(|f| Bytes::copy_from_slice(f.as_bytes())),
    };
    let mut req = PurgeRequest {
        filter,
        ..PurgeRequest::default()
    };
    match rng.below(8) {
        0..=2 => {}
        3..=5 => req.up_to_seq = Some(rng.below(last_seq + 4)),
        6 => req.keep = Some(rng.below(5)),
        _ => {
            req.up_to_seq = Some(rng.below(last_seq + 4));
            req.keep = Some(rng.below(5));
        }
    }
    req
}

/// Draws the next operation, biased towards what exercises the store given `model`:
/// mostly appends, removals of held messages, purges of every kind, skips when empty.
pub fn random_op(rng: &mut OpRng, model: &Model) -> StoreOp {
    let last_seq = model.last_seq;
    let roll = rng.below(100);
    match roll {
        0..=54 => {
            let payload_len = rng.below(12) as usize;
            StoreOp::Append {
                subject: Bytes::from_static(rng.pick(&SUBJECTS).as_bytes()),
                headers: rng.pick(&HEADER_CHOICES).map(Bytes::from_static),
                payload: Bytes::from(alloc::vec![b'x'; payload_len]),
                time: rng.below(1_000_000) as i64,
            }
        }
        55..=69 => StoreOp::RemoveHeld {
            nth: rng.next_u64(),
        },
        70..=73 => StoreOp::Remove {
            seq: rng.below(last_seq + 3),
        },
        74..=85 => StoreOp::Purge(random_purge(rng, last_seq)),
        86..=89 => StoreOp::SkipTo {
            seq: rng.below(last_seq + 4),
        },
        90..=94 => StoreOp::SkipAhead { by: rng.below(4) },
        _ => StoreOp::Sync,
    }
}

/// Runs `count` operations drawn from `seed` against `store` and a fresh model, comparing
/// after each. `store` must be new.
pub fn run_random_ops<S: MsgStore + ?Sized>(store: &mut S, seed: u64, count: usize) {
    let mut model = Model::with_rule(store.size_rule());
    let mut rng = OpRng::new(seed);
    for step in 0..count {
        let op = random_op(&mut rng, &model);
        apply_and_compare_in(
            store,
            &mut model,
            &op,
            &format!(" (seed {seed}, step {step})"),
        );
    }
}
