//! Push scenarios: interest, idle heartbeats, flow control; and inactivity of ephemerals.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::tests::*;
use super::*;
use crate::jetstream::api::PullRequest;

fn push(edit: impl FnOnce(&mut ConsumerConfig)) -> Harness {
    Harness::new(config(|c| {
        c.deliver_subject = "dlv".into();
        edit(c);
    }))
}

fn activate(h: &mut Harness, active: bool) -> Vec<Effect> {
    h.c.set_push_active(h.now, active, &h.store)
}

#[test]
fn push_delivers_while_the_deliver_subject_has_interest() {
    let mut h = push(|c| c.ack_wait = 5 * SEC);
    assert!(seqs(&h.publish_n("s.a", 2)).is_empty());
    let d = deliveries(&activate(&mut h, true));
    assert_eq!(
        d.iter().map(|d| (d.to.as_str(), d.seq)).collect::<Vec<_>>(),
        [("dlv", 1), ("dlv", 2)]
    );
    assert_eq!(seqs(&h.publish("s.a")), [3]);
    assert!(h.c.info(h.now, &h.store).push_bound);
    h.ack(&d[0].ack, "+ACK");
    activate(&mut h, false);
    assert!(seqs(&h.publish("s.a")).is_empty());
    // Unacked ones wait for interest, then come first.
    h.advance(5 * SEC);
    let out = activate(&mut h, true);
    assert_eq!(
        deliveries(&out)
            .iter()
            .map(|d| (d.seq, d.tokens.delivered))
            .collect::<Vec<_>>(),
        [(2, 2), (3, 2), (4, 1)]
    );
}

#[test]
fn push_idle_heartbeats_report_the_last_sequences() {
    let mut h = push(|c| c.idle_heartbeat = 5 * SEC);
    activate(&mut h, true);
    h.publish("s.a");
    let out = h.advance(5 * SEC);
    assert_eq!(
        statuses(&out),
        [(String::from("dlv"), String::from("100 Idle Heartbeat"))]
    );
    let expect = vec![
        (String::from("Nats-Last-Consumer"), String::from("1")),
        (String::from("Nats-Last-Stream"), String::from("1")),
    ];
    assert_eq!(status_headers(&out, 100), expect);
    // A delivery restarts the timer; no interest, no heartbeat.
    h.advance(3 * SEC);
    h.publish("s.a");
    assert!(statuses(&h.advance(4 * SEC)).is_empty());
    activate(&mut h, false);
    assert!(statuses(&h.advance(10 * SEC)).is_empty());
}

#[test]
fn flow_control_pauses_delivery_until_the_reply() {
    let mut h = push(|c| {
        c.flow_control = true;
        c.idle_heartbeat = 5 * SEC;
        c.ack_policy = AckPolicy::None;
    });
    h.c.set_flow_control_limit(16 * 1000);
    activate(&mut h, true);
    let out = h.publish_n("s.a", 40);
    let sent = seqs(&out).len();
    assert!(sent > 10 && sent < 40, "{sent}");
    let requests: Vec<&Option<String>> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Status {
                code: 100,
                description,
                reply,
                ..
            } if description == "FlowControl Request" => Some(reply),
            _ => None,
        })
        .collect();
    assert_eq!(requests, [&Some(String::from("$JS.FC.S.C.1"))]);
    // Stalled: heartbeats say on what.
    let hb = h.advance(5 * SEC);
    assert!(status_headers(&hb, 100).contains(&(
        String::from("Nats-Consumer-Stalled"),
        String::from("$JS.FC.S.C.1")
    )));
    assert!(h
        .c
        .flow_control_reply(h.now, b"$JS.FC.S.C.0", &h.store)
        .is_empty());
    let out = h.c.flow_control_reply(h.now, b"$JS.FC.S.C.1", &h.store);
    assert_eq!(seqs(&out).first(), Some(&(sent as u64 + 1)));
}

#[test]
fn ephemeral_push_consumer_without_interest_goes_inactive() {
    let mut h = Harness::new(
        ConsumerConfig {
            deliver_subject: "dlv".into(),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        }
        .normalize(&stream_config())
        .unwrap(),
    );
    assert_eq!(h.c.config().inactive_threshold, 5 * SEC);
    activate(&mut h, true);
    assert!(h.advance(60 * SEC).is_empty());
    activate(&mut h, false);
    assert!(!h.advance(5 * SEC - 1).contains(&Effect::Inactive));
    assert_eq!(h.advance(1), [Effect::Inactive]);
    assert!(h.advance(60 * SEC).is_empty());
}

#[test]
fn ephemeral_pull_consumer_stays_while_asked_and_goes_when_idle() {
    let mut h = Harness::new(
        ConsumerConfig {
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        }
        .normalize(&stream_config())
        .unwrap(),
    );
    h.advance(4 * SEC);
    h.pull(
        "r",
        PullRequest {
            batch: 1,
            expires: 30 * SEC,
            ..PullRequest::default()
        },
    );
    // Alive while the request waits (it expires at T0 + 34s), then for the threshold.
    let out = h.advance(30 * SEC);
    assert_eq!(
        statuses(&out),
        [(String::from("r"), String::from("408 Request Timeout"))]
    );
    assert!(!h.advance(5 * SEC - 1).contains(&Effect::Inactive));
    assert_eq!(h.advance(1), [Effect::Inactive]);
}

#[test]
fn big_backlogs_go_out_in_bounded_calls() {
    let mut h = push(|c| c.ack_policy = AckPolicy::None);
    let total = DELIVERIES_PER_CALL_MAX * 2 + 10;
    for _ in 0..total {
        h.append("s.a");
    }
    let first = activate(&mut h, true);
    assert_eq!(seqs(&first).len(), DELIVERIES_PER_CALL_MAX);
    assert_eq!(h.c.poll_timeout(), Some(h.now));
    let mut all = seqs(&first);
    while let Some(at) = h.c.poll_timeout().filter(|at| *at <= h.now) {
        all.extend(seqs(&h.c.handle_timeout(at, &h.store)));
    }
    assert_eq!(all, (1..=total as u64).collect::<Vec<_>>());
    assert_eq!(h.c.poll_timeout(), None);
}

#[test]
fn a_new_deliver_subject_gets_the_unacked_again() {
    let mut h = push(|_| {});
    activate(&mut h, true);
    h.publish_n("s.a", 2);
    let new = config(|c| c.deliver_subject = "other".into());
    assert!(seqs(&h.c.update_config(h.now, new, &h.store)).is_empty());
    let d = deliveries(&activate(&mut h, true));
    let got: Vec<(&str, u64, u64)> = d
        .iter()
        .map(|d| (d.to.as_str(), d.seq, d.tokens.delivered))
        .collect();
    assert_eq!(got, [("other", 1, 2), ("other", 2, 2)]);
}
