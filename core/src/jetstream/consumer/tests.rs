//! Consumer scenarios on explicit time over a memory store: the harness, deliver policies,
//! filters, headers only, replay, restart, info and stream removals.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::*;
use crate::jetstream::api::{DeliverPolicy, PullRequest, StreamConfig, Timestamp};
use crate::jetstream::store::{MemStore, PurgeRequest};

pub(super) const SEC: i64 = 1_000_000_000;
/// Wall clock at the start of every scenario.
pub(super) const T0: i64 = 1_700_000_000 * SEC;

pub(super) fn stream_config() -> StreamConfig {
    StreamConfig {
        name: "S".into(),
        subjects: vec![String::from("s.>")],
        num_replicas: 1,
        ..StreamConfig::default()
    }
}

/// A normalized durable pull consumer `C` with explicit acks, adjusted by `edit`.
pub(super) fn config(edit: impl FnOnce(&mut ConsumerConfig)) -> ConsumerConfig {
    let mut c = ConsumerConfig {
        durable_name: "C".into(),
        ack_policy: AckPolicy::Explicit,
        ack_wait: 30 * SEC,
        ..ConsumerConfig::default()
    };
    edit(&mut c);
    c.normalize(&stream_config()).unwrap()
}

/// A consumer, its stream's store and a clock.
pub(super) struct Harness {
    pub(super) store: MemStore,
    pub(super) c: Consumer,
    pub(super) now: i64,
}

impl Harness {
    pub(super) fn new(config: ConsumerConfig) -> Harness {
        Harness::with_store(MemStore::new(), config)
    }

    pub(super) fn with_store(store: MemStore, config: ConsumerConfig) -> Harness {
        let c = Consumer::new("S", "C", config, T0, None, T0, &store);
        Harness { store, c, now: T0 }
    }

    /// A consumer created on a stream already holding messages on `subjects` (stored at
    /// `T0`, `T0 + 1s`, ...).
    pub(super) fn with_messages(subjects: &[&str], config: ConsumerConfig) -> Harness {
        let mut store = MemStore::new();
        for (i, subject) in subjects.iter().enumerate() {
            let subject = Bytes::copy_from_slice(subject.as_bytes());
            store
                .append(
                    subject,
                    None,
                    Bytes::from_static(b"data"),
                    T0 + i as i64 * SEC,
                )
                .unwrap();
        }
        Harness::with_store(store, config)
    }

    /// Appends to the store (stored at `now`) without telling the consumer.
    pub(super) fn append(&mut self, subject: &str) -> u64 {
        let subject = Bytes::copy_from_slice(subject.as_bytes());
        self.store
            .append(subject, None, Bytes::from_static(b"data"), self.now)
            .unwrap()
    }

    /// Appends and tells the consumer.
    pub(super) fn publish(&mut self, subject: &str) -> Vec<Effect> {
        self.append(subject);
        self.c.stream_appended(self.now, &self.store)
    }

    pub(super) fn publish_n(&mut self, subject: &str, n: usize) -> Vec<Effect> {
        (0..n).flat_map(|_| self.publish(subject)).collect()
    }

    pub(super) fn pull(&mut self, reply: &str, req: PullRequest) -> Vec<Effect> {
        self.c.pull(
            self.now,
            Bytes::copy_from_slice(reply.as_bytes()),
            req,
            &self.store,
        )
    }

    pub(super) fn pull_batch(&mut self, reply: &str, batch: i64) -> Vec<Effect> {
        self.pull(reply, PullRequest::batch(batch))
    }

    pub(super) fn ack(&mut self, ack_subject: &str, payload: &str) -> Vec<Effect> {
        self.c.ack(
            self.now,
            ack_subject.as_bytes(),
            payload.as_bytes(),
            None,
            &self.store,
        )
    }

    pub(super) fn ack_sync(
        &mut self,
        ack_subject: &str,
        payload: &str,
        reply: &str,
    ) -> Vec<Effect> {
        let reply = Some(Bytes::copy_from_slice(reply.as_bytes()));
        self.c.ack(
            self.now,
            ack_subject.as_bytes(),
            payload.as_bytes(),
            reply,
            &self.store,
        )
    }

    /// Moves the clock by `d`, running every timeout that falls due on the way, in order.
    pub(super) fn advance(&mut self, d: i64) -> Vec<Effect> {
        let end = self.now + d;
        let mut out = Vec::new();
        while let Some(at) = self.c.poll_timeout().filter(|at| *at <= end) {
            self.now = self.now.max(at);
            out.extend(self.c.handle_timeout(self.now, &self.store));
        }
        self.now = end;
        out
    }

    pub(super) fn restart(&mut self) {
        let state = self.c.state().clone();
        let config = self.c.config().clone();
        self.c = Consumer::new("S", "C", config, T0, Some(state), self.now, &self.store);
    }
}

/// A delivery, flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Delivery {
    pub(super) to: String,
    pub(super) seq: u64,
    pub(super) ack: String,
    pub(super) tokens: AckTokens,
}

pub(super) fn deliveries(effects: &[Effect]) -> Vec<Delivery> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Deliver {
                to, msg, ack_reply, ..
            } => Some(Delivery {
                to: String::from_utf8_lossy(to).to_string(),
                seq: msg.seq,
                ack: ack_reply.clone(),
                tokens: parse_ack_subject(ack_reply.as_bytes()).unwrap().tokens,
            }),
            _ => None,
        })
        .collect()
}

pub(super) fn seqs(effects: &[Effect]) -> Vec<u64> {
    deliveries(effects).iter().map(|d| d.seq).collect()
}

/// Status effects as `(to, "code description")`.
pub(super) fn statuses(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Status {
                to,
                code,
                description,
                ..
            } => Some((
                String::from_utf8_lossy(to).to_string(),
                alloc::format!("{code} {description}"),
            )),
            _ => None,
        })
        .collect()
}

pub(super) fn status_headers(effects: &[Effect], code: u16) -> Vec<(String, String)> {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Status {
                code: c, headers, ..
            } if *c == code => Some(headers.clone()),
            _ => None,
        })
        .unwrap()
}

pub(super) fn acked(effects: &[Effect]) -> Vec<u64> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Acked { stream_seq } => Some(*stream_seq),
            _ => None,
        })
        .collect()
}

pub(super) fn pair(consumer_seq: u64, stream_seq: u64) -> SequencePair {
    SequencePair {
        consumer_seq,
        stream_seq,
    }
}

#[test]
fn pull_delivers_in_order_with_nats_ack_subjects() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 3);
    let out = h.pull_batch("inbox.1", 2);
    let d = deliveries(&out);
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].to, "inbox.1");
    assert_eq!(d[0].ack, alloc::format!("$JS.ACK.S.C.1.1.1.{T0}.2"));
    assert_eq!(d[1].ack, alloc::format!("$JS.ACK.S.C.1.2.2.{T0}.1"));
    assert!(out.contains(&Effect::StateChanged));
    assert_eq!(h.c.state().delivered, pair(2, 2));
    assert_eq!(h.c.state().pending.len(), 2);
}

#[test]
fn deliver_policies_start_where_nats_starts() {
    let start = |edit: fn(&mut ConsumerConfig)| {
        let mut h = Harness::with_messages(&["s.a", "s.b", "s.a", "s.c"], config(edit));
        let first = seqs(&h.pull_batch("r", 10));
        h.append("s.a");
        let later = seqs(&h.c.stream_appended(h.now, &h.store));
        (first, later)
    };
    assert_eq!(start(|_| {}), (vec![1, 2, 3, 4], vec![5]));
    assert_eq!(
        start(|c| c.deliver_policy = DeliverPolicy::Last),
        (vec![4], vec![5])
    );
    assert_eq!(
        start(|c| c.deliver_policy = DeliverPolicy::New),
        (vec![], vec![5])
    );
    let by_seq = |c: &mut ConsumerConfig| {
        c.deliver_policy = DeliverPolicy::ByStartSequence;
        c.opt_start_seq = 3;
    };
    assert_eq!(start(by_seq), (vec![3, 4], vec![5]));
    let by_time = |c: &mut ConsumerConfig| {
        c.deliver_policy = DeliverPolicy::ByStartTime;
        c.opt_start_time = Some(Timestamp(T0 + SEC + 1));
    };
    assert_eq!(start(by_time), (vec![3, 4], vec![5]));
    let lps = |c: &mut ConsumerConfig| {
        c.deliver_policy = DeliverPolicy::LastPerSubject;
        c.filter_subject = "s.*".into();
    };
    assert_eq!(start(lps), (vec![2, 3, 4], vec![5]));
}

#[test]
fn last_per_subject_counts_pending_through_the_skip_list() {
    let config = config(|c| {
        c.deliver_policy = DeliverPolicy::LastPerSubject;
        c.filter_subjects = vec!["s.a".into(), "s.b".into()];
    });
    let mut h = Harness::with_messages(&["s.a", "s.b", "s.a", "s.c", "s.b"], config);
    assert_eq!(h.c.num_pending(&h.store), 2);
    let d = deliveries(&h.pull_batch("r", 1));
    assert_eq!((d[0].seq, d[0].tokens.pending), (3, 1));
    let d = deliveries(&h.pull_batch("r", 5));
    assert_eq!((d[0].seq, d[0].tokens.pending), (5, 0));
}

#[test]
fn filters_select_subjects() {
    let mut h = Harness::new(config(|c| {
        c.filter_subjects = vec!["s.a".into(), "s.c.>".into()]
    }));
    for subject in ["s.a", "s.b", "s.c.1", "s.b", "s.a"] {
        h.append(subject);
    }
    assert_eq!(h.c.num_pending(&h.store), 3);
    let d = deliveries(&h.pull_batch("r", 10));
    assert_eq!(d.iter().map(|d| d.seq).collect::<Vec<_>>(), [1, 3, 5]);
    assert_eq!(
        d.iter().map(|d| d.tokens.pending).collect::<Vec<_>>(),
        [2, 1, 0]
    );
    let mut single = Harness::new(config(|c| c.filter_subject = "s.b".into()));
    for subject in ["s.a", "s.b", "s.b"] {
        single.append(subject);
    }
    assert_eq!(seqs(&single.pull_batch("r", 10)), [2, 3]);
}

#[test]
fn headers_only_sends_size_instead_of_body() {
    let mut h = Harness::new(config(|c| c.headers_only = true));
    h.append("s.a");
    let out = h.pull_batch("r", 1);
    let Some(Effect::Deliver {
        msg,
        headers_only: true,
        ..
    }) = out.first()
    else {
        panic!("{out:?}")
    };
    assert_eq!(
        msg.headers.as_deref(),
        Some(&b"NATS/1.0\r\nNats-Msg-Size: 4\r\n\r\n"[..])
    );
    assert!(msg.payload.is_empty());
}

#[test]
fn replay_original_keeps_the_stored_gaps() {
    let mut store = MemStore::new();
    for (i, gap) in [0, 2 * SEC, 5 * SEC].iter().enumerate() {
        store
            .append(
                Bytes::from_static(b"s.a"),
                None,
                Bytes::new(),
                T0 + gap + i as i64,
            )
            .unwrap();
    }
    let mut h = Harness::with_store(
        store,
        config(|c| c.replay_policy = crate::jetstream::api::ReplayPolicy::Original),
    );
    assert_eq!(seqs(&h.pull_batch("r", 3)), [1]);
    assert_eq!(h.c.poll_timeout(), Some(T0 + 2 * SEC + 1));
    assert!(seqs(&h.advance(2 * SEC)).is_empty());
    assert_eq!(seqs(&h.advance(1)), [2]);
    assert_eq!(seqs(&h.advance(3 * SEC + 1)), [3]);
    // Caught up: new messages go out at once.
    h.now += 60 * SEC;
    h.append("s.a");
    assert_eq!(seqs(&h.pull_batch("r", 1)), [4]);
}

#[test]
fn restored_consumer_continues_and_redelivers_unacked() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 4);
    let d = deliveries(&h.pull_batch("r", 3));
    h.ack(&d[0].ack, "+ACK");
    h.now += SEC;
    h.restart();
    let info = h.c.info(h.now, &h.store);
    assert_eq!(
        (
            info.delivered.stream_seq,
            info.ack_floor.stream_seq,
            info.num_ack_pending
        ),
        (3, 1, 2)
    );
    assert_eq!(info.num_pending, 1);
    assert_eq!(seqs(&h.pull_batch("r", 1)), [4]);
    // 2 and 3 come back once their ack wait (from their delivery) is over.
    assert!(seqs(&h.advance(29 * SEC - 1)).is_empty());
    assert_eq!(h.c.poll_timeout(), Some(T0 + 30 * SEC));
    h.advance(1);
    let d = deliveries(&h.pull_batch("r", 5));
    assert_eq!(
        d.iter()
            .map(|d| (d.seq, d.tokens.delivered))
            .collect::<Vec<_>>(),
        [(2, 2), (3, 2)]
    );
    assert_eq!(d[0].tokens.consumer_seq, 5);
}

#[test]
fn info_reports_nats_counters() {
    let mut h = Harness::new(config(|c| c.max_deliver = 5));
    h.publish_n("s.a", 5);
    let d = deliveries(&h.pull_batch("r", 3));
    h.ack(&d[1].ack, "+ACK");
    h.ack(&d[0].ack, "-NAK");
    h.pull(
        "w",
        PullRequest {
            batch: 1,
            expires: 10 * SEC,
            ..PullRequest::default()
        },
    );
    let info = h.c.info(h.now, &h.store);
    assert_eq!((info.stream_name.as_str(), info.name.as_str()), ("S", "C"));
    assert_eq!(info.delivered.consumer_seq, 4);
    assert_eq!(info.ack_floor.stream_seq, 0);
    assert_eq!(
        (info.num_ack_pending, info.num_redelivered, info.num_pending),
        (2, 1, 2)
    );
    assert_eq!(info.num_waiting, 0);
    assert_eq!(info.delivered.last_active, Some(Timestamp(T0)));
    assert_eq!(info.ts, Timestamp(h.now));
    let json = serde_json::to_string(&info).unwrap();
    assert!(json.contains("\"num_ack_pending\":2"), "{json}");
}

#[test]
fn removed_and_purged_messages_leave_pending() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 4);
    h.pull_batch("r", 2);
    h.store.remove(1).unwrap();
    assert!(h.c.message_removed(1));
    assert_eq!(h.c.state().ack_floor, pair(1, 1));
    h.store.purge(&PurgeRequest::default()).unwrap();
    assert!(h.c.stream_purged(&h.store));
    assert!(h.c.state().pending.is_empty());
    assert_eq!(h.c.state().ack_floor.stream_seq, 4);
    assert_eq!(h.c.num_pending(&h.store), 0);
    h.append("s.a");
    assert_eq!(seqs(&h.pull_batch("r", 5)), [5]);
}
