//! Mirrors, sources and the stream subject transform over memory stores, on explicit time.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use bytes::Bytes;

use super::*;
use crate::jetstream::api::{StreamConfig, Timestamp};
use crate::jetstream::store::MemStore;

const SEC: i64 = 1_000_000_000;

fn stream(name: &str, subjects: &[&str], edit: impl FnOnce(&mut StreamConfig)) -> Stream<MemStore> {
    let mut c = StreamConfig {
        name: name.into(),
        subjects: subjects.iter().map(|s| String::from(*s)).collect(),
        ..StreamConfig::default()
    };
    edit(&mut c);
    let c = c.normalize(false).unwrap();
    Stream::new(c, 0, MemStore::new()).unwrap()
}

fn origin(subjects: &[&str]) -> Stream<MemStore> {
    let mut o = stream("ORIGIN", &["orders.>", "a", "b"], |_| {});
    for (i, s) in subjects.iter().enumerate() {
        let payload = Bytes::from(alloc::format!("m{}", i + 1));
        o.process(
            SEC * (i as i64 + 1),
            Bytes::from(String::from(*s)),
            None,
            payload,
        )
        .unwrap();
    }
    o
}

fn src(name: &str) -> StreamSource {
    StreamSource {
        name: name.into(),
        ..StreamSource::default()
    }
}

fn tr(src: &str, dest: &str) -> crate::jetstream::api::SubjectTransform {
    crate::jetstream::api::SubjectTransform {
        src: src.into(),
        dest: dest.into(),
    }
}

/// Copies everything `cursor` sees in `o` into `into`.
fn pump(
    cursor: &mut SourceCursor,
    o: &Stream<MemStore>,
    into: &mut Stream<MemStore>,
    now: i64,
) -> usize {
    cursor.start(o.store()).unwrap();
    let (copies, more) = cursor.poll(now, o.store(), 1000, u64::MAX).unwrap();
    assert!(!more);
    let n = copies.len();
    for c in copies {
        if cursor.is_mirror() {
            into.store_mirrored(c).unwrap();
        } else {
            into.store_sourced(now, c).unwrap();
        }
    }
    n
}

fn held(s: &Stream<MemStore>) -> Vec<(u64, String, String)> {
    let mut out = Vec::new();
    let mut seq = 0;
    while let Ok(m) = s.next_matching(seq, None) {
        seq = m.seq + 1;
        out.push((
            m.seq,
            String::from_utf8(m.subject.to_vec()).unwrap(),
            String::from_utf8(m.payload.to_vec()).unwrap(),
        ));
    }
    out
}

fn header(s: &Stream<MemStore>, seq: u64) -> Option<(String, u64)> {
    source_header_of(&s.get(seq).unwrap())
}

#[test]
fn mirror_with_start_seq_keeps_origin_sequences_and_times() {
    let o = origin(&["a", "a", "b", "a"]);
    let mut m = stream("M", &[], |c| {
        c.mirror = Some(StreamSource {
            opt_start_seq: 2,
            ..src("ORIGIN")
        })
    });
    let mut cursor = SourceCursor::mirror(m.config().mirror.as_ref().unwrap());
    assert_eq!(pump(&mut cursor, &o, &mut m, 100 * SEC), 3);
    assert_eq!(
        held(&m),
        vec![
            (2, "a".into(), "m2".into()),
            (3, "b".into(), "m3".into()),
            (4, "a".into(), "m4".into())
        ]
    );
    assert_eq!(m.get(3).unwrap().time, 3 * SEC, "origin time kept");
    assert_eq!(m.get(3).unwrap().headers, None, "mirrors add no header");
    assert_eq!(cursor.next_seq(), Some(5));
}

#[test]
fn filtered_mirror_leaves_gaps_where_the_origin_has_other_subjects() {
    let mut o = origin(&["a", "b", "a", "b"]);
    let mut m = stream("M", &[], |c| {
        c.mirror = Some(StreamSource {
            filter_subject: "a".into(),
            ..src("ORIGIN")
        })
    });
    let mut cursor = SourceCursor::mirror(m.config().mirror.as_ref().unwrap());
    pump(&mut cursor, &o, &mut m, 10 * SEC);
    for s in ["b", "b", "a"] {
        o.process(10 * SEC, Bytes::from(s), None, Bytes::from_static(b"x"))
            .unwrap();
    }
    pump(&mut cursor, &o, &mut m, 11 * SEC);
    let seqs: Vec<u64> = held(&m).into_iter().map(|(s, _, _)| s).collect();
    assert_eq!(seqs, vec![1, 3, 7]);
    let st = m.state();
    assert_eq!((st.first_seq, st.last_seq, st.num_deleted), (1, 7, 4));
    // Already held sequences are not stored twice.
    let again = Copied {
        origin_seq: 7,
        subject: Bytes::from_static(b"a"),
        headers: None,
        payload: Bytes::new(),
        time: 0,
    };
    assert_eq!(m.store_mirrored(again), Ok(false));
}

#[test]
fn source_with_filter_and_transform_stores_renamed_subjects_with_source_headers() {
    let o = origin(&["orders.1", "a", "orders.2"]);
    let mut s = stream("S", &[], |c| {
        c.sources = vec![StreamSource {
            subject_transforms: vec![tr("orders.*", "copy.{{wildcard(1)}}")],
            ..src("ORIGIN")
        }]
    });
    let mut cursor = SourceCursor::source(&s.config().sources[0]);
    assert_eq!(pump(&mut cursor, &o, &mut s, 50 * SEC), 2);
    assert_eq!(
        held(&s),
        vec![
            (1, "copy.1".into(), "m1".into()),
            (2, "copy.2".into(), "m3".into())
        ]
    );
    let h = s.get(2).unwrap().headers.unwrap();
    assert_eq!(
        &h[..],
        b"NATS/1.0\r\nNats-Stream-Source: ORIGIN 3 orders.* copy.{{wildcard(1)}}\r\n\r\n"
    );
    assert_eq!(
        s.get(2).unwrap().time,
        50 * SEC,
        "sourced messages are stored now"
    );
    assert_eq!(header(&s, 2), Some((String::from(cursor.index_name()), 3)));
}

#[test]
fn plain_source_header_is_the_nats_server_layout() {
    let cursor = SourceCursor::source(&src("TEST"));
    assert_eq!(cursor.source_header(2), "TEST 2 > >");
    assert_eq!(
        parse_source_header("TEST 2 > >"),
        Some((String::from("TEST > >"), 2))
    );
    assert_eq!(parse_source_header("TEST 2"), None);
    let filtered = SourceCursor::source(&StreamSource {
        filter_subject: "stream1.foo".into(),
        ..src("source")
    });
    assert_eq!(filtered.source_header(9), "source 9 stream1.foo >");
}

#[test]
fn source_headers_replace_the_old_source_and_drop_expectations() {
    let origin = b"NATS/1.0\r\nA: 1\r\nNats-Stream-Source: X 1 > >\r\nNats-Expected-Stream: S\r\nB: 2\r\n\r\n";
    assert_eq!(
        &source_headers(Some(origin), "O 5 > >")[..],
        b"NATS/1.0\r\nA: 1\r\nB: 2\r\nNats-Stream-Source: O 5 > >\r\n\r\n"
    );
    assert_eq!(
        &source_headers(None, "O 5 > >")[..],
        b"NATS/1.0\r\nNats-Stream-Source: O 5 > >\r\n\r\n"
    );
}

#[test]
fn two_sources_interleave_and_keep_their_own_positions() {
    let o1 = origin(&["a", "a"]);
    let mut o2 = stream("O2", &["x"], |_| {});
    for _ in 0..3 {
        o2.process(SEC, Bytes::from_static(b"x"), None, Bytes::new())
            .unwrap();
    }
    let mut s = stream("S", &[], |c| c.sources = vec![src("ORIGIN"), src("O2")]);
    let mut c1 = SourceCursor::source(&s.config().sources[0]);
    let mut c2 = SourceCursor::source(&s.config().sources[1]);
    pump(&mut c1, &o1, &mut s, 0);
    pump(&mut c2, &o2, &mut s, 0);
    let subjects: Vec<String> = held(&s).into_iter().map(|(_, s, _)| s).collect();
    assert_eq!(subjects, vec!["a", "a", "x", "x", "x"]);
    assert_eq!(header(&s, 2), Some((String::from("ORIGIN > >"), 2)));
    assert_eq!(header(&s, 5), Some((String::from("O2 > >"), 3)));
    assert_eq!((c1.next_seq(), c2.next_seq()), (Some(3), Some(4)));
}

#[test]
fn polls_are_bounded_and_resume_where_they_stopped() {
    let o = origin(&["a"; 10]);
    let mut cursor = SourceCursor::source(&src("ORIGIN"));
    cursor.start(o.store()).unwrap();
    let (first, more) = cursor.poll(0, o.store(), 4, u64::MAX).unwrap();
    assert_eq!((first.len(), more), (4, true));
    let (rest, more) = cursor.poll(0, o.store(), 100, u64::MAX).unwrap();
    assert_eq!((rest.len(), more), (6, false));
    assert_eq!(rest[0].origin_seq, 5);
    assert!(cursor.moved());
}

#[test]
fn start_time_starts_at_the_first_message_at_or_after_it() {
    let o = origin(&["a", "a", "a", "a"]);
    let mut cursor = SourceCursor::source(&StreamSource {
        opt_start_time: Some(Timestamp(3 * SEC)),
        ..src("ORIGIN")
    });
    cursor.start(o.store()).unwrap();
    assert_eq!(cursor.next_seq(), Some(3));
    assert_eq!(first_at_or_after(o.store(), 100 * SEC), Ok(5));
    assert_eq!(first_at_or_after(o.store(), 0), Ok(1));
}

#[test]
fn recovered_positions_only_move_forward() {
    let mut cursor = SourceCursor::source(&src("ORIGIN"));
    cursor.resume_at(7);
    cursor.resume_at(3);
    assert_eq!(cursor.next_seq(), Some(7));
    let o = origin(&["a"; 9]);
    cursor.start(o.store()).unwrap();
    let (copies, _) = cursor.poll(0, o.store(), 100, u64::MAX).unwrap();
    let seqs: Vec<u64> = copies.iter().map(|c| c.origin_seq).collect();
    assert_eq!(seqs, vec![7, 8, 9]);
}

#[test]
fn a_failed_store_is_retried_after_a_pause() {
    let o = origin(&["a", "a", "a"]);
    let mut s = stream("S", &[], |c| {
        c.sources = vec![src("ORIGIN")];
        c.max_msgs = 1;
        c.discard = crate::jetstream::api::DiscardPolicy::New;
    });
    let mut cursor = SourceCursor::source(&s.config().sources[0]);
    cursor.start(o.store()).unwrap();
    let (copies, _) = cursor.poll(0, o.store(), 100, u64::MAX).unwrap();
    let mut it = copies.into_iter();
    s.store_sourced(0, it.next().unwrap()).unwrap();
    let second = it.next().unwrap();
    let failed = second.origin_seq;
    let err = s.store_sourced(0, second).unwrap_err();
    cursor.store_failed(0, failed, err.clone());
    assert_eq!(cursor.info::<MemStore>(0, Some(o.store())).error, Some(err));
    assert_eq!(
        cursor
            .poll(RETRY_NANOS - 1, o.store(), 100, u64::MAX)
            .unwrap()
            .0
            .len(),
        0
    );
    let (again, _) = cursor.poll(RETRY_NANOS, o.store(), 100, u64::MAX).unwrap();
    assert_eq!(again[0].origin_seq, 2);
}

#[test]
fn info_reports_lag_activity_and_a_missing_origin() {
    let o = origin(&["a", "b", "a"]);
    let mut cursor = SourceCursor::source(&StreamSource {
        filter_subject: "a".into(),
        ..src("ORIGIN")
    });
    let never = cursor.info::<MemStore>(5 * SEC, None);
    assert_eq!(never.active, NEVER_ACTIVE);
    assert_eq!(never.error, Some(ApiError::stream_not_found()));
    assert_eq!(cursor.info(0, Some(o.store())).lag, 2);
    cursor.start(o.store()).unwrap();
    cursor.poll(SEC, o.store(), 1, u64::MAX).unwrap();
    let info = cursor.info(SEC + 5, Some(o.store()));
    assert_eq!((info.lag, info.active, info.error), (1, 5, None));
    assert_eq!(info.filter_subject, "a");
}

#[test]
fn stream_subject_transform_renames_captured_and_sourced_messages() {
    let mut s = stream("T", &["test"], |c| {
        c.subject_transform = Some(tr(">", "transformed.>"))
    });
    s.process(0, Bytes::from_static(b"test"), None, Bytes::new())
        .unwrap();
    assert_eq!(&s.get(1).unwrap().subject[..], b"transformed.test");
    let mut only_foo = stream("U", &["foo", "other"], |c| {
        c.subject_transform = Some(tr("foo", "bar"))
    });
    only_foo
        .process(0, Bytes::from_static(b"foo"), None, Bytes::new())
        .unwrap();
    only_foo
        .process(0, Bytes::from_static(b"other"), None, Bytes::new())
        .unwrap();
    let subjects: Vec<String> = held(&only_foo).into_iter().map(|(_, s, _)| s).collect();
    assert_eq!(subjects, vec!["bar", "other"]);
    let copy = Copied {
        origin_seq: 1,
        subject: Bytes::from_static(b"foo"),
        headers: None,
        payload: Bytes::new(),
        time: 0,
    };
    only_foo.store_sourced(0, copy).unwrap();
    assert_eq!(&only_foo.get(3).unwrap().subject[..], b"bar");
}

#[test]
fn mirrored_messages_lose_their_expectations_only() {
    let mut o = origin(&[]);
    let h = Bytes::from_static(b"NATS/1.0\r\nA: 1\r\nNats-Expected-Last-Sequence: 0\r\n\r\n");
    o.process(SEC, Bytes::from_static(b"a"), Some(h), Bytes::new())
        .unwrap();
    let plain = Bytes::from_static(b"NATS/1.0\r\nB: 2\r\n\r\n");
    o.process(
        SEC,
        Bytes::from_static(b"a"),
        Some(plain.clone()),
        Bytes::new(),
    )
    .unwrap();
    let mut m = stream("M", &[], |c| c.mirror = Some(src("ORIGIN")));
    let mut cursor = SourceCursor::mirror(m.config().mirror.as_ref().unwrap());
    pump(&mut cursor, &o, &mut m, 0);
    assert_eq!(
        &m.get(1).unwrap().headers.unwrap()[..],
        b"NATS/1.0\r\nA: 1\r\n\r\n"
    );
    assert_eq!(m.get(2).unwrap().headers, Some(plain));
}
