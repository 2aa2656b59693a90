//! Ack sampling (`sample_freq`): a share of acks is reported as a metric, with how long the
//! message waited for its ack, as nats-server's `$JS.EVENT.METRIC.CONSUMER.ACK.<stream>.<consumer>`.
//!
//! The draw uses the consumer's seeded generator (the core has no randomness of its own), so
//! a run is reproducible from its seed.

use alloc::vec::Vec;

use super::{Consumer, Effect, PendingAck};
use crate::jetstream::store::UnixNanos;

/// The percentage `sample_freq` asks for: `"30"` or `"30%"`, clamped to 0..=100; anything
/// else (refused at create time) is 0.
pub fn sample_percent(sample_freq: &str) -> u64 {
    let text = sample_freq.strip_suffix('%').unwrap_or(sample_freq);
    text.trim().parse::<u64>().map_or(0, |p| p.min(100))
}

impl Consumer {
    /// Whether this ack is one of the sampled share.
    fn draw_sample(&mut self) -> bool {
        if self.config.sample_freq.is_empty() {
            return false;
        }
        match sample_percent(&self.config.sample_freq) {
            0 => false,
            100 => true,
            p => self.pin_ids.next_u64() % 100 < p,
        }
    }

    /// Reports the ack of `stream_seq` (delivered as `pending`, `deliveries` times so far)
    /// when the draw picks it.
    pub(super) fn sample_ack(
        &mut self,
        now: UnixNanos,
        stream_seq: u64,
        pending: &PendingAck,
        deliveries: u64,
        out: &mut Vec<Effect>,
    ) {
        if self.draw_sample() {
            out.push(Effect::AckSampled {
                stream_seq,
                consumer_seq: pending.consumer_seq,
                deliveries,
                ack_time: now.saturating_sub(pending.timestamp).max(0),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_parse_with_or_without_the_sign() {
        assert_eq!(sample_percent("30"), 30);
        assert_eq!(sample_percent("30%"), 30);
        assert_eq!(sample_percent("250%"), 100);
        assert_eq!(sample_percent(""), 0);
        assert_eq!(sample_percent("x"), 0);
    }
}
