//! Comparing two stores by everything the trait lets one observe.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt::{self, Debug};

use super::super::{MsgStore, StoreError, StoreState};
use super::model::{FILTERS, SUBJECTS};

/// Most sequences probed one by one with `get`; past it only held messages are probed.
const PROBED_SEQS_MAX: u64 = 4096;
/// Most start sequences `next_matching` and `num_pending` are asked from.
const PROBED_STARTS_MAX: u64 = 16;

/// One question asked of both stores; formatted only when the answers differ.
#[derive(Clone, Copy)]
enum Query<'a> {
    State,
    Get(u64),
    SubjectSeqs(&'a Bytes),
    LastForSubject(&'a Bytes),
    SubjectsState(Option<&'a str>),
    NextMatching(u64, Option<&'a str>),
    NumPending(u64, Option<&'a str>),
}

impl fmt::Display for Query<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::State => write!(f, "state()"),
            Query::Get(seq) => write!(f, "get({seq})"),
            Query::SubjectSeqs(s) => write!(f, "subject_seqs({s:?})"),
            Query::LastForSubject(s) => write!(f, "last_for_subject({s:?})"),
            Query::SubjectsState(filter) => write!(f, "subjects_state({filter:?})"),
            Query::NextMatching(start, filter) => write!(f, "next_matching({start}, {filter:?})"),
            Query::NumPending(start, filter) => write!(f, "num_pending({start}, {filter:?})"),
        }
    }
}

#[track_caller]
fn same<T: PartialEq + Debug>(context: &str, query: Query<'_>, got: T, want: T) {
    assert!(
        got == want,
        "store contents differ {context}: {query}: got {got:?}, want {want:?}"
    );
}

#[track_caller]
fn answer<T>(context: &str, query: Query<'_>, side: &str, r: Result<T, StoreError>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("store contents differ {context}: {query} failed on the {side}: {e}"),
    }
}

/// Sequences around the held range: 0, 1, and every sequence from `first_seq - 2` to
/// `last_seq + 2` (strided past `max` of them).
fn probe_seqs(state: &StoreState, max: u64) -> Vec<u64> {
    let lo = state.first_seq.saturating_sub(2);
    let hi = state.last_seq.saturating_add(2);
    let stride = ((hi - lo) / max).max(1);
    let mut seqs: Vec<u64> = (lo..=hi).step_by(stride as usize).collect();
    seqs.extend([0, 1, hi]);
    seqs.sort_unstable();
    seqs.dedup();
    seqs
}

/// Panics, naming `context` and the first differing answer, unless `got` answers every
/// query as `want` does: `state`, `get` around the held range and for every message `want`
/// holds, `subjects_state`, `subject_seqs` and `last_for_subject` for every subject either
/// holds, and `next_matching` / `num_pending` for the test filters from sampled starts.
pub fn assert_same_contents<A, B>(want: &A, got: &B, context: &str)
where
    A: MsgStore + ?Sized,
    B: MsgStore + ?Sized,
{
    let state = want.state();
    same(context, Query::State, got.state(), state);

    for seq in probe_seqs(&state, PROBED_SEQS_MAX) {
        let q = Query::Get(seq);
        let w = answer(context, q, "want side", want.get(seq));
        same(context, q, answer(context, q, "got side", got.get(seq)), w);
    }
    let mut next = 0;
    let walk = Query::NextMatching(next, None);
    while let Some(msg) = answer(context, walk, "want side", want.next_matching(next, None)) {
        let q = Query::Get(msg.seq);
        let g = answer(context, q, "got side", got.get(msg.seq));
        same(context, q, g.as_ref(), Some(&msg));
        next = msg.seq + 1;
    }

    let mut subjects: BTreeSet<Bytes> = SUBJECTS
        .iter()
        .map(|s| Bytes::from_static(s.as_bytes()))
        .collect();
    let held = want.subjects_state(b">").into_iter();
    subjects.extend(held.chain(got.subjects_state(b">")).map(|(s, _)| s));
    for subject in &subjects {
        let q = Query::SubjectSeqs(subject);
        same(
            context,
            q,
            got.subject_seqs(subject),
            want.subject_seqs(subject),
        );
        let q = Query::LastForSubject(subject);
        let w = answer(context, q, "want side", want.last_for_subject(subject));
        same(
            context,
            q,
            answer(context, q, "got side", got.last_for_subject(subject)),
            w,
        );
    }

    let starts = probe_seqs(&state, PROBED_STARTS_MAX);
    for filter in FILTERS {
        let f = filter.map(str::as_bytes);
        let mut w = want.subjects_state(f.unwrap_or(b""));
        let mut g = got.subjects_state(f.unwrap_or(b""));
        w.sort_unstable();
        g.sort_unstable();
        same(context, Query::SubjectsState(filter), g, w);
        for &start in &starts {
            let q = Query::NextMatching(start, filter);
            let w = answer(context, q, "want side", want.next_matching(start, f));
            same(
                context,
                q,
                answer(context, q, "got side", got.next_matching(start, f)),
                w,
            );
            let q = Query::NumPending(start, filter);
            same(
                context,
                q,
                got.num_pending(start, f),
                want.num_pending(start, f),
            );
        }
    }
}
