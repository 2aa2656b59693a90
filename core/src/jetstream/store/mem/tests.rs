//! [`MemStore`] against the conformance suite and, under proptest, against the naive model.
//! Also checks that the suite itself has teeth: deliberately broken stores must fail it.

use super::*;
use crate::jetstream::store::conformance::{
    self, apply_and_compare, run_random_ops, Model, StoreOp, FILTERS, HEADER_CHOICES, SUBJECTS,
};
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use core::cell::RefCell;
use proptest::prelude::*;

#[test]
fn mem_store_passes_the_conformance_suite() {
    conformance::run_all(&mut MemStore::new);
}

#[test]
fn model_passes_the_conformance_suite() {
    conformance::run_all(&mut Model::new);
}

#[test]
fn check_names_are_unique() {
    let mut names = conformance::check_names();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count);
    assert!(count >= 25, "only {count} checks");
}

#[test]
fn long_seeded_runs_match_the_model() {
    for seed in 100..106 {
        run_random_ops(&mut MemStore::new(), seed, 500);
    }
}

#[test]
fn wildcard_next_matching_falls_back_to_the_index_across_many_subjects() {
    let mut s = MemStore::new();
    for i in 0..200u32 {
        let subject = alloc::format!("noise.{i}");
        s.append(subject.into(), None, Bytes::new(), 0).unwrap();
    }
    let far = s.append("want.x".into(), None, Bytes::new(), 0).unwrap();
    s.append("noise.0".into(), None, Bytes::new(), 0).unwrap();
    assert_eq!(
        s.next_matching(0, Some(b"want.*")).unwrap().map(|m| m.seq),
        Some(far)
    );
    assert_eq!(s.next_matching(far + 1, Some(b"want.*")).unwrap(), None);
    assert_eq!(s.num_pending(0, Some(b"noise.*")), 201);
    assert_eq!(s.num_pending(0, Some(b"noise.0")), 2);
}

fn op_strategy() -> impl Strategy<Value = StoreOp> {
    let subject = prop::sample::select(&SUBJECTS[..]);
    let headers = prop::sample::select(&HEADER_CHOICES[..]);
    let append = (subject, headers, 0..12usize, 0i64..1_000_000).prop_map(
        |(subject, headers, payload_len, time)| StoreOp::Append {
            subject: Bytes::from_static(subject.as_bytes()),
            headers: headers.map(Bytes::from_static),
            payload: Bytes::from(alloc::vec![b'x'; payload_len]),
            time,
        },
    );
    let filter = prop::option::weighted(0.6, prop::sample::select(&FILTERS[..]))
        .prop_map(|f| f.flatten().map(|f| Bytes::from_static(f.as_bytes())));
    let purge = (
        filter,
        prop::option::of(0u64..40),
        prop::option::of(0u64..5),
    )
        .prop_map(|(filter, up_to_seq, keep)| {
            StoreOp::Purge(PurgeRequest {
                filter,
                up_to_seq,
                keep,
            })
        });
    prop_oneof![
        10 => append,
        3 => any::<u64>().prop_map(|nth| StoreOp::RemoveHeld { nth }),
        1 => (0u64..40).prop_map(|seq| StoreOp::Remove { seq }),
        3 => purge,
        1 => (0u64..40).prop_map(|seq| StoreOp::SkipTo { seq }),
        1 => (0u64..4).prop_map(|by| StoreOp::SkipAhead { by }),
        1 => Just(StoreOp::Sync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn mem_store_matches_the_model(ops in prop::collection::vec(op_strategy(), 1..64)) {
        let mut store = MemStore::new();
        let mut model = Model::with_rule(store.size_rule());
        for op in &ops {
            apply_and_compare(&mut store, &mut model, op);
        }
    }
}

/// Storage shared by reopened [`Reopenable`]s: what each name had at its last `sync`.
type Disk = Rc<RefCell<BTreeMap<String, MemStore>>>;

/// A [`MemStore`] that "persists" a copy at each `sync` and is rebuilt from it on open, so
/// the persistence suite can run (and be shown to catch a store that forgets state).
struct Reopenable {
    name: String,
    live: MemStore,
    disk: Disk,
}

impl Reopenable {
    /// Opens `name`; `forgetful` rebuilds it from its messages alone, losing sequence
    /// positions not backed by a message (as a file store that only replays records would).
    fn open(disk: &Disk, name: &str, forgetful: bool) -> Self {
        let saved = disk.borrow().get(name).cloned().unwrap_or_default();
        let live = if forgetful { rebuild(&saved) } else { saved };
        Self {
            name: name.to_string(),
            live,
            disk: disk.clone(),
        }
    }
}

/// A store holding the same messages at the same sequences, built by appends alone.
fn rebuild(saved: &MemStore) -> MemStore {
    let mut s = MemStore::new();
    for msg in saved.msgs.values() {
        if s.state().messages == 0 && msg.seq > s.state().last_seq + 1 {
            s.skip_to(msg.seq).unwrap();
        }
        while s.state().last_seq + 1 < msg.seq {
            let filler = s.append("filler".into(), None, Bytes::new(), 0).unwrap();
            s.remove(filler).unwrap();
        }
        let (subject, headers, payload) = (
            msg.subject.clone(),
            msg.headers.clone(),
            msg.payload.clone(),
        );
        s.append(subject, headers, payload, msg.time).unwrap();
    }
    s
}

impl MsgStore for Reopenable {
    fn append(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, StoreError> {
        self.live.append(subject, headers, payload, time)
    }
    fn size_rule(&self) -> SizeRule {
        self.live.size_rule()
    }
    fn sync(&mut self) -> Result<(), StoreError> {
        self.disk
            .borrow_mut()
            .insert(self.name.clone(), self.live.clone());
        Ok(())
    }
    fn get(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError> {
        self.live.get(seq)
    }
    fn next_matching(
        &self,
        start: u64,
        filter: Option<&[u8]>,
    ) -> Result<Option<StoredMsg>, StoreError> {
        self.live.next_matching(start, filter)
    }
    fn last_for_subject(&self, subject: &[u8]) -> Result<Option<StoredMsg>, StoreError> {
        self.live.last_for_subject(subject)
    }
    fn subject_seqs(&self, subject: &[u8]) -> Vec<u64> {
        self.live.subject_seqs(subject)
    }
    fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64 {
        self.live.num_pending(start, filter)
    }
    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        self.live.remove(seq)
    }
    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError> {
        self.live.purge(req)
    }
    fn skip_to(&mut self, seq: u64) -> Result<(), StoreError> {
        self.live.skip_to(seq)
    }
    fn skip_msgs_to(&mut self, seq: u64) -> Result<(), StoreError> {
        self.live.skip_msgs_to(seq)
    }
    fn state(&self) -> StoreState {
        self.live.state()
    }
    fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        self.live.subjects_state(filter)
    }
}

#[test]
fn persistence_suite_passes_for_a_store_that_keeps_everything() {
    let disk = Disk::default();
    conformance::run_persistence(&mut |name| Reopenable::open(&disk, name, false));
}

#[test]
#[should_panic(expected = "after reopening")]
fn persistence_suite_catches_a_store_that_forgets_removed_tail_sequences() {
    let disk = Disk::default();
    conformance::run_persistence(&mut |name| Reopenable::open(&disk, name, true));
}

/// A [`MemStore`] with one deliberate bug, to show the suite catches it.
struct Buggy {
    inner: MemStore,
    bug: Bug,
}

#[derive(Clone, Copy)]
enum Bug {
    /// `num_deleted` always 0.
    NoDeletedCount,
    /// `keep` with a filter applied per subject instead of across matching subjects.
    KeepPerSubject,
    /// A filtered purge past the end moves the sequence like an unfiltered one.
    FilteredPurgeMovesSequence,
}

impl MsgStore for Buggy {
    fn append(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, StoreError> {
        self.inner.append(subject, headers, payload, time)
    }
    fn size_rule(&self) -> SizeRule {
        self.inner.size_rule()
    }
    fn sync(&mut self) -> Result<(), StoreError> {
        self.inner.sync()
    }
    fn get(&self, seq: u64) -> Result<Option<StoredMsg>, StoreError> {
        self.inner.get(seq)
    }
    fn next_matching(
        &self,
        start: u64,
        filter: Option<&[u8]>,
    ) -> Result<Option<StoredMsg>, StoreError> {
        self.inner.next_matching(start, filter)
    }
    fn last_for_subject(&self, subject: &[u8]) -> Result<Option<StoredMsg>, StoreError> {
        self.inner.last_for_subject(subject)
    }
    fn subject_seqs(&self, subject: &[u8]) -> Vec<u64> {
        self.inner.subject_seqs(subject)
    }
    fn num_pending(&self, start: u64, filter: Option<&[u8]>) -> u64 {
        self.inner.num_pending(start, filter)
    }
    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        self.inner.remove(seq)
    }
    fn purge(&mut self, req: &PurgeRequest) -> Result<u64, StoreError> {
        match (self.bug, &req.filter, req.keep) {
            (Bug::KeepPerSubject, Some(filter), Some(keep)) if keep > 0 => {
                let mut purged = 0;
                for (subject, _) in self.inner.subjects_state(filter) {
                    let per = PurgeRequest {
                        filter: Some(subject),
                        up_to_seq: req.up_to_seq,
                        keep: Some(keep),
                    };
                    purged += self.inner.purge(&per)?;
                }
                Ok(purged)
            }
            (Bug::FilteredPurgeMovesSequence, Some(_), _) => {
                let purged = self.inner.purge(req)?;
                if let Some(up_to) = req.up_to_seq {
                    let st = self.inner.state();
                    if st.messages == 0 && up_to > st.last_seq + 1 {
                        self.inner.skip_to(up_to)?;
                    }
                }
                Ok(purged)
            }
            _ => self.inner.purge(req),
        }
    }
    fn skip_to(&mut self, seq: u64) -> Result<(), StoreError> {
        self.inner.skip_to(seq)
    }
    fn skip_msgs_to(&mut self, seq: u64) -> Result<(), StoreError> {
        self.inner.skip_msgs_to(seq)
    }
    fn state(&self) -> StoreState {
        let mut st = self.inner.state();
        if let Bug::NoDeletedCount = self.bug {
            st.num_deleted = 0;
        }
        st
    }
    fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        self.inner.subjects_state(filter)
    }
}

fn buggy(bug: Bug) -> impl FnMut() -> Buggy {
    move || Buggy {
        inner: MemStore::new(),
        bug,
    }
}

#[test]
#[should_panic(expected = "check `remove_last_keeps_last_seq`")]
fn suite_catches_a_wrong_deleted_count() {
    conformance::run_all(&mut buggy(Bug::NoDeletedCount));
}

#[test]
#[should_panic(expected = "check `purge_filter_keep_counts_across_subjects`")]
fn suite_catches_keep_applied_per_subject() {
    conformance::run_all(&mut buggy(Bug::KeepPerSubject));
}

#[test]
#[should_panic(expected = "check `purge_filter_up_to_seq_never_moves_the_sequence`")]
fn suite_catches_a_filtered_purge_moving_the_sequence() {
    conformance::run_all(&mut buggy(Bug::FilteredPurgeMovesSequence));
}

#[test]
fn sizes_follow_nats_server_per_storage_type() {
    // nats-server: memory = parts + 16; file = parts + 30 (+ 4 with headers).
    assert_eq!(SizeRule::Memory.size(8, 0, 1), 25);
    assert_eq!(SizeRule::File.size(3, 0, 3), 36);
    assert_eq!(SizeRule::File.size(3, 18, 3), 58);
    let mut m = MemStore::new();
    m.append("memory.a".into(), None, "x".into(), 1).unwrap();
    assert_eq!(m.state().bytes, 25);
}
