//! Republish and subject delete marker scenarios, and a property test of both over random
//! publishes and expiries.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;
use proptest::prelude::*;

use super::tests::{hdrs, stream, SEC};
use super::*;
use crate::jetstream::api::{RePublish, StreamConfig};
use crate::jetstream::store::MemStore;
use crate::proto::headers::HeaderMap;

fn cfg() -> StreamConfig {
    StreamConfig {
        name: "S".into(),
        subjects: vec![String::from("s.>")],
        max_consumers: -1,
        max_msgs: -1,
        max_bytes: -1,
        max_msgs_per_subject: -1,
        max_msg_size: -1,
        num_replicas: 1,
        ..StreamConfig::default()
    }
}

fn republishing(headers_only: bool) -> StreamConfig {
    StreamConfig {
        republish: Some(RePublish {
            src: "s.*".into(),
            dest: "r.$1".into(),
            headers_only,
        }),
        ..cfg()
    }
}

fn markers(max_age: i64, marker_ttl: i64) -> StreamConfig {
    StreamConfig {
        max_age,
        allow_msg_ttl: true,
        allow_rollup_hdrs: true,
        subject_delete_marker_ttl: marker_ttl,
        ..cfg()
    }
}

fn put(s: &mut Stream<MemStore>, now: i64, subj: &str, h: Option<Bytes>) -> u64 {
    let subject = Bytes::copy_from_slice(subj.as_bytes());
    s.process(now, subject, h, Bytes::from_static(b"data"))
        .unwrap()
        .seq
}

fn parsed(r: &Republished) -> HeaderMap {
    HeaderMap::parse(&r.headers).unwrap()
}

#[test]
fn republishes_stored_messages_with_origin_headers() {
    let mut s = stream(republishing(false));
    put(&mut s, SEC, "s.a", None);
    put(
        &mut s,
        2 * SEC,
        "s.b",
        hdrs(&[("Foo", "bar"), ("Nats-Sequence", "99")]),
    );
    put(&mut s, 3 * SEC, "s.a", None);
    put(&mut s, 4 * SEC, "s.a.deep", None);
    let out = s.take_republished();
    assert!(s.take_republished().is_empty());
    let subjects: Vec<&[u8]> = out.iter().map(|r| &r.subject[..]).collect();
    assert_eq!(subjects, [&b"r.a"[..], b"r.b", b"r.a"]);
    let h = parsed(&out[1]);
    assert_eq!(h.get("Foo"), Some("bar"));
    let seqs: Vec<&str> = h.get_all("Nats-Sequence").collect();
    assert_eq!(seqs, ["99", "2"]);
    assert_eq!(h.get("Nats-Stream"), Some("S"));
    assert_eq!(h.get("Nats-Subject"), Some("s.b"));
    assert_eq!(h.get("Nats-Time-Stamp"), Some("1970-01-01T00:00:02Z"));
    assert_eq!(h.get("Nats-Last-Sequence"), Some("0"));
    assert_eq!(h.get("Nats-Msg-Size"), None);
    assert_eq!(&out[1].payload[..], b"data");
    assert_eq!(parsed(&out[2]).get("Nats-Last-Sequence"), Some("1"));
}

#[test]
fn headers_only_leaves_the_payload_out_and_gives_its_size() {
    let mut s = stream(republishing(true));
    put(&mut s, SEC, "s.a", None);
    let out = s.take_republished();
    assert_eq!(out.len(), 1);
    assert!(out[0].payload.is_empty());
    assert_eq!(parsed(&out[0]).get("Nats-Msg-Size"), Some("4"));
}

#[test]
fn refused_and_duplicate_publishes_are_not_republished() {
    let mut s = stream(StreamConfig {
        duplicate_window: 60 * SEC,
        ..republishing(false)
    });
    put(&mut s, SEC, "s.a", hdrs(&[("Nats-Msg-Id", "x")]));
    put(&mut s, SEC, "s.a", hdrs(&[("Nats-Msg-Id", "x")]));
    let wrong = hdrs(&[("Nats-Expected-Last-Sequence", "7")]);
    assert!(s
        .process(SEC, Bytes::from_static(b"s.a"), wrong, Bytes::new())
        .is_err());
    assert_eq!(s.take_republished().len(), 1);
}

#[test]
fn max_age_leaves_a_marker_on_an_emptied_subject() {
    let mut s = stream(markers(2 * SEC, 5 * SEC));
    put(&mut s, 0, "s.a", None);
    put(&mut s, 0, "s.a", None);
    put(&mut s, SEC, "s.b", None);
    assert_eq!(s.expire(2 * SEC).unwrap(), 2);
    let marker = s.last_for_subject(b"s.a").unwrap();
    assert_eq!(marker.seq, 4);
    assert!(marker.payload.is_empty());
    let h = HeaderMap::parse(marker.headers.as_ref().unwrap()).unwrap();
    assert_eq!(h.get(MARKER_REASON), Some(REASON_MAX_AGE));
    assert_eq!(h.get("Nats-TTL"), Some("5s"));
    assert_eq!(h.get("Nats-Rollup"), Some("sub"));
    // s.b expires too; its marker comes after s.a's. Markers age out without new markers.
    s.expire(3 * SEC).unwrap();
    assert_eq!(s.last_for_subject(b"s.b").unwrap().seq, 5);
    s.expire(10 * SEC).unwrap();
    let st = s.state();
    assert_eq!((st.messages, st.last_seq), (0, 5));
}

#[test]
fn no_marker_while_the_subject_keeps_messages_or_when_off() {
    let mut s = stream(markers(2 * SEC, 5 * SEC));
    put(&mut s, 0, "s.a", None);
    put(&mut s, SEC, "s.a", None);
    s.expire(2 * SEC).unwrap();
    assert_eq!(s.state().last_seq, 2);
    let mut s = stream(StreamConfig {
        max_age: 2 * SEC,
        ..cfg()
    });
    put(&mut s, 0, "s.a", None);
    s.expire(2 * SEC).unwrap();
    assert_eq!(s.state().messages, 0);
}

#[test]
fn message_ttl_expiry_leaves_a_marker_and_short_ttls_are_raised() {
    let mut s = stream(markers(0, 3 * SEC));
    put(&mut s, 0, "s.a", hdrs(&[("Nats-TTL", "1s")]));
    put(&mut s, 0, "s.b", hdrs(&[("Nats-TTL", "10")]));
    let h = HeaderMap::parse(s.get(1).unwrap().headers.as_ref().unwrap()).unwrap();
    assert_eq!(h.get("Nats-TTL"), Some("3"));
    let h = HeaderMap::parse(s.get(2).unwrap().headers.as_ref().unwrap()).unwrap();
    assert_eq!(h.get("Nats-TTL"), Some("10"));
    assert_eq!(s.next_expiry(), Some(3 * SEC));
    assert_eq!(s.expire(3 * SEC).unwrap(), 1);
    assert_eq!(s.last_for_subject(b"s.a").unwrap().seq, 3);
    assert_eq!(s.next_expiry(), Some(6 * SEC));
    s.expire(6 * SEC).unwrap();
    assert!(s.last_for_subject(b"s.a").is_err());
}

#[test]
fn markers_are_republished() {
    let mut s = stream(StreamConfig {
        republish: Some(RePublish {
            src: ">".into(),
            dest: "r.>".into(),
            headers_only: false,
        }),
        ..markers(SEC, 5 * SEC)
    });
    put(&mut s, 0, "s.a", None);
    s.expire(SEC).unwrap();
    let out = s.take_republished();
    assert_eq!(out.len(), 2);
    assert_eq!(&out[1].subject[..], b"r.s.a");
    let h = parsed(&out[1]);
    assert_eq!(h.get(MARKER_REASON), Some(REASON_MAX_AGE));
    assert_eq!(h.get("Nats-Last-Sequence"), Some("0"));
}

#[derive(Debug, Clone)]
enum Op {
    Put(usize, Option<u8>),
    Advance(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize, prop::option::of(1..4u8)).prop_map(|(s, t)| Op::Put(s, t)),
        1 => (1..3000i64).prop_map(|ms| Op::Advance(ms * 1_000_000)),
    ]
}

const SUBJECTS: [&str; 3] = ["s.a", "s.b", "s.c"];

fn real_messages(s: &Stream<MemStore>, subj: &str) -> usize {
    s.subject_seqs(subj.as_bytes())
        .into_iter()
        .filter(|seq| !markers::is_marker(&s.get(*seq).unwrap()))
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Expiry never empties a subject that held a real message without a marker; copies
    /// come out once per stored message, in sequence order, naming the previous sequence
    /// on their subject.
    #[test]
    fn markers_and_republish_hold_over_random_runs(ops in prop::collection::vec(op(), 1..60)) {
        let mut s = stream(StreamConfig {
            republish: Some(RePublish { src: ">".into(), dest: "r.>".into(), headers_only: false }),
            ..markers(2 * SEC, 2 * SEC)
        });
        let mut now = 0i64;
        let mut seen: [Vec<u64>; 3] = Default::default();
        let mut copies = Vec::new();
        for op in ops {
            match op {
                Op::Put(i, ttl) => {
                    let ttl = ttl.map(|t| alloc::format!("{t}"));
                    let h = ttl.as_deref().and_then(|t| hdrs(&[("Nats-TTL", t)]));
                    put(&mut s, now, SUBJECTS[i], h);
                }
                Op::Advance(d) => {
                    now += d;
                    let had: Vec<usize> = SUBJECTS.iter().map(|x| real_messages(&s, x)).collect();
                    s.expire(now).unwrap();
                    for (i, subj) in SUBJECTS.iter().enumerate() {
                        if had[i] > 0 {
                            prop_assert!(s.last_for_subject(subj.as_bytes()).is_ok(), "{} emptied", subj);
                        }
                    }
                }
            }
            copies.extend(s.take_republished());
        }
        prop_assert_eq!(copies.len() as u64, s.state().last_seq);
        for (n, c) in copies.iter().enumerate() {
            let h = parsed(c);
            let seq: u64 = h.get("Nats-Sequence").unwrap().parse().unwrap();
            prop_assert_eq!(seq, n as u64 + 1);
            let subj = h.get("Nats-Subject").unwrap();
            let i = SUBJECTS.iter().position(|x| *x == subj).unwrap();
            let last: u64 = h.get("Nats-Last-Sequence").unwrap().parse().unwrap();
            prop_assert!(last < seq);
            prop_assert!(last == 0 || seen[i].contains(&last));
            seen[i].push(seq);
        }
    }
}
