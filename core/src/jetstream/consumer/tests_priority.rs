//! Priority group scenarios (overflow, pinned client, prioritized), unpin, abandoned
//! requests, and consumer reset.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::tests::*;
use super::*;
use crate::jetstream::api::{DeliverPolicy, PriorityPolicy, PullRequest, Timestamp};

fn policy(p: PriorityPolicy) -> impl FnOnce(&mut ConsumerConfig) {
    move |c: &mut ConsumerConfig| {
        c.priority_policy = p;
        c.priority_groups = vec![String::from("A")];
    }
}

fn grouped(batch: i64, edit: impl FnOnce(&mut PullRequest)) -> PullRequest {
    let mut req = PullRequest {
        batch,
        expires: 30 * SEC,
        group: String::from("A"),
        ..PullRequest::default()
    };
    edit(&mut req);
    req
}

fn s(to: &str, text: &str) -> (String, String) {
    (String::from(to), String::from(text))
}

/// The `Nats-Pin-Id` headers of the deliveries, in order (the last one of each message).
fn pin_headers(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Deliver { msg, .. } => {
                let block = msg.headers.as_deref().unwrap_or_default();
                let text = String::from_utf8_lossy(block);
                text.lines()
                    .rev()
                    .find_map(|l| l.strip_prefix("Nats-Pin-Id: "))
                    .map(String::from)
            }
            _ => None,
        })
        .collect()
}

fn pinned_ids(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Pinned { pin_id, .. } => Some(pin_id.clone()),
            _ => None,
        })
        .collect()
}

fn unpinned(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Unpinned { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect()
}

#[test]
fn overflow_serves_a_request_only_past_its_thresholds() {
    let mut h = Harness::new(config(policy(PriorityPolicy::Overflow)));
    h.publish_n("s.a", 5);
    let out = h.pull("low", grouped(10, |r| r.min_pending = 10));
    assert!(deliveries(&out).is_empty());
    let out = h.pull("acks", grouped(10, |r| r.min_ack_pending = 2));
    assert!(deliveries(&out).is_empty());
    assert_eq!(h.c.info(h.now, &h.store).num_waiting, 2);
    // Five more: from the tenth pending message on, "low" is served while 10 are pending.
    let out = h.publish_n("s.a", 5);
    let d = deliveries(&out);
    assert_eq!(d.iter().map(|d| d.to.as_str()).collect::<Vec<_>>(), ["low"]);
    // One pending ack now: a plain group request is served at once, and from the second
    // pending ack on "acks" qualifies too; "low" stays below its threshold.
    let d = deliveries(&h.pull("plain", grouped(2, |_| {})));
    let to: Vec<&str> = d.iter().map(|d| d.to.as_str()).collect();
    assert_eq!(to[0], "plain");
    assert!(to.contains(&"acks"), "{to:?}");
    assert!(!to.contains(&"low"), "{to:?}");
    assert_eq!(to.iter().filter(|t| **t == "plain").count(), 2);
}

#[test]
fn overflow_fields_are_refused_by_other_policies() {
    let mut h = Harness::new(config(policy(PriorityPolicy::PinnedClient)));
    let out = h.pull("r", grouped(1, |r| r.min_pending = 3));
    assert_eq!(
        statuses(&out),
        [s("r", "400 Bad Request - Not a Overflow Priority consumer")]
    );
    let mut h = Harness::new(config(policy(PriorityPolicy::Overflow)));
    let out = h.pull("r", grouped(1, |r| r.id = String::from("x")));
    assert_eq!(
        statuses(&out),
        [s(
            "r",
            "400 Bad Request - Not a Pinned Client Priority consumer"
        )]
    );
    let out = h.pull("r", grouped(1, |r| r.group = String::from("B")));
    assert_eq!(
        statuses(&out),
        [s("r", "400 Bad Request - Invalid Priority Group")]
    );
    let out = h.pull("r", grouped(1, |r| r.group = String::new()));
    assert_eq!(
        statuses(&out),
        [s("r", "400 Bad Request - Priority Group missing")]
    );
}

#[test]
fn a_plain_batch_body_skips_the_group_checks() {
    let mut h = Harness::new(config(policy(PriorityPolicy::Overflow)));
    h.publish_n("s.a", 2);
    let out =
        h.c.pull_body(h.now, Bytes::from_static(b"r"), b"2", &h.store);
    assert_eq!(seqs(&out), [1, 2]);
}

#[test]
fn the_first_request_is_pinned_and_every_delivery_carries_the_pin() {
    let mut h = Harness::new(config(policy(PriorityPolicy::PinnedClient)));
    h.publish_n("s.a", 2);
    let out = h.pull("a", grouped(5, |_| {}));
    let pins = pinned_ids(&out);
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0].len(), PIN_ID_LEN);
    assert_eq!(pin_headers(&out), [pins[0].clone(), pins[0].clone()]);
    let info = h.c.info(h.now, &h.store);
    assert_eq!(info.priority_groups[0].pinned_client_id, pins[0]);
    assert_eq!(info.priority_groups[0].pinned_ts, Timestamp(h.now));
    // The same request keeps its batch under the pin; a standby waits.
    assert!(deliveries(&h.pull("b", grouped(5, |_| {}))).is_empty());
    let d = deliveries(&h.publish_n("s.a", 3));
    assert!(d.iter().all(|d| d.to == "a"), "{d:?}");
    // Another id is refused at once while the pin is held.
    let out = h.pull("c", grouped(1, |r| r.id = String::from("other")));
    assert_eq!(statuses(&out), [s("c", "423 Nats-Pin-Id mismatch")]);
}

#[test]
fn a_pin_lapses_without_pulls_and_a_standby_takes_over() {
    let mut h = Harness::new(config(|c| {
        policy(PriorityPolicy::PinnedClient)(c);
        c.priority_timeout = 3 * SEC;
    }));
    h.publish("s.a");
    let first = pinned_ids(&h.pull("a", grouped(1, |r| r.expires = 0)))[0].clone();
    // Pulls carrying the pin keep it past the timeout.
    for _ in 0..3 {
        h.advance(2 * SEC);
        let out = h.pull("a", grouped(1, |r| r.id = first.clone()));
        assert!(statuses(&out).is_empty());
    }
    assert_eq!(h.c.pin_id(), Some(first.as_str()));
    // The standby waits; the pinned request is served.
    assert!(h.pull("b", grouped(10, |_| {})).is_empty());
    let d = deliveries(&h.publish("s.a"));
    assert_eq!(d[0].to, "a");
    // Three seconds without a pull from "a": the pin goes, the standby gets a new one.
    let out = h.advance(3 * SEC);
    assert_eq!(unpinned(&out), ["timeout"]);
    let out = h.publish("s.a");
    let second = pinned_ids(&out);
    assert_eq!(second.len(), 1);
    assert_ne!(second[0], first);
    assert_eq!(deliveries(&out)[0].to, "b");
    assert_eq!(pin_headers(&out), second);
}

#[test]
fn a_stale_pin_is_told_423_when_a_message_comes() {
    let mut h = Harness::new(config(policy(PriorityPolicy::PinnedClient)));
    h.publish("s.a");
    let pin = pinned_ids(&h.pull("a", grouped(1, |_| {})))[0].clone();
    let out = h.c.unpin(h.now, "A", &h.store).unwrap();
    assert_eq!(unpinned(&out), ["admin"]);
    assert_eq!(
        h.c.info(h.now, &h.store).priority_groups[0].pinned_client_id,
        ""
    );
    assert_eq!(
        h.c.unpin(h.now, "B", &h.store),
        Err(UnpinError::UnknownGroup)
    );
    // A request still holding the old pin is queued, then ended when a message comes.
    assert!(h.pull("a", grouped(4, |r| r.id = pin.clone())).is_empty());
    assert!(h.pull("b", grouped(4, |_| {})).is_empty());
    let out = h.publish("s.a");
    assert_eq!(statuses(&out), [s("a", "423 Nats-Wrong-Pin-Id")]);
    assert_eq!(
        status_headers(&out, 423),
        [
            (String::from("Nats-Pending-Messages"), String::from("4")),
            (String::from("Nats-Pending-Bytes"), String::from("0"))
        ]
    );
    assert_eq!(deliveries(&out)[0].to, "b");
    assert_eq!(pinned_ids(&out).len(), 1);
}

#[test]
fn prioritized_requests_are_served_lowest_priority_first() {
    let mut h = Harness::new(config(policy(PriorityPolicy::Prioritized)));
    h.pull("p5", grouped(3, |r| r.priority = 5));
    h.pull("p1", grouped(2, |r| r.priority = 1));
    h.pull("p1b", grouped(2, |r| r.priority = 1));
    h.pull("p0", grouped(1, |_| {}));
    let d = deliveries(&h.publish_n("s.a", 8));
    let to: Vec<&str> = d.iter().map(|d| d.to.as_str()).collect();
    assert_eq!(to, ["p0", "p1", "p1b", "p1", "p1b", "p5", "p5", "p5"]);
    let out = h.pull("r", grouped(1, |r| r.priority = 10));
    assert_eq!(
        statuses(&out),
        [s("r", "400 Bad Request - Priority must be between 0 and 9")]
    );
}

#[test]
fn requests_nobody_listens_to_are_dropped() {
    let mut h = Harness::new(config(policy(PriorityPolicy::PinnedClient)));
    h.publish("s.a");
    h.pull("gone", grouped(5, |_| {}));
    h.pull("alive", grouped(5, |_| {}));
    assert_eq!(h.c.drop_waiting_without_interest(|r| r == b"alive"), 1);
    assert_eq!(h.c.info(h.now, &h.store).num_waiting, 1);
    assert_eq!(h.c.drop_waiting_without_interest(|_| true), 0);
}

#[test]
fn reset_moves_the_consumer_and_forgets_pending() {
    let mut h = Harness::with_messages(&["s.a"; 5], config(|_| {}));
    assert_eq!(seqs(&h.pull_batch("r", 2)), [1, 2]);
    let (seq, out) = h.c.reset(h.now, 4, &h.store).unwrap();
    assert_eq!(seq, 4);
    assert!(out.contains(&Effect::StateChanged));
    let state = h.c.state();
    assert_eq!((state.delivered, state.ack_floor), (pair(0, 3), pair(0, 3)));
    assert!(state.pending.is_empty());
    assert_eq!(h.c.info(h.now, &h.store).num_pending, 2);
    let d = deliveries(&h.pull_batch("r", 5));
    assert_eq!(d.iter().map(|d| d.seq).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(d[0].tokens.consumer_seq, 1);
    // Zero goes back to just above the ack floor (still 3: nothing acked since); the
    // request still waiting (3 of 5 left) is served from there.
    let (seq, out) = h.c.reset(h.now, 0, &h.store).unwrap();
    assert_eq!((seq, seqs(&out)), (4, vec![4, 5]));
    // Backwards is fine for deliver all.
    let (seq, out) = h.c.reset(h.now, 1, &h.store).unwrap();
    assert_eq!((seq, seqs(&out)), (1, vec![1]));
    assert_eq!(seqs(&h.pull_batch("r", 10)), [2, 3, 4, 5]);
}

#[test]
fn reset_respects_the_configured_start() {
    let by_seq = config(|c| {
        c.deliver_policy = DeliverPolicy::ByStartSequence;
        c.opt_start_seq = 3;
    });
    let mut h = Harness::with_messages(&["s.a"; 5], by_seq);
    assert_eq!(
        h.c.reset(h.now, 2, &h.store).unwrap_err(),
        ResetError::BelowStartSeq
    );
    assert_eq!(h.c.reset(h.now, 3, &h.store).unwrap().0, 3);
    let last = config(|c| c.deliver_policy = DeliverPolicy::Last);
    let mut h = Harness::with_messages(&["s.a"; 5], last);
    assert_eq!(
        h.c.reset(h.now, 2, &h.store).unwrap_err(),
        ResetError::NotAllowed
    );
    assert_eq!(h.c.reset(h.now, 0, &h.store).unwrap().0, 5);
    let by_time = config(|c| {
        c.deliver_policy = DeliverPolicy::ByStartTime;
        c.opt_start_time = Some(Timestamp(T0 + 2 * SEC));
    });
    let mut h = Harness::with_messages(&["s.a"; 5], by_time);
    assert_eq!(
        h.c.reset(h.now, 2, &h.store).unwrap_err(),
        ResetError::BelowStartTime
    );
    assert_eq!(h.c.reset(h.now, 3, &h.store).unwrap().0, 3);
    assert_eq!(ResetError::BelowStartSeq.to_string(), "below start seq");
}

#[test]
fn reset_survives_a_restart() {
    let mut h = Harness::with_messages(&["s.a"; 5], config(|_| {}));
    h.c.reset(h.now, 4, &h.store).unwrap();
    h.restart();
    assert_eq!(seqs(&h.pull_batch("r", 5)), [4, 5]);
}
