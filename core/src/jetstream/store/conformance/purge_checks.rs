//! The purge and skip checks of [`run_all`](super::run_all).

use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::super::{MsgStore, PurgeRequest, StoreError, StoreState};
use super::checks::{counts, fill, held, put, shape, subjects, time_of, SHAPE};
use super::{Check, Ctx};

pub(super) fn all<S: MsgStore>() -> Vec<Check<S>> {
    vec![
        ("purge_all", purge_all),
        (
            "purge_all_on_a_new_store_sets_first_seq_1",
            purge_all_on_a_new_store,
        ),
        (
            "sequences_not_reused_after_purge",
            sequences_not_reused_after_purge,
        ),
        ("purge_literal_filter", purge_literal_filter),
        ("purge_wildcard_filter", purge_wildcard_filter),
        ("purge_up_to_seq", purge_up_to_seq),
        (
            "purge_up_to_seq_past_the_end_moves_the_sequence",
            purge_up_to_seq_past_the_end,
        ),
        (
            "purge_filter_up_to_seq_never_moves_the_sequence",
            purge_filter_up_to_seq,
        ),
        ("purge_keep_leaves_the_newest", purge_keep_leaves_the_newest),
        (
            "purge_filter_keep_counts_across_subjects",
            purge_filter_keep_counts_across_subjects,
        ),
        (
            "purge_keep_of_all_held_removes_nothing",
            purge_keep_of_all_held_removes_nothing,
        ),
        ("skip_to_on_a_new_store", skip_to_on_a_new_store),
        ("skip_to_after_purge", skip_to_after_purge),
        (
            "skip_to_refused_unless_empty_and_forwards",
            skip_to_refused_unless_empty_and_forwards,
        ),
        (
            "skip_msgs_to_leaves_gaps_after_held_messages",
            skip_msgs_to_leaves_gaps,
        ),
    ]
}

/// A purge request; `None` fields unset.
fn req(filter: Option<&str>, up_to_seq: Option<u64>, keep: Option<u64>) -> PurgeRequest {
    PurgeRequest {
        filter: filter.map(|f| Bytes::copy_from_slice(f.as_bytes())),
        up_to_seq,
        keep,
    }
}

fn purge<S: MsgStore>(cx: &Ctx, s: &mut S, r: PurgeRequest) -> u64 {
    cx.ok(&alloc::format!("purge({r:?})"), s.purge(&r))
}

fn purge_all<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a"]);
    cx.ok("remove", s.remove(2));
    cx.eq("purged", purge(cx, s, req(None, None, None)), 2);
    let want = StoreState {
        first_seq: 4,
        last_seq: 3,
        last_time: time_of(3),
        ..StoreState::default()
    };
    cx.eq("state() after purge", s.state(), want);
    cx.eq("get(1)", cx.ok("get", s.get(1)), None);
    cx.eq("subjects_state", subjects(s, ">"), vec![]);
    cx.eq(
        "last_for_subject(a)",
        cx.ok("last", s.last_for_subject(b"a")),
        None,
    );
    cx.eq("subject_seqs(a)", s.subject_seqs(b"a"), vec![]);
    cx.eq(
        "purge of an empty store",
        purge(cx, s, req(None, None, None)),
        0,
    );
    cx.eq(SHAPE, shape(s), (0, 4, 3, 0));
}

fn purge_all_on_a_new_store<S: MsgStore>(cx: &Ctx, s: &mut S) {
    cx.eq("purged", purge(cx, s, req(None, None, None)), 0);
    cx.eq(SHAPE, shape(s), (0, 1, 0, 0));
    cx.eq("first append", put(cx, s, "a", "x"), 1);
}

fn sequences_not_reused_after_purge<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "c"]);
    purge(cx, s, req(None, None, None));
    cx.eq("append after purge", put(cx, s, "a", "x"), 4);
    cx.eq(SHAPE, shape(s), (1, 4, 4, 0));
    purge(cx, s, req(Some("a"), None, None));
    cx.eq("append after a filtered purge", put(cx, s, "a", "x"), 5);
}

fn purge_literal_filter<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "c.x"]);
    cx.eq("purged", purge(cx, s, req(Some("a"), None, None)), 2);
    cx.eq(SHAPE, shape(s), (2, 2, 4, 1));
    cx.eq("subject_seqs(a)", s.subject_seqs(b"a"), vec![]);
    cx.eq("num_subjects", s.state().num_subjects, 2);
    cx.eq(
        "purge of an unknown subject",
        purge(cx, s, req(Some("zz"), None, None)),
        0,
    );
    cx.eq("held", held(cx, s), vec![2, 4]);
}

fn purge_wildcard_filter<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "c.x", "c.y", "c.x.deep", "b"]);
    cx.eq("purged c.*", purge(cx, s, req(Some("c.*"), None, None)), 2);
    cx.eq("held", held(cx, s), vec![1, 4, 5]);
    cx.eq("purged c.>", purge(cx, s, req(Some("c.>"), None, None)), 1);
    cx.eq("subjects", subjects(s, ">"), counts(&[("a", 1), ("b", 1)]));
    cx.eq("purged >", purge(cx, s, req(Some(">"), None, None)), 2);
    cx.eq(SHAPE, shape(s), (0, 6, 5, 0));
}

fn purge_up_to_seq<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "b", "a", "b"]);
    cx.eq("purged below 4", purge(cx, s, req(None, Some(4), None)), 3);
    cx.eq(SHAPE, shape(s), (3, 4, 6, 0));
    cx.eq("first_time", s.state().first_time, time_of(4));
    for up_to in [0, 1, 4] {
        cx.eq(
            "purge below the first",
            purge(cx, s, req(None, Some(up_to), None)),
            0,
        );
    }
    cx.eq(SHAPE, shape(s), (3, 4, 6, 0));
    cx.ok("remove", s.remove(5));
    cx.eq(
        "purged below 6 with a gap",
        purge(cx, s, req(None, Some(6), None)),
        1,
    );
    cx.eq(SHAPE, shape(s), (1, 6, 6, 0));
    cx.eq(
        "purged below last + 1",
        purge(cx, s, req(None, Some(7), None)),
        1,
    );
    cx.eq(SHAPE, shape(s), (0, 7, 6, 0));
}

fn purge_up_to_seq_past_the_end<S: MsgStore>(cx: &Ctx, s: &mut S) {
    cx.eq(
        "purge of a new store below 5",
        purge(cx, s, req(None, Some(5), None)),
        0,
    );
    cx.eq(SHAPE, shape(s), (0, 5, 4, 0));
    fill(cx, s, &["a", "b", "c"]);
    cx.eq(
        "purged below 20",
        purge(cx, s, req(None, Some(20), None)),
        3,
    );
    cx.eq(SHAPE, shape(s), (0, 20, 19, 0));
    cx.eq("next append", put(cx, s, "a", "x"), 20);
    cx.eq(SHAPE, shape(s), (1, 20, 20, 0));
}

fn purge_filter_up_to_seq<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "b"]);
    cx.eq(
        "purged a below 3",
        purge(cx, s, req(Some("a"), Some(3), None)),
        1,
    );
    cx.eq("subject_seqs(a)", s.subject_seqs(b"a"), vec![3]);
    cx.eq(
        "purged a below 100",
        purge(cx, s, req(Some("a"), Some(100), None)),
        1,
    );
    cx.eq(SHAPE, shape(s), (2, 2, 4, 1));
    cx.eq(
        "purged b below 100",
        purge(cx, s, req(Some("b"), Some(100), None)),
        2,
    );
    cx.eq(SHAPE, shape(s), (0, 5, 4, 0));
    cx.eq(
        "purged * below 100",
        purge(cx, s, req(Some("*"), Some(100), None)),
        0,
    );
    cx.eq(SHAPE, shape(s), (0, 5, 4, 0));
}

fn purge_keep_leaves_the_newest<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "b", "a"]);
    cx.eq(
        "purged keeping 2",
        purge(cx, s, req(None, None, Some(2))),
        3,
    );
    cx.eq(SHAPE, shape(s), (2, 4, 5, 0));
    fill(cx, s, &["c", "d", "e"]);
    cx.ok("remove", s.remove(8));
    cx.ok("remove", s.remove(5));
    // Held 4, 6, 7: keep counts held messages, whatever the gaps.
    cx.eq(
        "purged keeping 2 with gaps",
        purge(cx, s, req(None, None, Some(2))),
        1,
    );
    cx.eq("held", held(cx, s), vec![6, 7]);
    cx.eq(
        "keep: 0 purges all",
        purge(cx, s, req(None, None, Some(0))),
        2,
    );
    cx.eq(SHAPE, shape(s), (0, 9, 8, 0));
}

fn purge_filter_keep_counts_across_subjects<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "c.x", "c.y", "c.x", "c.y", "a", "a"]);
    cx.eq(
        "purged c.* keeping 1",
        purge(cx, s, req(Some("c.*"), None, Some(1))),
        3,
    );
    cx.eq("subject_seqs(c.x)", s.subject_seqs(b"c.x"), vec![]);
    cx.eq("subject_seqs(c.y)", s.subject_seqs(b"c.y"), vec![5]);
    cx.eq(
        "subject_seqs(a) untouched",
        s.subject_seqs(b"a"),
        vec![1, 6, 7],
    );
    cx.eq(
        "purged a keeping 1",
        purge(cx, s, req(Some("a"), None, Some(1))),
        2,
    );
    cx.eq("held", held(cx, s), vec![5, 7]);
    cx.eq(SHAPE, shape(s), (2, 5, 7, 1));
}

fn purge_keep_of_all_held_removes_nothing<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a"]);
    let before = s.state();
    let cases = [
        req(None, None, Some(3)),
        req(None, None, Some(10)),
        req(Some("a"), None, Some(2)),
        req(Some("*"), None, Some(5)),
        req(Some("zz"), None, Some(1)),
    ];
    for r in cases {
        cx.eq("purged", purge(cx, s, r), 0);
    }
    cx.eq("state()", s.state(), before);
}

fn skip_to_on_a_new_store<S: MsgStore>(cx: &Ctx, s: &mut S) {
    cx.ok("skip_to(100)", s.skip_to(100));
    cx.eq(SHAPE, shape(s), (0, 100, 99, 0));
    cx.eq("times", (s.state().first_time, s.state().last_time), (0, 0));
    cx.eq("next append", put(cx, s, "a", "x"), 100);
    cx.eq(SHAPE, shape(s), (1, 100, 100, 0));
    cx.eq(
        "get(100)",
        cx.ok("get", s.get(100)).map(|m| m.seq),
        Some(100),
    );
}

fn skip_to_after_purge<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "c"]);
    purge(cx, s, req(None, None, None));
    cx.ok("skip_to(4), the next sequence already", s.skip_to(4));
    cx.eq(SHAPE, shape(s), (0, 4, 3, 0));
    cx.ok("skip_to(10)", s.skip_to(10));
    cx.eq(SHAPE, shape(s), (0, 10, 9, 0));
    cx.eq("last_time kept", s.state().last_time, time_of(3));
    cx.eq("next append", put(cx, s, "a", "x"), 10);
}

fn skip_to_refused_unless_empty_and_forwards<S: MsgStore>(cx: &Ctx, s: &mut S) {
    cx.eq(
        "skip_to(0) on a new store",
        s.skip_to(0),
        Err(StoreError::InvalidSequence(0)),
    );
    fill(cx, s, &["a", "b"]);
    let before = s.state();
    cx.eq(
        "skip_to when not empty",
        s.skip_to(10),
        Err(StoreError::InvalidSequence(10)),
    );
    cx.eq("state() after a refused skip", s.state(), before);
    cx.ok("remove", s.remove(1));
    cx.ok("remove", s.remove(2));
    cx.eq(
        "skip_to(2) backwards",
        s.skip_to(2),
        Err(StoreError::InvalidSequence(2)),
    );
    cx.eq(
        "skip_to(1) backwards",
        s.skip_to(1),
        Err(StoreError::InvalidSequence(1)),
    );
    cx.eq(SHAPE, shape(s), (0, 3, 2, 0));
}

fn skip_msgs_to_leaves_gaps<S: MsgStore>(cx: &Ctx, s: &mut S) {
    cx.ok("skip_msgs_to(5) on a new store", s.skip_msgs_to(5));
    cx.eq(SHAPE, shape(s), (0, 5, 4, 0));
    fill(cx, s, &["a", "b"]);
    cx.eq(SHAPE, shape(s), (2, 5, 6, 0));
    cx.ok("skip_msgs_to(10)", s.skip_msgs_to(10));
    cx.eq(SHAPE, shape(s), (2, 5, 9, 3));
    cx.eq(
        "skip_msgs_to(9) backwards",
        s.skip_msgs_to(9),
        Err(StoreError::InvalidSequence(9)),
    );
    cx.eq("next append", put(cx, s, "a", "x"), 10);
    cx.eq(SHAPE, shape(s), (3, 5, 10, 3));
    cx.eq("num_pending(7)", s.num_pending(7, None), 1);
    cx.eq(
        "next_matching(7)",
        cx.ok("next_matching", s.next_matching(7, None))
            .map(|m| m.seq),
        Some(10),
    );
}
