//! The named checks of [`run_all`](super::run_all): appends, reads, removals, state and
//! queries here; purges and skips in [`super::purge_checks`].

use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::super::{MsgStore, StoreState, StoredMsg, UnixNanos};
use super::model::{run_random_ops, Model};
use super::{purge_checks, Check, Ctx};

/// Every check, in the order [`run_all`](super::run_all) runs them.
pub(super) fn all<S: MsgStore>() -> Vec<Check<S>> {
    let mut checks: Vec<Check<S>> = vec![
        ("new_store_is_empty", new_store_is_empty),
        (
            "append_assigns_sequences_from_one",
            append_assigns_sequences_from_one,
        ),
        (
            "get_returns_the_appended_message",
            get_returns_the_appended_message,
        ),
        (
            "get_of_missing_sequences_is_none",
            get_of_missing_sequences_is_none,
        ),
        (
            "headers_none_and_empty_stay_distinct",
            headers_none_and_empty_stay_distinct,
        ),
        (
            "bytes_are_the_sum_of_stored_size",
            bytes_are_the_sum_of_stored_size,
        ),
        ("times_are_kept", times_are_kept),
        (
            "remove_first_advances_first_seq",
            remove_first_advances_first_seq,
        ),
        ("remove_last_keeps_last_seq", remove_last_keeps_last_seq),
        ("remove_middle_counts_deleted", remove_middle_counts_deleted),
        (
            "remove_of_missing_returns_false",
            remove_of_missing_returns_false,
        ),
        (
            "removing_all_leaves_first_after_last",
            removing_all_leaves_first_after_last,
        ),
        (
            "sequences_not_reused_after_remove",
            sequences_not_reused_after_remove,
        ),
        (
            "next_matching_unfiltered_skips_gaps",
            next_matching_unfiltered_skips_gaps,
        ),
        (
            "next_matching_literal_subject",
            next_matching_literal_subject,
        ),
        ("next_matching_wildcards", next_matching_wildcards),
        (
            "last_for_subject_follows_removals",
            last_for_subject_follows_removals,
        ),
        ("subject_seqs_oldest_first", subject_seqs_oldest_first),
        ("num_pending_with_filters", num_pending_with_filters),
        (
            "num_subjects_counts_held_subjects",
            num_subjects_counts_held_subjects,
        ),
        (
            "subjects_state_counts_per_subject",
            subjects_state_counts_per_subject,
        ),
        ("sync_changes_nothing", sync_changes_nothing),
    ];
    checks.extend(purge_checks::all::<S>());
    checks.extend([
        (
            "interleaved_operations_match_model",
            interleaved_operations_match_model as fn(&Ctx, &mut S),
        ),
        (
            "random_operations_match_model_seed_1",
            random_operations_seed_1,
        ),
        (
            "random_operations_match_model_seed_2",
            random_operations_seed_2,
        ),
    ]);
    checks
}

/// The time [`put`] stores message `seq` with.
pub(super) fn time_of(seq: u64) -> UnixNanos {
    1_000_000 + seq as UnixNanos * 1_000
}

/// Appends `payload` on `subject` (no headers, time [`time_of`] its sequence).
pub(super) fn put<S: MsgStore>(cx: &Ctx, s: &mut S, subject: &str, payload: &str) -> u64 {
    let time = time_of(s.state().last_seq + 1);
    let subject = Bytes::copy_from_slice(subject.as_bytes());
    let payload = Bytes::copy_from_slice(payload.as_bytes());
    cx.ok("append", s.append(subject, None, payload, time))
}

/// Appends one message on each of `subjects`; returns their sequences.
pub(super) fn fill<S: MsgStore>(cx: &Ctx, s: &mut S, subjects: &[&str]) -> Vec<u64> {
    subjects
        .iter()
        .map(|subject| put(cx, s, subject, "x"))
        .collect()
}

/// `(messages, first_seq, last_seq, num_deleted)`.
pub(super) fn shape<S: MsgStore>(s: &S) -> (u64, u64, u64, u64) {
    let st = s.state();
    (st.messages, st.first_seq, st.last_seq, st.num_deleted)
}

/// The label of [`shape`] in messages.
pub(super) const SHAPE: &str = "(messages, first_seq, last_seq, num_deleted)";

/// Sequences of `next_matching(start, filter)`.
pub(super) fn next<S: MsgStore>(cx: &Ctx, s: &S, start: u64, filter: Option<&str>) -> Option<u64> {
    let found = cx.ok(
        "next_matching",
        s.next_matching(start, filter.map(str::as_bytes)),
    );
    found.map(|m| m.seq)
}

/// Held sequences, found by walking `next_matching`.
pub(super) fn held<S: MsgStore>(cx: &Ctx, s: &S) -> Vec<u64> {
    let mut seqs = Vec::new();
    while let Some(seq) = next(cx, s, seqs.last().map_or(0, |l| l + 1), None) {
        seqs.push(seq);
    }
    seqs
}

/// `subjects_state(filter)`, sorted, with subjects as strings.
pub(super) fn subjects<S: MsgStore>(s: &S, filter: &str) -> Vec<(alloc::string::String, u64)> {
    let mut out: Vec<_> = s
        .subjects_state(filter.as_bytes())
        .into_iter()
        .map(|(subject, n)| {
            (
                alloc::string::String::from_utf8_lossy(&subject).into_owned(),
                n,
            )
        })
        .collect();
    out.sort_unstable();
    out
}

/// `(subject, count)` pairs as [`subjects`] returns them.
pub(super) fn counts(pairs: &[(&str, u64)]) -> Vec<(alloc::string::String, u64)> {
    pairs.iter().map(|(s, n)| ((*s).into(), *n)).collect()
}

fn new_store_is_empty<S: MsgStore>(cx: &Ctx, s: &mut S) {
    cx.eq("state()", s.state(), StoreState::default());
    cx.eq("get(0)", cx.ok("get", s.get(0)), None);
    cx.eq("get(1)", cx.ok("get", s.get(1)), None);
    cx.eq("next_matching(0, None)", next(cx, s, 0, None), None);
    cx.eq("num_pending(0, None)", s.num_pending(0, None), 0);
    cx.eq("subjects_state(>)", subjects(s, ">"), vec![]);
    cx.eq("subject_seqs(a)", s.subject_seqs(b"a"), vec![]);
    cx.eq(
        "last_for_subject(a)",
        cx.ok("last", s.last_for_subject(b"a")),
        None,
    );
}

fn append_assigns_sequences_from_one<S: MsgStore>(cx: &Ctx, s: &mut S) {
    cx.eq("sequences", fill(cx, s, &["a", "b", "a"]), vec![1, 2, 3]);
    cx.eq(SHAPE, shape(s), (3, 1, 3, 0));
    cx.eq("num_subjects", s.state().num_subjects, 2);
}

fn get_returns_the_appended_message<S: MsgStore>(cx: &Ctx, s: &mut S) {
    let hdr = Bytes::from_static(b"NATS/1.0\r\nA: b\r\n\r\n");
    let a = cx.ok(
        "append",
        s.append("a.b".into(), Some(hdr.clone()), "hello".into(), 42),
    );
    let b = cx.ok("append", s.append("c".into(), None, Bytes::new(), -7));
    let want_a = StoredMsg {
        seq: a,
        subject: "a.b".into(),
        headers: Some(hdr),
        payload: "hello".into(),
        time: 42,
    };
    let want_b = StoredMsg {
        seq: b,
        subject: "c".into(),
        headers: None,
        payload: Bytes::new(),
        time: -7,
    };
    cx.eq("get(1)", cx.ok("get", s.get(a)), Some(want_a));
    cx.eq("get(2)", cx.ok("get", s.get(b)), Some(want_b));
}

fn get_of_missing_sequences_is_none<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "c"]);
    cx.ok("remove", s.remove(2));
    for seq in [0, 2, 4, 1_000, u64::MAX] {
        cx.eq(
            "get of a missing sequence",
            cx.ok("get", s.get(seq)).map(|m| m.seq),
            None,
        );
    }
}

fn headers_none_and_empty_stay_distinct<S: MsgStore>(cx: &Ctx, s: &mut S) {
    let some = Bytes::from_static(b"NATS/1.0\r\n\r\n");
    let choices = [None, Some(Bytes::new()), Some(some)];
    for headers in &choices {
        cx.ok(
            "append",
            s.append("h".into(), headers.clone(), "p".into(), 1),
        );
    }
    for (seq, headers) in (1..).zip(&choices) {
        let msg = cx.ok("get", s.get(seq));
        cx.eq("headers", msg.map(|m| m.headers), Some(headers.clone()));
    }
    let last = cx.ok("last_for_subject", s.last_for_subject(b"h"));
    cx.eq(
        "last_for_subject headers",
        last.map(|m| m.headers),
        Some(choices[2].clone()),
    );
    let first = cx.ok("next_matching", s.next_matching(0, Some(b"h")));
    cx.eq(
        "next_matching headers",
        first.map(|m| m.headers),
        Some(None),
    );
}

fn bytes_are_the_sum_of_stored_size<S: MsgStore>(cx: &Ctx, s: &mut S) {
    let parts: [(&str, Option<&[u8]>, &str); 3] = [
        ("a", None, "12345"),
        ("bb.cc", Some(b"NATS/1.0\r\n\r\n"), ""),
        ("d", Some(b""), "xy"),
    ];
    let mut sizes = Vec::new();
    for (subject, headers, payload) in parts {
        let headers = headers.map(Bytes::copy_from_slice);
        let size = s.size_rule().size(
            subject.len(),
            headers.as_ref().map_or(0, Bytes::len),
            payload.len(),
        );
        cx.ok(
            "append",
            s.append(subject.into(), headers, payload.into(), 5),
        );
        sizes.push(size);
    }
    for (seq, size) in (1..).zip(&sizes) {
        let msg = cx.ok("get", s.get(seq));
        cx.eq(
            "stored_size of a held message",
            msg.map(|m| m.size_by(s.size_rule())),
            Some(*size),
        );
    }
    cx.eq("bytes", s.state().bytes, sizes.iter().sum());
    cx.ok("remove", s.remove(2));
    cx.eq(
        "bytes after remove(2)",
        s.state().bytes,
        sizes[0] + sizes[2],
    );
    cx.ok("purge", s.purge(&Default::default()));
    cx.eq("bytes after purge", s.state().bytes, 0);
}

fn times_are_kept<S: MsgStore>(cx: &Ctx, s: &mut S) {
    for time in [500, 100, 900] {
        cx.ok("append", s.append("t".into(), None, Bytes::new(), time));
    }
    let times: Vec<_> = (1..=3)
        .map(|seq| cx.ok("get", s.get(seq)).map(|m| m.time))
        .collect();
    cx.eq("times", times, vec![Some(500), Some(100), Some(900)]);
    let st = s.state();
    cx.eq(
        "(first_time, last_time)",
        (st.first_time, st.last_time),
        (500, 900),
    );
    cx.ok("remove", s.remove(1));
    cx.eq(
        "first_time after removing the first",
        s.state().first_time,
        100,
    );
    cx.ok("remove", s.remove(3));
    cx.eq(
        "last_time after removing the last",
        s.state().last_time,
        900,
    );
    cx.ok("remove", s.remove(2));
    let st = s.state();
    cx.eq(
        "(first_time, last_time) when emptied",
        (st.first_time, st.last_time),
        (0, 900),
    );
}

fn remove_first_advances_first_seq<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "b"]);
    cx.eq("remove(1)", cx.ok("remove", s.remove(1)), true);
    cx.eq(SHAPE, shape(s), (3, 2, 4, 0));
    cx.ok("remove", s.remove(2));
    cx.eq(SHAPE, shape(s), (2, 3, 4, 0));
    cx.eq("first_time", s.state().first_time, time_of(3));
}

fn remove_last_keeps_last_seq<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "c"]);
    cx.eq("remove(3)", cx.ok("remove", s.remove(3)), true);
    cx.eq(SHAPE, shape(s), (2, 1, 3, 1));
    cx.eq("num_subjects", s.state().num_subjects, 2);
    cx.eq("next append", put(cx, s, "c", "x"), 4);
    cx.eq(SHAPE, shape(s), (3, 1, 4, 1));
}

fn remove_middle_counts_deleted<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "b", "a"]);
    cx.ok("remove", s.remove(2));
    cx.ok("remove", s.remove(4));
    cx.eq(SHAPE, shape(s), (3, 1, 5, 2));
    cx.eq("held", held(cx, s), vec![1, 3, 5]);
    cx.eq("subjects_state", subjects(s, ">"), counts(&[("a", 3)]));
}

fn remove_of_missing_returns_false<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b"]);
    let before = s.state();
    for seq in [0, 3, 99] {
        cx.eq(
            "remove of a never-held sequence",
            cx.ok("remove", s.remove(seq)),
            false,
        );
    }
    cx.eq("state after failed removes", s.state(), before);
    cx.eq("remove(1)", cx.ok("remove", s.remove(1)), true);
    cx.eq("remove(1) again", cx.ok("remove", s.remove(1)), false);
    cx.eq(SHAPE, shape(s), (1, 2, 2, 0));
}

fn removing_all_leaves_first_after_last<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "c"]);
    for seq in [2, 1, 3] {
        cx.ok("remove", s.remove(seq));
    }
    let want = StoreState {
        first_seq: 4,
        last_seq: 3,
        last_time: time_of(3),
        ..StoreState::default()
    };
    cx.eq("state()", s.state(), want);
    cx.eq("subjects_state", subjects(s, ">"), vec![]);
    cx.eq("num_pending(0, None)", s.num_pending(0, None), 0);
}

fn sequences_not_reused_after_remove<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "c"]);
    cx.ok("remove", s.remove(3));
    cx.eq("append after removing the last", put(cx, s, "c", "x"), 4);
    for seq in [1, 2, 4] {
        cx.ok("remove", s.remove(seq));
    }
    cx.eq("append after removing all", put(cx, s, "d", "x"), 5);
    cx.eq(SHAPE, shape(s), (1, 5, 5, 0));
    cx.eq("get(3)", cx.ok("get", s.get(3)), None);
}

fn next_matching_unfiltered_skips_gaps<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "c", "d", "e"]);
    cx.ok("remove", s.remove(1));
    cx.ok("remove", s.remove(3));
    let got: Vec<_> = (0..=6).map(|start| next(cx, s, start, None)).collect();
    let want = vec![Some(2), Some(2), Some(2), Some(4), Some(4), Some(5), None];
    cx.eq("next_matching(0..=6, None)", got, want);
    cx.eq(
        "next_matching(u64::MAX, None)",
        next(cx, s, u64::MAX, None),
        None,
    );
}

fn next_matching_literal_subject<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "c.x", "a"]);
    let got: Vec<_> = (0..=6).map(|start| next(cx, s, start, Some("a"))).collect();
    let want = vec![Some(1), Some(1), Some(3), Some(3), Some(5), Some(5), None];
    cx.eq("next_matching(0..=6, a)", got, want);
    cx.eq("next_matching(0, c)", next(cx, s, 0, Some("c")), None);
    cx.eq(
        "next_matching(0, c.x)",
        next(cx, s, 0, Some("c.x")),
        Some(4),
    );
    cx.ok("remove", s.remove(3));
    cx.eq(
        "next_matching(2, a) after remove(3)",
        next(cx, s, 2, Some("a")),
        Some(5),
    );
    let msg = cx.ok("next_matching", s.next_matching(4, Some(b"a")));
    cx.eq(
        "the found message",
        msg.map(|m| (m.seq, m.subject)),
        Some((5, "a".into())),
    );
}

fn next_matching_wildcards<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["c.x", "a", "c.y", "d.x.z", "c.x.deep"]);
    let cases: [(u64, &str, Option<u64>); 12] = [
        (0, "c.*", Some(1)),
        (2, "c.*", Some(3)),
        (4, "c.*", None),
        (4, "c.>", Some(5)),
        (0, "*.x", Some(1)),
        (2, "*.x", None),
        (0, "*", Some(2)),
        (0, "d.*.z", Some(4)),
        (3, ">", Some(3)),
        (3, "", Some(3)),
        (0, "nope.*", None),
        (0, "*.*.*.*", None),
    ];
    for (start, filter, want) in cases {
        cx.eq(
            &alloc::format!("next_matching({start}, {filter})"),
            next(cx, s, start, Some(filter)),
            want,
        );
    }
    // A match far behind many others (stores may switch from scanning to an index).
    for _ in 0..50 {
        put(cx, s, "b", "x");
    }
    let far = put(cx, s, "c.y", "x");
    cx.eq(
        "next_matching(6, c.*) past 50 others",
        next(cx, s, 6, Some("c.*")),
        Some(far),
    );
    cx.eq(
        "next_matching(far + 1, c.*)",
        next(cx, s, far + 1, Some("c.*")),
        None,
    );
}

fn last_for_subject_follows_removals<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "a"]);
    let last = |cx: &Ctx, s: &S, subject: &str| {
        cx.ok("last_for_subject", s.last_for_subject(subject.as_bytes()))
            .map(|m| m.seq)
    };
    cx.eq("last_for_subject(a)", last(cx, s, "a"), Some(4));
    cx.eq("last_for_subject(b)", last(cx, s, "b"), Some(2));
    cx.ok("remove", s.remove(4));
    cx.eq(
        "last_for_subject(a) after remove(4)",
        last(cx, s, "a"),
        Some(3),
    );
    cx.ok("remove", s.remove(3));
    cx.ok("remove", s.remove(1));
    cx.eq(
        "last_for_subject(a) after removing all a",
        last(cx, s, "a"),
        None,
    );
    cx.eq("last_for_subject(zz)", last(cx, s, "zz"), None);
    cx.eq(
        "last_for_subject(*) is a literal lookup",
        last(cx, s, "*"),
        None,
    );
}

fn subject_seqs_oldest_first<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "c.x", "a"]);
    cx.eq("subject_seqs(a)", s.subject_seqs(b"a"), vec![1, 3, 5]);
    cx.eq("subject_seqs(c.x)", s.subject_seqs(b"c.x"), vec![4]);
    cx.eq(
        "subject_seqs(c.*) is a literal lookup",
        s.subject_seqs(b"c.*"),
        vec![],
    );
    cx.ok("remove", s.remove(3));
    cx.eq(
        "subject_seqs(a) after remove(3)",
        s.subject_seqs(b"a"),
        vec![1, 5],
    );
    put(cx, s, "a", "x");
    cx.eq(
        "subject_seqs(a) after an append",
        s.subject_seqs(b"a"),
        vec![1, 5, 6],
    );
}

fn num_pending_with_filters<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "c.x", "c.y", "a"]);
    let cases: [(u64, Option<&str>, u64); 12] = [
        (0, None, 6),
        (1, None, 6),
        (4, None, 3),
        (6, None, 1),
        (7, None, 0),
        (0, Some("a"), 3),
        (2, Some("a"), 2),
        (0, Some("c.*"), 2),
        (5, Some("c.>"), 1),
        (0, Some(">"), 6),
        (3, Some(""), 4),
        (0, Some("zz"), 0),
    ];
    for (start, filter, want) in cases {
        let got = s.num_pending(start, filter.map(str::as_bytes));
        cx.eq(
            &alloc::format!("num_pending({start}, {filter:?})"),
            got,
            want,
        );
    }
    cx.ok("remove", s.remove(3));
    cx.eq(
        "num_pending(0, a) after remove(3)",
        s.num_pending(0, Some(b"a")),
        2,
    );
    cx.eq(
        "num_pending(2, None) after remove(3)",
        s.num_pending(2, None),
        4,
    );
    // Many gaps: counted from either end.
    for _ in 0..14 {
        put(cx, s, "b", "x");
    }
    for seq in (2..=20).step_by(2) {
        cx.ok("remove", s.remove(seq));
    }
    cx.eq(
        "num_pending(11, None) with gaps",
        s.num_pending(11, None),
        5,
    );
    cx.eq("num_pending(5, None) with gaps", s.num_pending(5, None), 8);
}

fn num_subjects_counts_held_subjects<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a"]);
    cx.eq("num_subjects", s.state().num_subjects, 2);
    cx.ok("remove", s.remove(2));
    cx.eq("num_subjects after removing b", s.state().num_subjects, 1);
    put(cx, s, "c.x", "x");
    cx.eq("num_subjects after c.x", s.state().num_subjects, 2);
    cx.ok("remove", s.remove(1));
    cx.eq(
        "num_subjects with a still held once",
        s.state().num_subjects,
        2,
    );
    cx.ok("remove", s.remove(3));
    cx.eq(
        "num_subjects after removing all a",
        s.state().num_subjects,
        1,
    );
}

fn subjects_state_counts_per_subject<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a", "c.x", "c.y", "d.x.z"]);
    let all = counts(&[("a", 2), ("b", 1), ("c.x", 1), ("c.y", 1), ("d.x.z", 1)]);
    cx.eq("subjects_state(>)", subjects(s, ">"), all.clone());
    cx.eq("subjects_state()", subjects(s, ""), all);
    cx.eq(
        "subjects_state(c.*)",
        subjects(s, "c.*"),
        counts(&[("c.x", 1), ("c.y", 1)]),
    );
    cx.eq(
        "subjects_state(*.x)",
        subjects(s, "*.x"),
        counts(&[("c.x", 1)]),
    );
    cx.eq("subjects_state(a)", subjects(s, "a"), counts(&[("a", 2)]));
    cx.eq("subjects_state(zz)", subjects(s, "zz"), vec![]);
    cx.ok("remove", s.remove(2));
    cx.eq(
        "subjects_state(b) after remove(2)",
        subjects(s, "b"),
        vec![],
    );
}

fn sync_changes_nothing<S: MsgStore>(cx: &Ctx, s: &mut S) {
    fill(cx, s, &["a", "b", "a"]);
    cx.ok("remove", s.remove(2));
    let before = s.state();
    cx.ok("sync", s.sync());
    cx.ok("sync", s.sync());
    cx.eq("state() after sync", s.state(), before);
    cx.eq("held after sync", held(cx, s), vec![1, 3]);
}

fn interleaved_operations_match_model<S: MsgStore>(_: &Ctx, s: &mut S) {
    use super::super::PurgeRequest;
    use super::model::{apply_and_compare_in, StoreOp};
    let append = |subject: &'static str, time: UnixNanos| StoreOp::Append {
        subject: Bytes::from_static(subject.as_bytes()),
        headers: None,
        payload: Bytes::from_static(b"p"),
        time,
    };
    let purge = |filter: Option<&'static str>, up_to_seq, keep| {
        StoreOp::Purge(PurgeRequest {
            filter: filter.map(|f| Bytes::from_static(f.as_bytes())),
            up_to_seq,
            keep,
        })
    };
    let script = [
        StoreOp::SkipTo { seq: 5 },
        append("a", 10),
        append("c.x", 20),
        append("a", 5),
        StoreOp::Remove { seq: 6 },
        append("c.y", 30),
        purge(Some("a"), None, Some(1)),
        append("b", 40),
        StoreOp::Sync,
        purge(None, Some(8), None),
        StoreOp::Remove { seq: 9 },
        append("c.x", 50),
        purge(Some("c.*"), Some(100), None),
        StoreOp::SkipTo { seq: 50 },
        purge(None, None, None),
        StoreOp::SkipAhead { by: 3 },
        append("d.x.z", 60),
        StoreOp::Remove { seq: 14 },
        purge(None, Some(20), None),
        append("a", 70),
    ];
    let mut model = Model::with_rule(s.size_rule());
    for (step, op) in script.iter().enumerate() {
        apply_and_compare_in(
            s,
            &mut model,
            op,
            &alloc::format!(" (scripted step {step})"),
        );
    }
}

fn random_operations_seed_1<S: MsgStore>(_: &Ctx, s: &mut S) {
    run_random_ops(s, 1, 400);
}

fn random_operations_seed_2<S: MsgStore>(_: &Ctx, s: &mut S) {
    run_random_ops(s, 2, 400);
}
