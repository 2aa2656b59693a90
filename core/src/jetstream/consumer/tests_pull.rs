//! Pull request scenarios: sharing, no_wait, expiry, limits, byte budgets, heartbeats and
//! every status reply's exact text.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::tests::*;
use crate::jetstream::api::PullRequest;

fn req(batch: i64, expires: i64) -> PullRequest {
    PullRequest {
        batch,
        expires,
        ..PullRequest::default()
    }
}

fn s(to: &str, text: &str) -> (String, String) {
    (String::from(to), String::from(text))
}

fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (String::from(*k), String::from(*v)))
        .collect()
}

#[test]
fn two_waiting_requests_split_messages_disjointly_and_cover_all() {
    let mut h = Harness::new(config(|_| {}));
    assert!(h.pull("a", req(10, 30 * SEC)).is_empty());
    assert!(h.pull("b", req(10, 30 * SEC)).is_empty());
    let d = deliveries(&h.publish_n("s.a", 12));
    let to: Vec<&str> = d.iter().map(|d| d.to.as_str()).collect();
    assert_eq!(to[..4], ["a", "b", "a", "b"]);
    let a: BTreeSet<u64> = d.iter().filter(|d| d.to == "a").map(|d| d.seq).collect();
    let b: BTreeSet<u64> = d.iter().filter(|d| d.to == "b").map(|d| d.seq).collect();
    assert!(a.is_disjoint(&b));
    assert_eq!(
        a.union(&b).copied().collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
    assert_eq!((a.len(), b.len()), (6, 6));
}

#[test]
fn two_workers_on_a_backlog_get_disjoint_batches() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 7);
    let first = seqs(&h.pull_batch("w1", 3));
    let second = seqs(&h.pull_batch("w2", 3));
    let third = seqs(&h.pull_batch("w1", 3));
    assert_eq!(
        (first, second, third),
        (vec![1, 2, 3], vec![4, 5, 6], vec![7])
    );
}

#[test]
fn no_wait_answers_404_when_nothing_is_there() {
    let mut h = Harness::new(config(|_| {}));
    let no_wait = PullRequest {
        batch: 5,
        no_wait: true,
        ..PullRequest::default()
    };
    assert_eq!(
        statuses(&h.pull("r", no_wait.clone())),
        [s("r", "404 No Messages")]
    );
    assert_eq!(h.c.info(h.now, &h.store).num_waiting, 0);
    h.publish_n("s.a", 2);
    let out = h.pull("r", no_wait);
    assert_eq!(seqs(&out), [1, 2]);
    assert_eq!(statuses(&out), [s("r", "404 No Messages")]);
}

#[test]
fn no_wait_with_expires_waits_for_one_batch() {
    let mut h = Harness::new(config(|_| {}));
    let one_shot = PullRequest {
        batch: 5,
        no_wait: true,
        expires: 5 * SEC,
        ..PullRequest::default()
    };
    assert!(h.pull("r", one_shot.clone()).is_empty());
    let out = h.publish("s.a");
    assert_eq!(
        (seqs(&out), statuses(&out)),
        (vec![1], vec![s("r", "404 No Messages")])
    );
    assert!(h.pull("q", one_shot).is_empty());
    let out = h.advance(5 * SEC);
    assert_eq!(statuses(&out), [s("q", "408 Request Timeout")]);
    assert_eq!(
        status_headers(&out, 408),
        hdrs(&[("Nats-Pending-Messages", "5"), ("Nats-Pending-Bytes", "0")])
    );
}

#[test]
fn no_wait_behind_requests_that_want_it_all_gets_408_requests_pending() {
    let mut h = Harness::new(config(|c| c.max_ack_pending = 1));
    h.publish_n("s.a", 3);
    assert_eq!(seqs(&h.pull("a", req(5, 30 * SEC))), [1]);
    let no_wait = PullRequest {
        batch: 1,
        no_wait: true,
        ..PullRequest::default()
    };
    assert_eq!(
        statuses(&h.pull("b", no_wait)),
        [s("b", "408 Requests Pending")]
    );
}

#[test]
fn expired_requests_get_408_with_what_was_left() {
    let mut h = Harness::new(config(|_| {}));
    h.publish("s.a");
    assert_eq!(
        seqs(&h.pull(
            "r",
            PullRequest {
                batch: 3,
                expires: 2 * SEC,
                max_bytes: 1000,
                ..Default::default()
            }
        )),
        [1]
    );
    assert_eq!(h.c.poll_timeout(), Some(T0 + 2 * SEC));
    let out = h.advance(2 * SEC);
    assert_eq!(statuses(&out), [s("r", "408 Request Timeout")]);
    let left = status_headers(&out, 408);
    assert_eq!(
        left[0],
        (String::from("Nats-Pending-Messages"), String::from("2"))
    );
    assert_eq!(left[1].0, "Nats-Pending-Bytes");
    assert!(left[1].1.parse::<i64>().unwrap() < 1000);
}

#[test]
fn full_wait_queue_answers_409_unless_heartbeats_were_asked() {
    let mut h = Harness::new(config(|c| c.max_waiting = 2));
    h.pull("a", req(1, 10 * SEC));
    h.pull("b", req(1, 10 * SEC));
    assert_eq!(
        statuses(&h.pull("c", req(1, 10 * SEC))),
        [s("c", "409 Exceeded MaxWaiting")]
    );
    let hb = PullRequest {
        batch: 1,
        expires: 10 * SEC,
        idle_heartbeat: SEC,
        ..PullRequest::default()
    };
    assert!(h.pull("d", hb).is_empty());
    assert_eq!(h.c.info(h.now, &h.store).num_waiting, 2);
    // Expired requests make room.
    h.now += 10 * SEC;
    let out = h.pull("e", req(1, 10 * SEC));
    assert_eq!(
        statuses(&out),
        [s("a", "408 Request Timeout"), s("b", "408 Request Timeout")]
    );
    assert_eq!(h.c.info(h.now, &h.store).num_waiting, 1);
}

#[test]
fn request_limits_from_the_config_answer_409() {
    let mut h = Harness::new(config(|c| {
        c.max_batch = 5;
        c.max_expires = 2 * SEC;
        c.max_bytes = 100;
    }));
    assert_eq!(
        statuses(&h.pull_batch("r", 6)),
        [s("r", "409 Exceeded MaxRequestBatch of 5")]
    );
    assert_eq!(
        statuses(&h.pull("r", req(1, 3 * SEC))),
        [s("r", "409 Exceeded MaxRequestExpires of 2s")]
    );
    let big = PullRequest {
        batch: 1,
        max_bytes: 200,
        ..PullRequest::default()
    };
    assert_eq!(
        statuses(&h.pull("r", big)),
        [s("r", "409 Exceeded MaxRequestMaxBytes of 100")]
    );
    assert!(h.pull("r", req(5, 2 * SEC)).is_empty());
}

#[test]
fn byte_budgets_end_requests_like_nats_server() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 3);
    // One message's size on the wire (subject + ack reply + body).
    let size = {
        let mut probe = Harness::new(config(|_| {}));
        probe.publish_n("s.a", 3);
        let d = deliveries(&probe.pull_batch("r", 1));
        (3 + d[0].ack.len() + 4) as i64
    };
    let tiny = PullRequest {
        batch: 2,
        max_bytes: size - 1,
        ..PullRequest::default()
    };
    let out = h.pull("tiny", tiny);
    assert!(seqs(&out).is_empty());
    assert_eq!(
        statuses(&out),
        [s("tiny", "409 Message Size Exceeds MaxBytes")]
    );
    let left = alloc::format!("{}", size - 1);
    assert_eq!(
        status_headers(&out, 409),
        hdrs(&[
            ("Nats-Pending-Messages", "2"),
            ("Nats-Pending-Bytes", &left)
        ])
    );
    // Exactly one message's worth: one message, no status.
    let exact = PullRequest {
        batch: 10,
        max_bytes: size,
        ..PullRequest::default()
    };
    let out = h.pull("exact", exact);
    assert_eq!((seqs(&out), statuses(&out)), (vec![1], vec![]));
    // Batch done with budget left: 409 Batch Completed with what was left.
    let roomy = PullRequest {
        batch: 1,
        max_bytes: 10 * size,
        ..PullRequest::default()
    };
    let out = h.pull("roomy", roomy);
    assert_eq!(
        (seqs(&out), statuses(&out)),
        (vec![2], vec![s("roomy", "409 Batch Completed")])
    );
    let left = alloc::format!("{}", 9 * size);
    assert_eq!(
        status_headers(&out, 409),
        hdrs(&[
            ("Nats-Pending-Messages", "0"),
            ("Nats-Pending-Bytes", &left)
        ])
    );
}

#[test]
fn a_message_too_big_for_one_request_goes_to_the_next() {
    let mut h = Harness::new(config(|_| {}));
    h.pull(
        "small",
        PullRequest {
            batch: 5,
            expires: 10 * SEC,
            max_bytes: 10,
            ..PullRequest::default()
        },
    );
    h.pull("big", req(5, 10 * SEC));
    let out = h.publish("s.a");
    assert_eq!(
        statuses(&out),
        [s("small", "409 Message Size Exceeds MaxBytes")]
    );
    assert_eq!(deliveries(&out)[0].to, "big");
}

#[test]
fn pull_requests_get_idle_heartbeats() {
    let mut h = Harness::new(config(|_| {}));
    h.publish("s.a");
    h.pull_batch("r", 1);
    let hb = PullRequest {
        batch: 2,
        expires: 10 * SEC,
        idle_heartbeat: 2 * SEC,
        ..PullRequest::default()
    };
    h.pull("w", hb);
    let out = h.advance(2 * SEC);
    assert_eq!(statuses(&out), [s("w", "100 Idle Heartbeat")]);
    assert_eq!(
        status_headers(&out, 100),
        hdrs(&[("Nats-Last-Consumer", "1"), ("Nats-Last-Stream", "1")])
    );
    assert_eq!(
        statuses(&h.advance(2 * SEC)),
        [s("w", "100 Idle Heartbeat")]
    );
    // A delivery restarts the heartbeat timer.
    h.now += SEC;
    assert_eq!(seqs(&h.publish("s.a")), [2]);
    assert!(statuses(&h.advance(SEC)).is_empty());
}

#[test]
fn bad_requests_get_400_and_push_consumers_409() {
    let mut h = Harness::new(config(|_| {}));
    let too_often = PullRequest {
        batch: 1,
        expires: 10 * SEC,
        idle_heartbeat: 6 * SEC,
        ..PullRequest::default()
    };
    assert_eq!(
        statuses(&h.pull("r", too_often)),
        [s("r", "400 Bad Request - heartbeat value too large")]
    );
    let out = h.c.pull_body(
        h.now,
        Bytes::from_static(b"r"),
        br#"{"batch":"x"}"#,
        &h.store,
    );
    assert!(
        statuses(&out)[0].1.starts_with("400 Bad Request - "),
        "{out:?}"
    );
    let out = h.c.pull_body(
        h.now,
        Bytes::from_static(b"r"),
        br#"{"batch":1,"priority":12}"#,
        &h.store,
    );
    assert_eq!(
        statuses(&out),
        [s("r", "400 Bad Request - Priority must be between 0 and 9")]
    );
    let out =
        h.c.pull_body(h.now, Bytes::from_static(b"r"), b"3", &h.store);
    assert!(out.is_empty());
    assert_eq!(h.c.info(h.now, &h.store).num_waiting, 1);
    let mut push = Harness::new(config(|c| c.deliver_subject = "deliver".into()));
    assert_eq!(
        statuses(&push.pull_batch("r", 1)),
        [s("r", "409 Consumer is push based")]
    );
}

#[test]
fn deleting_the_consumer_releases_waiting_requests() {
    let mut h = Harness::new(config(|_| {}));
    h.pull("a", req(1, 10 * SEC));
    assert_eq!(statuses(&h.c.delete()), [s("a", "409 Consumer Deleted")]);
    assert_eq!(h.c.poll_timeout(), None);
}
