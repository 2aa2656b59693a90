//! What a replicated stream's Raft log carries: batches of inputs with the leader's clock.
//!
//! A stream replicated by Raft is a deterministic function of its log. The leader turns what
//! reaches it (captured publishes, stream-level API requests, acks, flow control replies,
//! timer firings, changes of interest it alone can see) into one [`StreamEntry`] per batch,
//! stamped with its wall clock and a random seed. Every replica applies the entry's inputs in
//! order with that time and seed, so every replica computes the same stream and consumer
//! state; only the leader sends what the inputs produce (acks, replies, deliveries).

use alloc::string::String;
use alloc::vec::Vec;

use bytes::Bytes;

use super::wire::{Reader, WireError, Writer};
use crate::jetstream::store::UnixNanos;
use crate::proto::Publish;

/// Format version written first in every entry.
const ENTRY_VERSION: u8 = 1;

/// Which subscription a replicated message arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A publish captured by the stream's subjects.
    Msg,
    /// A `$JS.API` request that changes the stream or its consumers.
    Api,
    /// A consumer acknowledgement (`$JS.ACK.>`).
    Ack,
    /// A flow control reply (`$JS.FC.>`).
    FlowControl,
}

/// One input of a replicated stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamOp {
    /// A message as it reached the leader.
    Input(InputKind, Publish),
    /// Timers fire: expire messages, redeliver, expire pull requests, send heartbeats.
    Tick,
    /// Whether a push consumer's deliver subject has interest (the leader watches it).
    PushInterest {
        /// Consumer name.
        consumer: String,
        /// Interest seen.
        active: bool,
    },
    /// Pull requests whose reply subjects lost all interest, dropped by the leader.
    PullsGone {
        /// Consumer name.
        consumer: String,
        /// Reply subjects of the abandoned requests.
        replies: Vec<Bytes>,
    },
}

/// One Raft log entry of a stream group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEntry {
    /// The leader's wall clock when it made the entry: the `now` of every input.
    pub ts: UnixNanos,
    /// Seed for anything random the inputs need (names, pin ids), identical on replicas.
    pub seed: u64,
    /// The inputs, applied in order.
    pub ops: Vec<StreamOp>,
}

const OP_INPUT: u8 = 1;
const OP_TICK: u8 = 2;
const OP_PUSH_INTEREST: u8 = 3;
const OP_PULLS_GONE: u8 = 4;

fn kind_tag(k: InputKind) -> u8 {
    match k {
        InputKind::Msg => 0,
        InputKind::Api => 1,
        InputKind::Ack => 2,
        InputKind::FlowControl => 3,
    }
}

fn kind_of(tag: u8) -> Result<InputKind, WireError> {
    Ok(match tag {
        0 => InputKind::Msg,
        1 => InputKind::Api,
        2 => InputKind::Ack,
        3 => InputKind::FlowControl,
        t => return Err(WireError::UnknownTag(t)),
    })
}

impl StreamEntry {
    /// Encodes the entry.
    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self
            .ops
            .iter()
            .map(|op| match op {
                StreamOp::Input(_, m) => 16 + m.subject.len() + m.payload.len(),
                _ => 16,
            })
            .sum();
        let mut w = Writer::with_capacity(size + 24);
        w.u8(ENTRY_VERSION);
        w.i64(self.ts);
        w.u64(self.seed);
        w.u64(self.ops.len() as u64);
        for op in &self.ops {
            encode_op(&mut w, op);
        }
        w.finish()
    }

    /// Decodes an entry written by [`StreamEntry::encode`].
    pub fn decode(buf: Bytes) -> Result<StreamEntry, WireError> {
        let mut r = Reader::new(buf);
        let version = r.u8()?;
        if version != ENTRY_VERSION {
            return Err(WireError::UnknownTag(version));
        }
        let ts = r.i64()?;
        let seed = r.u64()?;
        let n = r.u64()?;
        // Every op takes at least one byte: a count past what is left is corrupt.
        let mut ops = Vec::with_capacity(n.min(4096) as usize);
        for _ in 0..n {
            ops.push(decode_op(&mut r)?);
        }
        r.end()?;
        Ok(StreamEntry { ts, seed, ops })
    }
}

fn encode_op(w: &mut Writer, op: &StreamOp) {
    match op {
        StreamOp::Input(kind, m) => {
            w.u8(OP_INPUT);
            w.u8(kind_tag(*kind));
            w.bytes(&m.subject);
            w.opt_bytes(m.reply.as_deref());
            w.opt_bytes(m.headers.as_deref());
            w.bytes(&m.payload);
        }
        StreamOp::Tick => w.u8(OP_TICK),
        StreamOp::PushInterest { consumer, active } => {
            w.u8(OP_PUSH_INTEREST);
            w.bytes(consumer.as_bytes());
            w.u8(u8::from(*active));
        }
        StreamOp::PullsGone { consumer, replies } => {
            w.u8(OP_PULLS_GONE);
            w.bytes(consumer.as_bytes());
            w.u64(replies.len() as u64);
            for r in replies {
                w.bytes(r);
            }
        }
    }
}

fn decode_op(r: &mut Reader) -> Result<StreamOp, WireError> {
    Ok(match r.u8()? {
        OP_INPUT => {
            let kind = kind_of(r.u8()?)?;
            let subject = r.bytes()?;
            let reply = r.opt_bytes()?;
            let headers = r.opt_bytes()?;
            let payload = r.bytes()?;
            StreamOp::Input(
                kind,
                Publish {
                    subject,
                    reply,
                    headers,
                    payload,
                },
            )
        }
        OP_TICK => StreamOp::Tick,
        OP_PUSH_INTEREST => StreamOp::PushInterest {
            consumer: r.string()?,
            active: match r.u8()? {
                0 => false,
                1 => true,
                t => return Err(WireError::UnknownTag(t)),
            },
        },
        OP_PULLS_GONE => {
            let consumer = r.string()?;
            let n = r.u64()?;
            let mut replies = Vec::with_capacity(n.min(4096) as usize);
            for _ in 0..n {
                replies.push(r.bytes()?);
            }
            StreamOp::PullsGone { consumer, replies }
        }
        t => return Err(WireError::UnknownTag(t)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn publish() -> impl Strategy<Value = Publish> {
        (
            proptest::collection::vec(any::<u8>(), 1..20),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            proptest::collection::vec(any::<u8>(), 0..200),
        )
            .prop_map(|(s, r, h, p)| Publish {
                subject: Bytes::from(s),
                reply: r.map(Bytes::from),
                headers: h.map(Bytes::from),
                payload: Bytes::from(p),
            })
    }

    fn op() -> impl Strategy<Value = StreamOp> {
        let kind = prop_oneof![
            Just(InputKind::Msg),
            Just(InputKind::Api),
            Just(InputKind::Ack),
            Just(InputKind::FlowControl)
        ];
        prop_oneof![
            (kind, publish()).prop_map(|(k, m)| StreamOp::Input(k, m)),
            Just(StreamOp::Tick),
            ("[a-z]{1,8}", any::<bool>())
                .prop_map(|(consumer, active)| StreamOp::PushInterest { consumer, active }),
            (
                "[a-z]{1,8}",
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..10), 0..4)
            )
                .prop_map(|(consumer, r)| StreamOp::PullsGone {
                    consumer,
                    replies: r.into_iter().map(Bytes::from).collect()
                }),
        ]
    }

    proptest! {
        #[test]
        fn entries_round_trip(ts: i64, seed: u64, ops in proptest::collection::vec(op(), 0..8)) {
            let e = StreamEntry { ts, seed, ops };
            prop_assert_eq!(StreamEntry::decode(Bytes::from(e.encode())).unwrap(), e);
        }

        #[test]
        fn every_truncation_is_an_error(ops in proptest::collection::vec(op(), 1..4)) {
            let e = StreamEntry { ts: 1, seed: 2, ops };
            let buf = e.encode();
            for cut in 0..buf.len() {
                prop_assert!(StreamEntry::decode(Bytes::copy_from_slice(&buf[..cut])).is_err());
            }
        }

        #[test]
        fn garbage_never_panics(buf: Vec<u8>) {
            let _ = StreamEntry::decode(Bytes::from(buf));
        }
    }
}
