//! Route codec: vectors, round trips under any chunking, limits, and no panics on any input.

use super::*;
use alloc::vec;
use proptest::prelude::*;

fn limits() -> DecodeLimits {
    DecodeLimits {
        control_line_bytes_max: 4096,
        payload_bytes_max: 1 << 16,
    }
}

fn decode_all(wire: &[u8]) -> Result<Vec<RouteOp>, ProtoError> {
    let mut d = RouteDecoder::new(limits());
    let mut buf = BytesMut::from(wire);
    let mut out = Vec::new();
    while let Some(op) = d.decode(&mut buf)? {
        out.push(op);
    }
    Ok(out)
}

#[test]
fn decodes_interest_and_messages_as_nats_server_writes_them() {
    let ops = decode_all(
        b"RS+ $G foo.*\r\nRS+ $G bar workers 3\r\nRS- $G bar workers\r\nRS- $G foo.*\r\n\
          RMSG $G foo 5\r\nhello\r\nRMSG $G foo _INBOX.1 0\r\n\r\n\
          RMSG $G foo + _INBOX.2 q1 q2 2\r\nhi\r\nRMSG $G foo | q1 2\r\nhi\r\n\
          HMSG $G foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPING\r\nPONG\r\n-ERR 'x y'\r\n",
    )
    .unwrap();
    assert_eq!(ops.len(), 12);
    assert_eq!(
        ops[1],
        RouteOp::Sub(RouteSub {
            account: Bytes::from_static(b"$G"),
            subject: Bytes::from_static(b"bar"),
            queue: Some((Bytes::from_static(b"workers"), 3)),
        })
    );
    let RouteOp::Msg(m) = &ops[6] else {
        panic!("not a message: {:?}", ops[6])
    };
    assert_eq!(m.reply.as_deref(), Some(&b"_INBOX.2"[..]));
    assert_eq!(
        m.queues,
        vec![Bytes::from_static(b"q1"), Bytes::from_static(b"q2")]
    );
    let RouteOp::Msg(m) = &ops[7] else {
        panic!("not a message")
    };
    assert_eq!((m.reply.clone(), m.queues.len()), (None, 1));
    let RouteOp::Msg(m) = &ops[8] else {
        panic!("not a message")
    };
    assert_eq!(m.headers.as_deref(), Some(&b"NATS/1.0\r\n\r\n"[..]));
    assert_eq!(ops[11], RouteOp::Err(Bytes::from_static(b"x y")));
}

#[test]
fn rejects_malformed_route_lines() {
    for bad in [
        &b"RS+ $G\r\n"[..],
        b"RS+ $G foo q notanumber\r\n",
        b"RS- $G foo q extra\r\n",
        b"RMSG $G 5\r\n",
        b"RMSG $G foo a b 5\r\n",
        b"RMSG $G foo + r 5\r\n",
        b"HMSG $G foo 9 5\r\n",
        b"LS+ $G foo\r\n",
    ] {
        assert!(decode_all(bad).is_err(), "{:?}", core::str::from_utf8(bad));
    }
}

#[test]
fn refuses_oversize_payload_before_buffering() {
    let mut d = RouteDecoder::new(limits());
    let mut buf = BytesMut::from(&b"RMSG $G foo 70000\r\n"[..]);
    assert_eq!(d.decode(&mut buf), Err(ProtoError::MaxPayloadViolation));
}

#[test]
fn refuses_overlong_control_line_without_newline() {
    let mut d = RouteDecoder::new(limits());
    let mut buf = BytesMut::from(&[b'R'; 5000][..]);
    assert_eq!(d.decode(&mut buf), Err(ProtoError::MaxControlLineExceeded));
}

#[test]
fn partial_message_waits_for_more_bytes() {
    let mut d = RouteDecoder::new(limits());
    let mut buf = BytesMut::from(&b"RMSG $G foo 5\r\nhel"[..]);
    assert_eq!(d.decode(&mut buf), Ok(None));
    buf.extend_from_slice(b"lo\r\n");
    assert!(matches!(d.decode(&mut buf), Ok(Some(RouteOp::Msg(_)))));
}

fn token() -> impl Strategy<Value = Bytes> {
    "[a-zA-Z0-9_$-]{1,8}".prop_map(Bytes::from)
}

fn subject() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec("[a-zA-Z0-9_-]{1,6}", 1..4).prop_map(|t| Bytes::from(t.join(".")))
}

fn route_op() -> impl Strategy<Value = RouteOp> {
    let msg = (
        subject(),
        proptest::option::of(subject()),
        proptest::collection::vec(token(), 0..4),
        proptest::option::of(Just(Bytes::from_static(b"NATS/1.0\r\nA: b\r\n\r\n"))),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(subject, reply, queues, headers, payload)| {
            RouteOp::Msg(RoutedMsg {
                account: Bytes::from_static(b"$G"),
                subject,
                reply,
                queues,
                headers,
                payload: Bytes::from(payload),
            })
        });
    prop_oneof![
        Just(RouteOp::Ping),
        Just(RouteOp::Pong),
        Just(RouteOp::Ok),
        Just(RouteOp::Info(Bytes::from_static(b"{\"server_id\":\"N\"}"))),
        Just(RouteOp::Connect(Bytes::from_static(b"{\"cluster\":\"c\"}"))),
        (subject(), proptest::option::of((token(), 1u32..1000))).prop_map(|(subject, queue)| {
            RouteOp::Sub(RouteSub {
                account: Bytes::from_static(b"$G"),
                subject,
                queue,
            })
        }),
        (subject(), proptest::option::of(token())).prop_map(|(subject, queue)| {
            RouteOp::Unsub(RouteUnsub {
                account: Bytes::from_static(b"$G"),
                subject,
                queue,
            })
        }),
        msg,
    ]
}

proptest! {
    #[test]
    fn route_ops_round_trip_under_any_chunking(
        ops in proptest::collection::vec(route_op(), 1..12),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut wire = BytesMut::new();
        for op in &ops { encode_route_op(op, &mut wire); }
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
        points.push(wire.len());
        points.sort_unstable();
        let mut d = RouteDecoder::new(limits());
        let (mut buf, mut got, mut at) = (BytesMut::new(), Vec::new(), 0);
        for p in points {
            buf.extend_from_slice(&wire[at..p]);
            at = p;
            while let Some(op) = d.decode(&mut buf).expect("valid input decodes") {
                got.push(op);
            }
        }
        prop_assert_eq!(got, ops);
    }

    #[test]
    fn route_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut d = RouteDecoder::new(limits());
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = d.decode(&mut buf) {}
    }

    #[test]
    fn any_strict_prefix_of_a_message_needs_more_bytes(cut in 0usize..1000) {
        let mut wire = BytesMut::new();
        encode_route_op(&RouteOp::Msg(RoutedMsg {
            account: Bytes::from_static(b"$G"),
            subject: Bytes::from_static(b"a.b"),
            reply: Some(Bytes::from_static(b"r")),
            queues: vec![Bytes::from_static(b"q")],
            headers: Some(Bytes::from_static(b"NATS/1.0\r\n\r\n")),
            payload: Bytes::from_static(b"0123456789"),
        }), &mut wire);
        let cut = cut % wire.len();
        let mut d = RouteDecoder::new(limits());
        let mut buf = BytesMut::from(&wire[..cut]);
        prop_assert_eq!(d.decode(&mut buf), Ok(None));
    }
}
