//! Stream scenarios over a memory store: limits, discard policies, dedupe, expectations,
//! rollups, TTLs and ages, on explicit time.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

use super::*;
use crate::jetstream::api::{DiscardPolicy, StreamConfig};
use crate::jetstream::store::MemStore;
use crate::proto::headers::HeaderMap;

pub(super) const SEC: i64 = 1_000_000_000;

fn cfg() -> StreamConfig {
    StreamConfig {
        name: "S".into(),
        subjects: vec![String::from("s.>")],
        max_consumers: -1,
        max_msgs: -1,
        max_bytes: -1,
        max_msgs_per_subject: -1,
        max_msg_size: -1,
        duplicate_window: 120 * SEC,
        num_replicas: 1,
        ..StreamConfig::default()
    }
}

pub(super) fn stream(c: StreamConfig) -> Stream<MemStore> {
    Stream::new(c, 0, MemStore::new()).unwrap()
}

pub(super) fn hdrs(pairs: &[(&str, &str)]) -> Option<Bytes> {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(k, v);
    }
    let mut b = BytesMut::new();
    h.encode(&mut b);
    Some(b.freeze())
}

fn publish(
    s: &mut Stream<MemStore>,
    now: i64,
    subj: &'static str,
    h: Option<Bytes>,
) -> Result<Stored, ApiError> {
    s.process(
        now,
        Bytes::from_static(subj.as_bytes()),
        h,
        Bytes::from_static(b"data"),
    )
}

fn seqs(s: &Stream<MemStore>) -> Vec<u64> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Ok(m) = s.next_matching(at, None) {
        out.push(m.seq);
        at = m.seq + 1;
    }
    out
}

#[test]
fn sequences_grow_and_subjects_are_captured() {
    let mut s = stream(cfg());
    assert!(s.captures(b"s.a.b") && !s.captures(b"t"));
    assert_eq!(
        publish(&mut s, 1, "s.a", None).unwrap(),
        Stored {
            seq: 1,
            duplicate: false
        }
    );
    assert_eq!(publish(&mut s, 2, "s.b", None).unwrap().seq, 2);
    assert_eq!(s.state().messages, 2);
    assert_eq!(&s.get(2).unwrap().subject[..], b"s.b");
}

#[test]
fn max_msgs_discard_old_drops_the_oldest() {
    let mut s = stream(StreamConfig {
        max_msgs: 2,
        ..cfg()
    });
    for t in 1..=4 {
        publish(&mut s, t, "s.a", None).unwrap();
    }
    assert_eq!(seqs(&s), [3, 4]);
}

#[test]
fn discard_new_refuses_past_each_limit() {
    let mut s = stream(StreamConfig {
        max_msgs: 1,
        discard: DiscardPolicy::New,
        ..cfg()
    });
    publish(&mut s, 1, "s.a", None).unwrap();
    let e = publish(&mut s, 2, "s.a", None).unwrap_err();
    assert_eq!(
        (e.err_code, e.description.as_str()),
        (10077, "maximum messages exceeded")
    );
    let mut s = stream(StreamConfig {
        max_bytes: 40,
        discard: DiscardPolicy::New,
        ..cfg()
    });
    publish(&mut s, 1, "s.a", None).unwrap();
    assert_eq!(
        publish(&mut s, 2, "s.a", None).unwrap_err().description,
        "maximum bytes exceeded"
    );
    let c = StreamConfig {
        max_msgs_per_subject: 1,
        discard: DiscardPolicy::New,
        discard_new_per_subject: true,
        ..cfg()
    };
    let mut s = stream(c);
    publish(&mut s, 1, "s.a", None).unwrap();
    publish(&mut s, 2, "s.b", None).unwrap();
    let e = publish(&mut s, 3, "s.a", None).unwrap_err();
    assert_eq!(e.description, "maximum messages per subject exceeded");
}

#[test]
fn max_bytes_and_per_subject_discard_old() {
    let mut s = stream(StreamConfig {
        max_msgs_per_subject: 2,
        ..cfg()
    });
    for t in 1..=3 {
        publish(&mut s, t, "s.a", None).unwrap();
    }
    publish(&mut s, 4, "s.b", None).unwrap();
    assert_eq!(seqs(&s), [2, 3, 4]);
    let one = stored_size_of("s.a");
    let mut s = stream(StreamConfig {
        max_bytes: (2 * one) as i64,
        ..cfg()
    });
    for t in 1..=3 {
        publish(&mut s, t, "s.a", None).unwrap();
    }
    assert_eq!(seqs(&s), [2, 3]);
}

/// Size of a 4-byte message on `subj` in these tests' memory stores.
fn stored_size_of(subj: &str) -> u64 {
    crate::jetstream::store::SizeRule::Memory.size(subj.len(), 0, 4)
}

#[test]
fn duplicate_ids_inside_the_window_are_acknowledged_not_stored() {
    let mut s = stream(cfg());
    let id = || hdrs(&[("Nats-Msg-Id", "m1")]);
    assert_eq!(publish(&mut s, SEC, "s.a", id()).unwrap().seq, 1);
    assert_eq!(
        publish(&mut s, 2 * SEC, "s.a", id()).unwrap(),
        Stored {
            seq: 1,
            duplicate: true
        }
    );
    assert_eq!(s.state().messages, 1);
    s.expire(200 * SEC).unwrap();
    assert_eq!(
        publish(&mut s, 200 * SEC, "s.a", id()).unwrap(),
        Stored {
            seq: 2,
            duplicate: false
        }
    );
}

#[test]
fn duplicate_window_survives_a_reopen() {
    let mut s = stream(cfg());
    publish(&mut s, SEC, "s.a", hdrs(&[("Nats-Msg-Id", "m1")])).unwrap();
    let store = s.into_store();
    let mut s = Stream::new(cfg(), 0, store).unwrap();
    let again = publish(&mut s, 2 * SEC, "s.a", hdrs(&[("Nats-Msg-Id", "m1")])).unwrap();
    assert!(again.duplicate);
    let e = publish(
        &mut s,
        3 * SEC,
        "s.a",
        hdrs(&[("Nats-Expected-Last-Msg-Id", "zz")]),
    )
    .unwrap_err();
    assert_eq!(e.description, "wrong last msg ID: m1");
}

#[test]
fn expected_headers_are_checked() {
    let mut s = stream(cfg());
    publish(&mut s, 1, "s.a", None).unwrap();
    publish(&mut s, 2, "s.b", None).unwrap();
    let e = publish(&mut s, 3, "s.a", hdrs(&[("Nats-Expected-Stream", "T")])).unwrap_err();
    assert_eq!(e.err_code, 10060);
    let e = publish(
        &mut s,
        3,
        "s.a",
        hdrs(&[("Nats-Expected-Last-Sequence", "1")]),
    )
    .unwrap_err();
    assert_eq!(
        (e.err_code, e.description.as_str()),
        (10071, "wrong last sequence: 2")
    );
    assert!(publish(
        &mut s,
        3,
        "s.c",
        hdrs(&[("Nats-Expected-Last-Sequence", "2")])
    )
    .is_ok());
    let e = publish(
        &mut s,
        4,
        "s.a",
        hdrs(&[("Nats-Expected-Last-Subject-Sequence", "2")]),
    )
    .unwrap_err();
    assert_eq!(e.description, "wrong last sequence: 1");
    assert!(publish(
        &mut s,
        4,
        "s.a",
        hdrs(&[("Nats-Expected-Last-Subject-Sequence", "1")])
    )
    .is_ok());
    assert!(publish(
        &mut s,
        5,
        "s.new",
        hdrs(&[("Nats-Expected-Last-Subject-Sequence", "0")])
    )
    .is_ok());
    let other = [
        ("Nats-Expected-Last-Subject-Sequence", "2"),
        ("Nats-Expected-Last-Subject-Sequence-Subject", "s.b"),
    ];
    assert!(publish(&mut s, 6, "s.z", hdrs(&other)).is_ok());
    let e = publish(
        &mut s,
        7,
        "s.a",
        hdrs(&[("Nats-Expected-Last-Msg-Id", "x")]),
    )
    .unwrap_err();
    assert_eq!(e.err_code, 10070);
}

#[test]
fn rollups_need_permission_and_remove_older_messages() {
    let mut s = stream(cfg());
    let e = publish(&mut s, 1, "s.a", hdrs(&[("Nats-Rollup", "sub")])).unwrap_err();
    assert_eq!(
        (e.err_code, e.description.as_str()),
        (10111, "rollup not permitted")
    );
    let mut s = stream(StreamConfig {
        allow_rollup_hdrs: true,
        ..cfg()
    });
    for t in 1..=3 {
        publish(&mut s, t, "s.a", None).unwrap();
    }
    publish(&mut s, 4, "s.b", None).unwrap();
    publish(&mut s, 5, "s.a", hdrs(&[("Nats-Rollup", "sub")])).unwrap();
    assert_eq!(seqs(&s), [4, 5]);
    publish(&mut s, 6, "s.c", hdrs(&[("Nats-Rollup", "all")])).unwrap();
    assert_eq!(seqs(&s), [6]);
    assert!(publish(&mut s, 7, "s.c", hdrs(&[("Nats-Rollup", "bogus")])).is_err());
}

#[test]
fn message_ttls_need_permission_and_expire() {
    let mut s = stream(cfg());
    assert_eq!(
        publish(&mut s, 1, "s.a", hdrs(&[("Nats-TTL", "5s")]))
            .unwrap_err()
            .err_code,
        10166
    );
    let mut s = stream(StreamConfig {
        allow_msg_ttl: true,
        ..cfg()
    });
    assert_eq!(
        publish(&mut s, 0, "s.a", hdrs(&[("Nats-TTL", "soon")]))
            .unwrap_err()
            .err_code,
        10165
    );
    publish(&mut s, 0, "s.a", hdrs(&[("Nats-TTL", "5s")])).unwrap();
    publish(&mut s, 0, "s.b", None).unwrap();
    assert_eq!(s.next_expiry(), Some(5 * SEC));
    assert_eq!(s.expire(4 * SEC).unwrap(), 0);
    assert_eq!(s.expire(5 * SEC).unwrap(), 1);
    assert_eq!(seqs(&s), [2]);
}

#[test]
fn max_age_expires_from_the_front() {
    let mut s = stream(StreamConfig {
        max_age: 10 * SEC,
        duplicate_window: 10 * SEC,
        ..cfg()
    });
    publish(&mut s, SEC, "s.a", None).unwrap();
    publish(&mut s, 5 * SEC, "s.a", None).unwrap();
    assert_eq!(s.next_expiry(), Some(11 * SEC));
    assert_eq!(s.expire(11 * SEC).unwrap(), 1);
    assert_eq!(seqs(&s), [2]);
    assert_eq!(s.expire(20 * SEC).unwrap(), 1);
    let st = s.state();
    assert_eq!((st.messages, st.first_seq, st.last_seq), (0, 3, 2));
}

#[test]
fn size_sealed_delete_and_purge_rules() {
    let mut s = stream(StreamConfig {
        max_msg_size: 3,
        ..cfg()
    });
    assert_eq!(publish(&mut s, 1, "s.a", None).unwrap_err().err_code, 10054);
    let mut s = stream(StreamConfig {
        deny_delete: true,
        deny_purge: true,
        ..cfg()
    });
    publish(&mut s, 1, "s.a", None).unwrap();
    assert!(s.delete_msg(1).is_err());
    assert!(s.purge(&PurgeRequest::default()).is_err());
    let mut s = stream(cfg());
    publish(&mut s, 1, "s.a", None).unwrap();
    publish(&mut s, 2, "s.b", None).unwrap();
    s.delete_msg(1).unwrap();
    assert!(s.delete_msg(1).is_err());
    assert_eq!(s.purge(&PurgeRequest::default()).unwrap(), 1);
    let mut s = stream(StreamConfig {
        sealed: true,
        ..cfg()
    });
    assert_eq!(publish(&mut s, 1, "s.a", None).unwrap_err().err_code, 10109);
}

#[test]
fn first_seq_starts_the_stream_there() {
    let mut s = stream(StreamConfig {
        first_seq: 100,
        ..cfg()
    });
    assert_eq!(publish(&mut s, 1, "s.a", None).unwrap().seq, 100);
}

#[test]
fn lowering_limits_on_update_applies_them() {
    let mut s = stream(cfg());
    for t in 1..=5 {
        publish(&mut s, t, "s.a", None).unwrap();
    }
    s.update(
        StreamConfig {
            max_msgs: 2,
            ..cfg()
        },
        10,
    )
    .unwrap();
    assert_eq!(seqs(&s), [4, 5]);
}

#[test]
fn last_for_a_wildcard_subject_is_the_newest_matching_message() {
    let mut s = stream(cfg());
    for subj in ["s.m.a", "s.m.b", "s.x", "s.m.a", "s.y"] {
        publish(&mut s, 1, subj, None).unwrap();
    }
    assert_eq!(s.last_for_subject(b"s.m.>").unwrap().seq, 4);
    assert_eq!(s.last_for_subject(b"s.m.b").unwrap().seq, 2);
    assert_eq!(s.last_for_subject(b"s.*").unwrap().seq, 5);
    let err = s.last_for_subject(b"s.none.>").unwrap_err();
    assert_eq!(err.err_code, 10037);
}

#[test]
fn deleting_a_missing_message_says_why_as_nats_server() {
    let mut s = stream(cfg());
    for _ in 0..3 {
        publish(&mut s, 1, "s.a", None).unwrap();
    }
    s.delete_msg(2).unwrap();
    let again = s.delete_msg(2).unwrap_err();
    assert_eq!((again.code, again.err_code), (400, 10043));
    assert_eq!(again.description, "sequence 2 not found");
    let past = s.delete_msg(9).unwrap_err();
    assert_eq!((past.code, past.err_code), (500, 10057));
    assert_eq!(past.description, "stream store EOF");
}
