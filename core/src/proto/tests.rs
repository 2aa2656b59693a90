//! Codec property tests: round trips, any chunking, and no panics on arbitrary bytes.

use super::*;
use alloc::vec::Vec;
use bytes::BytesMut;
use proptest::prelude::*;

fn token() -> impl Strategy<Value = Bytes> {
    "[a-zA-Z0-9_$-]{1,8}".prop_map(Bytes::from)
}

fn subject() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec("[a-zA-Z0-9_-]{1,6}", 1..4).prop_map(|t| Bytes::from(t.join(".")))
}

fn payload() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..200).prop_map(Bytes::from)
}

fn header_block() -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(("[A-Za-z-]{1,8}", "[a-z0-9 ]{0,8}"), 0..3).prop_map(|kv| {
        let mut h = headers::HeaderMap::new();
        for (k, v) in kv {
            h.append(&k, v.trim());
        }
        let mut b = BytesMut::new();
        h.encode(&mut b);
        b.freeze()
    })
}

fn client_op() -> impl Strategy<Value = ClientOp> {
    prop_oneof![
        Just(ClientOp::Ping),
        Just(ClientOp::Pong),
        Just(ClientOp::Connect(Bytes::from_static(
            b"{\"verbose\":false}"
        ))),
        (
            subject(),
            proptest::option::of(subject()),
            proptest::option::of(header_block()),
            payload()
        )
            .prop_map(|(subject, reply, headers, payload)| ClientOp::Pub(Publish {
                subject,
                reply,
                headers,
                payload
            })),
        (subject(), proptest::option::of(token()), token()).prop_map(|(subject, queue, sid)| {
            ClientOp::Sub {
                subject,
                queue,
                sid,
            }
        }),
        (token(), proptest::option::of(0u64..1000))
            .prop_map(|(sid, max)| ClientOp::Unsub { sid, max }),
    ]
}

fn server_op() -> impl Strategy<Value = ServerOp> {
    prop_oneof![
        Just(ServerOp::Ping),
        Just(ServerOp::Pong),
        Just(ServerOp::Ok),
        Just(ServerOp::Err(Bytes::from_static(b"Stale Connection"))),
        Just(ServerOp::Info(Bytes::from_static(b"{\"server_id\":\"N\"}"))),
        (
            subject(),
            token(),
            proptest::option::of(subject()),
            proptest::option::of(header_block()),
            payload()
        )
            .prop_map(
                |(subject, sid, reply, headers, payload)| ServerOp::Msg(Delivery {
                    subject,
                    sid,
                    reply,
                    headers,
                    payload
                })
            ),
    ]
}

fn limits() -> DecodeLimits {
    DecodeLimits {
        control_line_bytes_max: 4096,
        payload_bytes_max: 1 << 20,
    }
}

/// Feeds `wire` to a decoder in chunks cut at `cuts`, collecting every op.
fn decode_chunked<T>(
    wire: &[u8],
    cuts: &[usize],
    mut decode: impl FnMut(&mut BytesMut) -> Result<Option<T>, crate::ProtoError>,
) -> Vec<T> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    points.push(wire.len());
    points.sort_unstable();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut at = 0;
    for p in points {
        buf.extend_from_slice(&wire[at..p]);
        at = p;
        while let Some(op) = decode(&mut buf).expect("valid input decodes") {
            out.push(op);
        }
    }
    out
}

proptest! {
    #[test]
    fn client_ops_round_trip_under_any_chunking(ops in proptest::collection::vec(client_op(), 1..12), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        let mut wire = BytesMut::new();
        for op in &ops { encode_client_op(op, &mut wire); }
        let mut d = ClientDecoder::new(limits());
        let got = decode_chunked(&wire, &cuts, |b| d.decode(b));
        prop_assert_eq!(got, ops);
    }

    #[test]
    fn server_ops_round_trip_under_any_chunking(ops in proptest::collection::vec(server_op(), 1..12), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        let mut wire = BytesMut::new();
        for op in &ops { encode_server_op(op, &mut wire); }
        let mut d = ServerDecoder::new(limits());
        let got = decode_chunked(&wire, &cuts, |b| d.decode(b));
        prop_assert_eq!(got, ops);
    }

    #[test]
    fn arbitrary_bytes_never_panic_either_decoder(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let small = DecodeLimits { control_line_bytes_max: 64, payload_bytes_max: 128 };
        let mut c = ClientDecoder::new(small);
        let mut buf = BytesMut::from(&data[..]);
        while let Ok(Some(_)) = c.decode(&mut buf) {}
        let mut s = ServerDecoder::new(small);
        let mut buf = BytesMut::from(&data[..]);
        while let Ok(Some(_)) = s.decode(&mut buf) {}
    }

    #[test]
    fn header_blocks_round_trip(block in header_block()) {
        let h = headers::HeaderMap::parse(&block).unwrap();
        let mut again = BytesMut::new();
        h.encode(&mut again);
        prop_assert_eq!(&again[..], &block[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_header_parser(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = headers::HeaderMap::parse(&data);
    }
}
