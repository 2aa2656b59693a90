//! Checks for stores that survive a restart: after `sync`, dropping the store and opening
//! it again, everything observable is identical and sequences continue where they were.

use alloc::format;
use bytes::Bytes;

use super::super::{MsgStore, PurgeRequest, StoreState};
use super::checks::{fill, put, shape, SHAPE};
use super::compare::assert_same_contents;
use super::model::{apply_and_compare_in, random_op, Model, OpRng};
use super::Ctx;

/// The persistence cases, run in this order by [`run_persistence`]; each name is also the
/// storage name passed to `open`.
pub const PERSISTENCE_CASES: [&str; 12] = [
    "reopen_new_store",
    "reopen_keeps_messages_and_indexes",
    "reopen_keeps_gaps",
    "reopen_after_removing_everything",
    "reopen_after_purge_all",
    "reopen_after_filtered_purges",
    "reopen_after_skip_to",
    "reopen_after_skip_msgs_to",
    "reopen_after_purge_past_the_end",
    "reopen_twice_changes_nothing",
    "random_operations_with_reopens_seed_7",
    "random_operations_with_reopens_seed_8",
];

type Open<'a, S> = &'a mut dyn FnMut(&str) -> S;

/// Runs every persistence case. `open(name)` must return an empty store the first time it
/// is called with `name`, and the same storage, reopened, on later calls; the suite drops
/// the previous store before reopening. Panics name the case.
pub fn run_persistence<S: MsgStore>(open: &mut dyn FnMut(&str) -> S) {
    for name in PERSISTENCE_CASES {
        run_persistence_case(name, open);
    }
}

/// Runs the persistence case called `name` (one of [`PERSISTENCE_CASES`]).
pub fn run_persistence_case<S: MsgStore>(name: &str, open: &mut dyn FnMut(&str) -> S) {
    let Some(&name) = PERSISTENCE_CASES.iter().find(|n| **n == name) else {
        panic!("no store persistence case named `{name}`");
    };
    let cx = Ctx::new(name);
    let case: fn(&Ctx, Open<'_, S>) = match name {
        "reopen_new_store" => reopen_new_store,
        "reopen_keeps_messages_and_indexes" => reopen_keeps_messages_and_indexes,
        "reopen_keeps_gaps" => reopen_keeps_gaps,
        "reopen_after_removing_everything" => reopen_after_removing_everything,
        "reopen_after_purge_all" => reopen_after_purge_all,
        "reopen_after_filtered_purges" => reopen_after_filtered_purges,
        "reopen_after_skip_to" => reopen_after_skip_to,
        "reopen_after_skip_msgs_to" => reopen_after_skip_msgs_to,
        "reopen_after_purge_past_the_end" => reopen_after_purge_past_the_end,
        "reopen_twice_changes_nothing" => reopen_twice_changes_nothing,
        "random_operations_with_reopens_seed_7" => random_with_reopens_seed_7,
        _ => random_with_reopens_seed_8,
    };
    case(&cx, open);
}

/// Syncs `store`, remembers what it holds, drops it, reopens it and checks it is the same.
fn reopen<S: MsgStore>(cx: &Ctx, open: Open<'_, S>, mut store: S) -> S {
    cx.ok("sync before reopening", store.sync());
    let want = cx.ok("reading the store", Model::copy_of(&store));
    assert_same_contents(
        &want,
        &store,
        &format!("in `{}` before reopening", cx.name()),
    );
    drop(store);
    let store = open(cx.name());
    assert_same_contents(
        &want,
        &store,
        &format!("in `{}` after reopening", cx.name()),
    );
    store
}

fn reopen_new_store<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let s = open(cx.name());
    cx.eq("state() of a new store", s.state(), StoreState::default());
    let mut s = reopen(cx, open, s);
    cx.eq("state() reopened", s.state(), StoreState::default());
    cx.eq("first append after reopening", put(cx, &mut s, "a", "x"), 1);
}

fn reopen_keeps_messages_and_indexes<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    let headers = [
        None,
        Some(Bytes::new()),
        Some(Bytes::from_static(b"NATS/1.0\r\nA: b\r\n\r\n")),
    ];
    let subjects = ["a", "c.x", "a", "d.x.z", "c.y", "a"];
    for (i, subject) in subjects.iter().enumerate() {
        let payload = Bytes::from(alloc::vec![b'p'; i * 7]);
        let time = 1_700_000_000_000_000_000 - i as i64 * 13;
        let r = s.append(
            Bytes::from_static(subject.as_bytes()),
            headers[i % 3].clone(),
            payload,
            time,
        );
        cx.ok("append", r);
    }
    let mut s = reopen(cx, open, s);
    cx.eq("append after reopening", put(cx, &mut s, "c.x", "x"), 7);
    let s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (7, 1, 7, 0));
}

fn reopen_keeps_gaps<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    fill(cx, &mut s, &["a", "b", "a", "b", "a", "b"]);
    for seq in [1, 3, 6] {
        cx.ok("remove", s.remove(seq));
    }
    let mut s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (3, 2, 6, 2));
    cx.eq("append after reopening", put(cx, &mut s, "a", "x"), 7);
}

fn reopen_after_removing_everything<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    fill(cx, &mut s, &["a", "b", "c"]);
    for seq in [3, 1, 2] {
        cx.ok("remove", s.remove(seq));
    }
    let mut s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (0, 4, 3, 0));
    cx.eq("append after reopening", put(cx, &mut s, "a", "x"), 4);
}

fn reopen_after_purge_all<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    fill(cx, &mut s, &["a", "b", "c", "a"]);
    cx.ok("purge", s.purge(&PurgeRequest::default()));
    let mut s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (0, 5, 4, 0));
    cx.eq("append after reopening", put(cx, &mut s, "a", "x"), 5);
}

fn reopen_after_filtered_purges<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    fill(cx, &mut s, &["a", "c.x", "c.y", "a", "c.x", "b", "a"]);
    let purge = |filter: &'static str, up_to_seq, keep| PurgeRequest {
        filter: Some(Bytes::from_static(filter.as_bytes())),
        up_to_seq,
        keep,
    };
    cx.ok("purge c.* keep 1", s.purge(&purge("c.*", None, Some(1))));
    cx.ok("purge a below 5", s.purge(&purge("a", Some(5), None)));
    let s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (3, 5, 7, 0));
    cx.eq("subject_seqs(a)", s.subject_seqs(b"a"), alloc::vec![7]);
}

fn reopen_after_skip_to<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    cx.ok("skip_to", s.skip_to(1_000));
    let mut s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (0, 1_000, 999, 0));
    cx.eq("append after reopening", put(cx, &mut s, "a", "x"), 1_000);
    let s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (1, 1_000, 1_000, 0));
}

fn reopen_after_skip_msgs_to<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    fill(cx, &mut s, &["a", "b"]);
    cx.ok("skip_msgs_to", s.skip_msgs_to(100));
    let mut s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (2, 1, 99, 97));
    cx.eq("append after reopening", put(cx, &mut s, "a", "x"), 100);
    let s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (3, 1, 100, 97));
}

fn reopen_after_purge_past_the_end<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    fill(cx, &mut s, &["a", "b"]);
    let req = PurgeRequest {
        up_to_seq: Some(50),
        ..PurgeRequest::default()
    };
    cx.ok("purge below 50", s.purge(&req));
    let mut s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (0, 50, 49, 0));
    cx.eq("append after reopening", put(cx, &mut s, "a", "x"), 50);
}

fn reopen_twice_changes_nothing<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    let mut s = open(cx.name());
    fill(cx, &mut s, &["a", "b", "a"]);
    cx.ok("remove", s.remove(2));
    let s = reopen(cx, open, s);
    let s = reopen(cx, open, s);
    cx.eq(SHAPE, shape(&s), (2, 1, 3, 1));
}

fn random_with_reopens_seed_7<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    random_with_reopens(cx, open, 7);
}

fn random_with_reopens_seed_8<S: MsgStore>(cx: &Ctx, open: Open<'_, S>) {
    random_with_reopens(cx, open, 8);
}

/// Seeded random operations, compared with the model after each, reopening every 25.
fn random_with_reopens<S: MsgStore>(cx: &Ctx, open: Open<'_, S>, seed: u64) {
    let mut s = open(cx.name());
    let mut model = Model::with_rule(s.size_rule());
    let mut rng = OpRng::new(seed);
    for step in 0..300 {
        let op = random_op(&mut rng, &model);
        let context = format!(" (`{}`, step {step})", cx.name());
        apply_and_compare_in(&mut s, &mut model, &op, &context);
        if step % 25 == 24 {
            s = reopen(cx, open, s);
            assert_same_contents(&model, &s, &format!("{context} after reopening"));
        }
    }
}
