//! Ack scenarios: redelivery after ack_wait, backoff, NAK (with delay), WPI, TERM,
//! max_deliver, max_ack_pending, ack policies all and none, +NXT, AckSync, the ack floor.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::tests::*;
use super::*;
use crate::jetstream::api::PullRequest;

fn req(batch: i64, expires: i64) -> PullRequest {
    PullRequest {
        batch,
        expires,
        ..PullRequest::default()
    }
}

/// Deliveries as `(stream seq, delivered count)`.
fn seq_dc(effects: &[Effect]) -> Vec<(u64, u64)> {
    deliveries(effects)
        .iter()
        .map(|d| (d.seq, d.tokens.delivered))
        .collect()
}

#[test]
fn unacked_message_is_redelivered_after_ack_wait_with_delivered_count_2() {
    let mut h = Harness::new(config(|c| c.ack_wait = 5 * SEC));
    h.publish("s.a");
    assert_eq!(seq_dc(&h.pull("r", req(1, 60 * SEC))), [(1, 1)]);
    h.pull("r2", req(1, 60 * SEC));
    assert!(h.advance(5 * SEC - 1).is_empty());
    let d = deliveries(&h.advance(1));
    assert_eq!(
        (d[0].to.as_str(), d[0].ack.clone()),
        ("r2", alloc::format!("$JS.ACK.S.C.2.1.2.{T0}.0"))
    );
    assert_eq!(h.c.info(h.now, &h.store).num_redelivered, 1);
    let out = h.ack(&d[0].ack, "+ACK");
    assert_eq!(acked(&out), [1]);
    assert_eq!(h.c.state().ack_floor, pair(2, 1));
    assert_eq!(h.c.info(h.now, &h.store).num_redelivered, 0);
}

#[test]
fn redeliveries_go_first_oldest_first() {
    let mut h = Harness::new(config(|c| c.ack_wait = 5 * SEC));
    h.publish_n("s.a", 3);
    h.pull_batch("r", 3);
    h.append("s.a");
    h.advance(5 * SEC);
    assert_eq!(
        seq_dc(&h.pull_batch("r", 10)),
        [(1, 2), (2, 2), (3, 2), (4, 1)]
    );
}

#[test]
fn nak_redelivers_at_once_before_new_messages() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 3);
    let d = deliveries(&h.pull_batch("r", 2));
    assert!(h.ack(&d[0].ack, "-NAK").is_empty());
    assert_eq!(seq_dc(&h.pull_batch("r", 2)), [(1, 2), (3, 1)]);
}

#[test]
fn nak_with_delay_waits_that_long() {
    for nak in ["-NAK {\"delay\": 2000000000}", "-NAK 2s"] {
        let mut h = Harness::new(config(|_| {}));
        h.publish("s.a");
        let d = deliveries(&h.pull_batch("r", 1));
        h.ack(&d[0].ack, nak);
        h.pull("r", req(1, 60 * SEC));
        assert!(seqs(&h.advance(2 * SEC - 1)).is_empty(), "{nak}");
        assert_eq!(seq_dc(&h.advance(1)), [(1, 2)], "{nak}");
    }
}

#[test]
fn progress_restarts_the_ack_timer() {
    let mut h = Harness::new(config(|c| c.ack_wait = 10 * SEC));
    h.publish("s.a");
    let d = deliveries(&h.pull_batch("r", 1));
    h.pull("r", req(1, 60 * SEC));
    h.advance(8 * SEC);
    h.ack(&d[0].ack, "+WPI");
    assert!(seqs(&h.advance(10 * SEC - 1)).is_empty());
    assert_eq!(seq_dc(&h.advance(1)), [(1, 2)]);
}

#[test]
fn term_stops_redelivery_and_acks() {
    let mut h = Harness::new(config(|c| c.ack_wait = SEC));
    h.publish("s.a");
    let d = deliveries(&h.pull_batch("r", 1));
    let out = h.ack(&d[0].ack, "+TERM bad data");
    assert_eq!(acked(&out), [1]);
    assert!(out.contains(&Effect::Terminated {
        stream_seq: 1,
        deliveries: 1,
        reason: String::from("bad data")
    }));
    h.pull("r", req(1, 60 * SEC));
    assert!(seqs(&h.advance(10 * SEC)).is_empty());
    assert!(h.c.state().pending.is_empty());
}

#[test]
fn max_deliver_stops_redelivery() {
    let mut h = Harness::new(config(|c| {
        c.ack_wait = SEC;
        c.max_deliver = 2;
    }));
    h.publish("s.a");
    h.pull("r", req(10, 60 * SEC));
    assert_eq!(seq_dc(&h.advance(SEC)), [(1, 2)]);
    let out = h.advance(SEC);
    assert!(seqs(&out).is_empty());
    assert!(out.contains(&Effect::MaxDeliveriesReached {
        stream_seq: 1,
        deliveries: 2
    }));
    assert!(
        acked(&out).is_empty(),
        "nats-server keeps given-up messages in interest streams"
    );
    assert!(seqs(&h.advance(10 * SEC)).is_empty());
    let info = h.c.info(h.now, &h.store);
    assert_eq!((info.num_ack_pending, info.num_redelivered), (0, 1));
    assert_eq!(
        info.ack_floor,
        crate::jetstream::api::SequenceInfo {
            consumer_seq: 2,
            stream_seq: 1,
            last_active: None
        }
    );
    // A late ack still releases it.
    assert_eq!(
        acked(&h.ack(&alloc::format!("$JS.ACK.S.C.2.1.2.{T0}.0"), "+ACK")),
        [1]
    );
    assert_eq!(h.c.info(h.now, &h.store).num_redelivered, 0);
}

#[test]
fn max_deliver_one_reports_no_redeliveries() {
    let mut h = Harness::new(config(|c| {
        c.ack_wait = SEC;
        c.max_deliver = 1;
    }));
    h.publish("s.a");
    h.pull("r", req(10, 60 * SEC));
    let out = h.advance(SEC);
    assert!(out.contains(&Effect::MaxDeliveriesReached {
        stream_seq: 1,
        deliveries: 1
    }));
    assert_eq!(h.c.info(h.now, &h.store).num_redelivered, 0);
}

#[test]
fn backoff_spaces_redeliveries_and_repeats_its_last_value() {
    let mut h = Harness::new(config(|c| {
        c.backoff = vec![SEC, 5 * SEC, 10 * SEC];
        c.max_deliver = 5;
    }));
    h.publish("s.a");
    h.pull("r", req(10, 100 * SEC));
    let mut at = Vec::new();
    for _ in 0..40 {
        if !seqs(&h.advance(SEC)).is_empty() {
            at.push((h.now - T0) / SEC);
        }
    }
    assert_eq!(at, [1, 6, 16, 26]);
}

#[test]
fn max_ack_pending_stalls_until_acks_come_in() {
    let mut h = Harness::new(config(|c| c.max_ack_pending = 2));
    h.publish_n("s.a", 5);
    let d = deliveries(&h.pull("r", req(5, 60 * SEC)));
    assert_eq!(d.iter().map(|d| d.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(seqs(&h.ack(&d[0].ack, "+ACK")), [3]);
    assert!(h.c.state().pending.len() <= 2);
    let out = h.ack(&d[1].ack, "+ACK");
    assert_eq!(seqs(&out), [4]);
    assert_eq!(h.c.num_pending(&h.store), 1);
}

#[test]
fn ack_floor_moves_like_nats_server() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 4);
    let d = deliveries(&h.pull_batch("r", 4));
    h.ack(&d[2].ack, "+ACK");
    assert_eq!(h.c.state().ack_floor, pair(0, 0));
    h.ack(&d[0].ack, "+ACK");
    assert_eq!(h.c.state().ack_floor, pair(1, 1));
    h.ack(&d[1].ack, "+ACK");
    assert_eq!(h.c.state().ack_floor, pair(3, 3));
    h.ack(&d[3].ack, "+ACK");
    assert_eq!(h.c.state().ack_floor, pair(4, 4));
}

#[test]
fn ack_all_acks_everything_below() {
    let mut h = Harness::new(config(|c| c.ack_policy = AckPolicy::All));
    h.publish_n("s.a", 4);
    let d = deliveries(&h.pull_batch("r", 4));
    let out = h.ack(&d[2].ack, "+ACK");
    assert_eq!(acked(&out), [1, 2, 3]);
    assert_eq!(h.c.state().ack_floor, pair(3, 3));
    assert_eq!(h.c.state().pending.keys().copied().collect::<Vec<_>>(), [4]);
    assert!(acked(&h.ack(&d[1].ack, "+ACK")).is_empty());
    h.ack(&d[3].ack, "+ACK");
    assert_eq!(h.c.state().ack_floor, pair(4, 4));
    assert!(h.c.state().pending.is_empty());
}

#[test]
fn ack_none_needs_no_acks() {
    let mut h = Harness::new(config(|c| c.ack_policy = AckPolicy::None));
    h.publish_n("s.a", 2);
    let out = h.pull_batch("r", 2);
    assert_eq!(acked(&out), [1, 2]);
    assert!(h.c.state().pending.is_empty());
    assert_eq!(h.c.state().ack_floor, pair(2, 2));
    let d = deliveries(&out);
    assert!(h.ack_sync(&d[0].ack, "+ACK", "sync").is_empty());
    assert_eq!(h.c.poll_timeout(), None);
}

#[test]
fn next_acks_and_pulls_on_the_ack_reply() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 4);
    let d = deliveries(&h.pull_batch("r", 1));
    let out = h.ack_sync(&d[0].ack, "+NXT", "r2");
    assert_eq!(acked(&out), [1]);
    assert_eq!(
        deliveries(&out)
            .iter()
            .map(|d| (d.to.as_str(), d.seq))
            .collect::<Vec<_>>(),
        [("r2", 2)]
    );
    assert!(!out.iter().any(|e| matches!(e, Effect::AckDone { .. })));
    let d = deliveries(&out);
    let out = h.ack_sync(&d[0].ack, "+NXT {\"batch\":2}", "r3");
    assert_eq!(seqs(&out), [3, 4]);
}

#[test]
fn ack_sync_is_answered_once_processed() {
    let mut h = Harness::new(config(|_| {}));
    h.publish_n("s.a", 2);
    let d = deliveries(&h.pull_batch("r", 1));
    let done = Effect::AckDone {
        to: bytes::Bytes::from_static(b"sync"),
    };
    assert!(h.ack_sync(&d[0].ack, "-NAK", "sync").contains(&done));
    assert!(h.ack_sync(&d[0].ack, "+ACK", "sync").contains(&done));
    // Not delivered yet (stream seq 2), another consumer's, or not an ack subject: ignored.
    let future = alloc::format!("$JS.ACK.S.C.1.2.2.{T0}.0");
    assert!(h.ack_sync(&future, "+ACK", "sync").is_empty());
    assert!(h
        .ack_sync(&alloc::format!("$JS.ACK.S.D.1.1.1.{T0}.0"), "+ACK", "sync")
        .is_empty());
    assert!(h.ack_sync("$JS.ACK.S.C.1.1", "+ACK", "sync").is_empty());
}

#[test]
fn needs_tells_interest_streams_what_to_keep() {
    let mut h = Harness::new(config(|c| c.filter_subject = "s.a".into()));
    for subject in ["s.a", "s.b", "s.a", "s.a"] {
        h.append(subject);
    }
    let d = deliveries(&h.pull_batch("r", 2));
    h.ack(&d[1].ack, "+ACK");
    let needs: Vec<bool> = [(1, "s.a"), (2, "s.b"), (3, "s.a"), (4, "s.a")]
        .iter()
        .map(|(seq, subject)| h.c.needs(*seq, subject.as_bytes()))
        .collect();
    assert_eq!(needs, [true, false, false, true]);
}

fn sampled(effects: &[Effect]) -> Vec<(u64, u64, u64, i64)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::AckSampled {
                stream_seq,
                consumer_seq,
                deliveries,
                ack_time,
            } => Some((*stream_seq, *consumer_seq, *deliveries, *ack_time)),
            _ => None,
        })
        .collect()
}

#[test]
fn sampled_acks_report_sequences_deliveries_and_ack_time() {
    let mut h = Harness::new(config(|c| {
        c.sample_freq = String::from("100%");
        c.ack_wait = 5 * SEC;
    }));
    h.publish_n("s.a", 2);
    let d = deliveries(&h.pull_batch("r", 2));
    h.advance(SEC);
    assert_eq!(sampled(&h.ack(&d[0].ack, "+ACK")), [(1, 1, 1, SEC)]);
    // Redelivered once, then acked: two deliveries, consumer sequence of the first.
    h.pull("r2", req(1, 60 * SEC));
    let again = deliveries(&h.advance(5 * SEC));
    assert_eq!(again[0].seq, 2);
    h.advance(2 * SEC);
    // Redelivered when ack_wait ran out (5 s after the first delivery), acked at 8 s.
    assert_eq!(sampled(&h.ack(&again[0].ack, "+ACK")), [(2, 2, 2, 3 * SEC)]);
    // A second ack of the same message reports nothing.
    assert!(sampled(&h.ack(&again[0].ack, "+ACK")).is_empty());
}

#[test]
fn sampling_takes_roughly_its_share_and_none_without_sample_freq() {
    for (freq, low, high) in [
        ("", 0, 0),
        ("0", 0, 0),
        ("30", 200, 400),
        ("100", 1000, 1000),
    ] {
        let mut h = Harness::new(config(|c| c.sample_freq = String::from(freq)));
        h.publish_n("s.a", 1000);
        let d = deliveries(&h.pull_batch("r", 1000));
        let n: usize = d
            .iter()
            .map(|m| sampled(&h.ack(&m.ack, "+ACK")).len())
            .sum();
        assert!((low..=high).contains(&n), "{freq}: {n} sampled");
    }
}
