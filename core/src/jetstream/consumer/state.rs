//! [`ConsumerState`]: what a consumer persists (nats-server's `ConsumerState`), and its
//! reconciliation with the stream when it is restored.

use alloc::collections::BTreeMap;
use serde::{Deserialize, Serialize};

use crate::jetstream::store::UnixNanos;

/// A consumer sequence and a stream sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SequencePair {
    /// Consumer (delivery) sequence.
    pub consumer_seq: u64,
    /// Stream sequence.
    pub stream_seq: u64,
}

/// A delivered message awaiting its ack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAck {
    /// Consumer sequence of its first delivery (kept across redeliveries, as nats-server).
    pub consumer_seq: u64,
    /// When it was last delivered (or `+WPI` / `-NAK <delay>` moved its timer), Unix ns.
    /// nats-server's store records the message's own time here; we record the delivery,
    /// so a restored consumer waits a full `ack_wait` from the last delivery.
    pub timestamp: UnixNanos,
}

/// A consumer's durable state: persist it on every [`Effect::StateChanged`] and hand it back
/// to [`Consumer::new`] after a restart.
///
/// [`Effect::StateChanged`]: super::Effect::StateChanged
/// [`Consumer::new`]: super::Consumer::new
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerState {
    /// Highest consumer sequence and highest stream sequence delivered (the starting point
    /// minus one before anything is delivered).
    pub delivered: SequencePair,
    /// Everything at or below is acknowledged (or given up on).
    pub ack_floor: SequencePair,
    /// Delivered and not acknowledged, by stream sequence. At most `max_ack_pending`.
    pub pending: BTreeMap<u64, PendingAck>,
    /// Redeliveries per stream sequence (deliveries minus one). A message `max_deliver`
    /// gave up on stays here with the value `max_deliver` (nats-server's convention) until it
    /// is acked or leaves the stream, so interest streams keep it.
    pub redelivered: BTreeMap<u64, u64>,
}

impl ConsumerState {
    /// The state of a consumer that starts at stream sequence `start`.
    pub(super) fn starting_at(start: u64) -> ConsumerState {
        let at = SequencePair {
            consumer_seq: 0,
            stream_seq: start.saturating_sub(1),
        };
        ConsumerState {
            delivered: at,
            ack_floor: at,
            ..ConsumerState::default()
        }
    }

    /// Fits a restored state to the stream it runs on: a stream that lost its tail
    /// (nats-server `reconcileStateWithStream`), and messages that left from the front while
    /// the consumer was down. Returns whether anything changed.
    pub(super) fn reconcile(&mut self, first_seq: u64, last_seq: u64) -> bool {
        let before = self.clone();
        if self.ack_floor.stream_seq > last_seq {
            self.ack_floor = SequencePair {
                consumer_seq: self.delivered.consumer_seq,
                stream_seq: last_seq,
            };
            self.pending.clear();
            self.redelivered.clear();
        }
        self.pending.retain(|seq, _| *seq <= last_seq);
        self.redelivered.retain(|seq, _| *seq <= last_seq);
        if self.delivered.stream_seq > last_seq {
            self.delivered = match self.pending.last_key_value() {
                None => self.ack_floor,
                Some((seq, _)) => {
                    let consumer_seq = self
                        .pending
                        .values()
                        .map(|p| p.consumer_seq)
                        .max()
                        .unwrap_or(0);
                    SequencePair {
                        consumer_seq,
                        stream_seq: *seq,
                    }
                }
            };
        }
        let floor = self.ack_floor.stream_seq;
        let dropped = self
            .pending
            .keys()
            .take_while(|seq| **seq < first_seq || **seq <= floor)
            .last()
            .copied();
        self.pending
            .retain(|seq, _| *seq >= first_seq && *seq > floor);
        self.redelivered.retain(|seq, _| *seq >= first_seq);
        if let Some(seq) = dropped {
            self.raise_floor(seq);
        }
        *self != before
    }

    /// After `removed` left `pending` (acked, terminated, given up on, gone from the
    /// stream): when nothing is pending the floor becomes `delivered`; when `removed` was the
    /// oldest pending message the floor moves to just below the new oldest (nats-server
    /// `moveAckFloor`). Never moves down.
    pub(super) fn raise_floor(&mut self, removed: u64) {
        let target = match self.pending.first_key_value() {
            None => self.delivered,
            Some((seq, _)) if removed > *seq => return,
            Some((seq, p)) => SequencePair {
                consumer_seq: p.consumer_seq.saturating_sub(1),
                stream_seq: seq - 1,
            },
        };
        self.ack_floor.consumer_seq = self.ack_floor.consumer_seq.max(target.consumer_seq);
        self.ack_floor.stream_seq = self.ack_floor.stream_seq.max(target.stream_seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(consumer_seq: u64, stream_seq: u64) -> SequencePair {
        SequencePair {
            consumer_seq,
            stream_seq,
        }
    }

    #[test]
    fn state_round_trips_through_json() {
        let mut s = ConsumerState::starting_at(1);
        s.delivered = pair(3, 3);
        s.pending.insert(
            2,
            PendingAck {
                consumer_seq: 2,
                timestamp: 7,
            },
        );
        s.redelivered.insert(2, 1);
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ConsumerState>(&text).unwrap(), s);
    }

    #[test]
    fn reconcile_drops_what_the_stream_lost() {
        let mut s = ConsumerState {
            delivered: pair(5, 5),
            ack_floor: pair(1, 1),
            ..Default::default()
        };
        for seq in 2..=5 {
            s.pending.insert(
                seq,
                PendingAck {
                    consumer_seq: seq,
                    timestamp: 0,
                },
            );
        }
        // Stream now holds 3..=4: 2 left from the front, 5 was lost from the tail.
        assert!(s.reconcile(3, 4));
        assert_eq!(
            s.pending.keys().copied().collect::<alloc::vec::Vec<_>>(),
            [3, 4]
        );
        assert_eq!(s.delivered, pair(4, 4));
        assert!(!s.reconcile(3, 4));
    }
}
