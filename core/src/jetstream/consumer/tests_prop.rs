//! Property: random interleavings of appends, pulls (several workers, no_wait, expiring),
//! acks, NAKs (with and without delay), progress, TERM, +NXT, restarts and time never
//! deliver a message the consumer is done with, never move the ack floor down, keep the
//! counters exact and the bookkeeping bounded; a liveness phase then gets every matching
//! message delivered and acked.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

use super::tests::*;
use super::*;
use crate::jetstream::api::PullRequest;
use crate::jetstream::store::PurgeRequest;
use crate::subject;

const SUBJECTS: [&str; 3] = ["s.a", "s.b", "s.c.d"];
const FILTERS: [&[&str]; 3] = [&[], &["s.a"], &["s.a", "s.c.>"]];

#[derive(Debug, Clone, Copy)]
enum AckOp {
    Ack,
    Nak,
    NakDelay(i64),
    Progress,
    Term,
    Next,
}

#[derive(Debug, Clone)]
enum Op {
    Append(usize),
    Pull {
        worker: u8,
        batch: i64,
        expires_ms: Option<i64>,
        no_wait: bool,
    },
    Ack {
        nth: usize,
        kind: AckOp,
    },
    Advance(i64),
    Restart,
    /// Delete the nth held message.
    Remove(usize),
    /// Purge below the nth held message.
    Purge(usize),
}

fn ack_op() -> impl Strategy<Value = AckOp> {
    prop_oneof![
        6 => Just(AckOp::Ack),
        2 => Just(AckOp::Nak),
        1 => (0i64..3000).prop_map(AckOp::NakDelay),
        1 => Just(AckOp::Progress),
        1 => Just(AckOp::Term),
        1 => Just(AckOp::Next),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let pull = (0u8..3, 1i64..6, prop::option::of(1i64..3000), any::<bool>()).prop_map(
        |(worker, batch, expires_ms, no_wait)| Op::Pull {
            worker,
            batch,
            expires_ms,
            no_wait,
        },
    );
    prop_oneof![
        4 => (0..SUBJECTS.len()).prop_map(Op::Append),
        3 => pull,
        4 => (any::<usize>(), ack_op()).prop_map(|(nth, kind)| Op::Ack { nth, kind }),
        3 => (0i64..2500).prop_map(Op::Advance),
        1 => Just(Op::Restart),
        1 => any::<usize>().prop_map(Op::Remove),
        1 => any::<usize>().prop_map(Op::Purge),
    ]
}

/// What the client side has seen and done.
struct Model {
    filters: &'static [&'static str],
    ack_all: bool,
    max_ack_pending: i64,
    max_deliver: i64,
    /// Given up on at `max_deliver`.
    given_up: BTreeSet<u64>,
    /// Acked or terminated (explicit), or everything up to `done_upto` (ack all).
    done: BTreeSet<u64>,
    done_upto: u64,
    /// Deliveries so far per stream sequence.
    deliveries: BTreeMap<u64, u64>,
    /// Matching appended messages never delivered.
    undelivered: BTreeSet<u64>,
    appended: BTreeSet<u64>,
    /// Removed from the stream.
    removed: BTreeSet<u64>,
    /// Every ack subject received.
    acks: Vec<(u64, String)>,
    floor: SequencePair,
}

impl Model {
    fn is_done(&self, seq: u64) -> bool {
        self.done.contains(&seq) || seq <= self.done_upto
    }

    fn matches(&self, subj: &str) -> bool {
        self.filters.is_empty()
            || self
                .filters
                .iter()
                .any(|f| subject::matches(f.as_bytes(), subj.as_bytes()))
    }

    fn mark_done(&mut self, seq: u64) {
        if self.ack_all {
            self.done_upto = self.done_upto.max(seq);
        } else {
            self.done.insert(seq);
        }
    }

    /// Checks the effects of one input and the consumer after it.
    fn check(
        &mut self,
        h: &Harness,
        effects: &[Effect],
        before: &ConsumerState,
    ) -> Result<(), TestCaseError> {
        for d in deliveries(effects) {
            let seq = d.seq;
            prop_assert!(!self.is_done(seq), "delivered {} after it was acked", seq);
            prop_assert!(
                !self.given_up.contains(&seq),
                "delivered {} after giving up",
                seq
            );
            prop_assert!(
                !self.removed.contains(&seq),
                "delivered {} after removal",
                seq
            );
            let subj = h.store.get(seq).unwrap().unwrap().subject;
            prop_assert!(self.matches(core::str::from_utf8(&subj).unwrap()));
            let count = self.deliveries.entry(seq).or_insert(0);
            *count += 1;
            prop_assert_eq!(d.tokens.delivered, *count, "delivered count of {}", seq);
            self.undelivered.remove(&seq);
            prop_assert_eq!(
                d.tokens.pending,
                self.undelivered.len() as u64,
                "pending token of {}",
                seq
            );
            if self.max_deliver > 0 {
                prop_assert!(*count <= self.max_deliver as u64);
            }
            self.acks.push((seq, d.ack));
        }
        for e in effects {
            if let Effect::MaxDeliveriesReached {
                stream_seq,
                deliveries,
            } = e
            {
                prop_assert_eq!(Some(deliveries), self.deliveries.get(stream_seq));
                prop_assert_eq!(*deliveries, self.max_deliver as u64);
                self.given_up.insert(*stream_seq);
            }
        }
        let state = h.c.state();
        if state != before {
            prop_assert!(
                effects.contains(&Effect::StateChanged),
                "state changed silently"
            );
        }
        let (f, old) = (state.ack_floor, self.floor);
        prop_assert!(
            f.stream_seq >= old.stream_seq && f.consumer_seq >= old.consumer_seq,
            "floor {:?} -> {:?}",
            old,
            f
        );
        prop_assert!(
            f.stream_seq <= state.delivered.stream_seq
                && f.consumer_seq <= state.delivered.consumer_seq
        );
        self.floor = f;
        if self.max_ack_pending > 0 {
            prop_assert!(state.pending.len() as i64 <= self.max_ack_pending);
        }
        prop_assert!(state
            .pending
            .keys()
            .all(|s| *s > f.stream_seq && !self.is_done(*s)));
        let c = &h.c;
        prop_assert_eq!(c.rdq.len(), c.rdq_set.len());
        prop_assert!(c
            .rdq
            .iter()
            .all(|s| state.pending.contains_key(s) && !c.deadlines.contains_key(s)));
        prop_assert!(state
            .pending
            .keys()
            .all(|s| c.rdq_set.contains(s) ^ c.deadlines.contains_key(s)));
        prop_assert_eq!(c.deadlines.len(), c.timers.len());
        prop_assert_eq!(c.num_pending(&h.store), self.undelivered.len() as u64);
        Ok(())
    }
}

fn run(h: &mut Harness, m: &mut Model, op: &Op) -> Result<(), TestCaseError> {
    let before = h.c.state().clone();
    let effects = match op {
        Op::Append(i) => {
            let seq = h.append(SUBJECTS[*i]);
            m.appended.insert(seq);
            if m.matches(SUBJECTS[*i]) {
                m.undelivered.insert(seq);
            }
            h.c.stream_appended(h.now, &h.store)
        }
        Op::Pull {
            worker,
            batch,
            expires_ms,
            no_wait,
        } => {
            let expires = expires_ms.map_or(0, |ms| ms * 1_000_000);
            let req = PullRequest {
                batch: *batch,
                expires,
                no_wait: *no_wait,
                ..PullRequest::default()
            };
            h.pull(&format!("w{worker}"), req)
        }
        Op::Ack { nth, kind } => {
            if m.acks.is_empty() {
                return Ok(());
            }
            let (seq, subject) = m.acks[nth % m.acks.len()].clone();
            let (payload, done) = match kind {
                AckOp::Ack => (String::from("+ACK"), true),
                AckOp::Nak => (String::from("-NAK"), false),
                AckOp::NakDelay(ms) => (format!("-NAK {ms}ms"), false),
                AckOp::Progress => (String::from("+WPI"), false),
                AckOp::Term => (String::from("+TERM why"), true),
                AckOp::Next => (String::from("+NXT 2"), true),
            };
            if done {
                m.mark_done(seq);
            }
            h.ack_sync(&subject, &payload, "nxt")
        }
        Op::Advance(ms) => h.advance(ms * 1_000_000),
        Op::Restart => {
            h.restart();
            Vec::new()
        }
        Op::Remove(nth) | Op::Purge(nth) => {
            let held: Vec<u64> = m.appended.difference(&m.removed).copied().collect();
            if held.is_empty() {
                return Ok(());
            }
            let at = held[nth % held.len()];
            let gone: Vec<u64> = if matches!(op, Op::Remove(_)) {
                h.store.remove(at).unwrap();
                h.c.message_removed(at);
                vec![at]
            } else {
                let req = PurgeRequest {
                    up_to_seq: Some(at),
                    ..PurgeRequest::default()
                };
                h.store.purge(&req).unwrap();
                h.c.stream_purged(&h.store);
                held.iter().copied().filter(|s| *s < at).collect()
            };
            for seq in gone {
                m.removed.insert(seq);
                m.undelivered.remove(&seq);
            }
            h.c.stream_appended(h.now, &h.store)
        }
    };
    if matches!(op, Op::Restart) {
        return m.check(h, &effects, h.c.state());
    }
    m.check(h, &effects, &before)
}

/// Pulls and acks until every matching message is done.
fn liveness(h: &mut Harness, m: &mut Model) -> Result<(), TestCaseError> {
    for _ in 0..200 {
        if m.undelivered.is_empty() && h.c.state().pending.is_empty() {
            break;
        }
        let before = h.c.state().clone();
        let mut effects = h.advance(2 * SEC);
        effects.extend(h.pull(
            "live",
            PullRequest {
                batch: 1000,
                expires: SEC,
                ..PullRequest::default()
            },
        ));
        m.check(h, &effects, &before)?;
        let mut todo: Vec<Delivery> = deliveries(&effects);
        while let Some(d) = todo.pop() {
            m.mark_done(d.seq);
            let before = h.c.state().clone();
            let out = h.ack(&d.ack, "+ACK");
            m.check(h, &out, &before)?;
            todo.extend(deliveries(&out));
        }
    }
    let state = h.c.state();
    prop_assert!(
        state.pending.is_empty(),
        "still pending: {:?}",
        state.pending
    );
    prop_assert_eq!(h.c.num_pending(&h.store), 0);
    for seq in m.appended.difference(&m.removed) {
        let subj = h.store.get(*seq).unwrap().unwrap().subject;
        let matching = m.matches(core::str::from_utf8(&subj).unwrap());
        prop_assert_eq!(
            matching,
            m.deliveries.contains_key(seq),
            "seq {} delivered iff matching",
            seq
        );
        prop_assert!(!matching || m.is_done(*seq) || m.given_up.contains(seq));
    }
    prop_assert_eq!(state.ack_floor.stream_seq, state.delivered.stream_seq);
    if !m.ack_all {
        prop_assert_eq!(state.ack_floor, state.delivered);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn consumers_never_redeliver_acked_and_eventually_deliver_everything(
        filters in 0..FILTERS.len(),
        ack_all in any::<bool>(),
        max_ack_pending in prop_oneof![Just(-1i64), 1i64..6],
        max_deliver in prop_oneof![Just(-1i64), 1i64..4],
        ops in prop::collection::vec(op(), 1..80),
    ) {
        let filters = FILTERS[filters];
        let config = config(|c| {
            c.ack_wait = SEC;
            c.max_ack_pending = max_ack_pending;
            c.max_deliver = max_deliver;
            if ack_all {
                c.ack_policy = AckPolicy::All;
            }
            c.filter_subjects = filters.iter().map(|f| String::from(*f)).collect();
        });
        let mut h = Harness::new(config);
        let mut m = Model {
            filters,
            ack_all,
            max_ack_pending,
            max_deliver,
            given_up: BTreeSet::new(),
            done: BTreeSet::new(),
            done_upto: 0,
            deliveries: BTreeMap::new(),
            undelivered: BTreeSet::new(),
            appended: BTreeSet::new(),
            removed: BTreeSet::new(),
            acks: Vec::new(),
            floor: SequencePair::default(),
        };
        for op in &ops {
            run(&mut h, &mut m, op)?;
        }
        liveness(&mut h, &mut m)?;
    }
}
