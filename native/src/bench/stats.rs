//! Throughput and latency arithmetic for `rill bench`, kept apart from the network code so it can
//! be tested with made-up instants.
//!
//! The model is `nats bench`'s: each client yields one [`Sample`] (messages, bytes, start, end); a
//! side (publishers, subscribers) is a [`SampleGroup`] whose aggregate rate is all its messages over
//! the span from the earliest start to the latest end, plus the min/avg/max/stddev of the
//! per-client rates.

use std::time::{Duration, Instant};

use super::units::MB_BYTES;

/// What one client moved and when: the unit every rate is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Messages sent or received.
    pub msgs: u64,
    /// Payload bytes sent or received (headers and protocol overhead excluded, as in `nats bench`).
    pub bytes: u64,
    /// When the client started (publishers) or saw its first message (subscribers).
    pub start: Instant,
    /// When the client finished: after its final flush, or on its last message.
    pub end: Instant,
}

impl Sample {
    /// Time between start and end.
    pub fn elapsed(&self) -> Duration {
        self.end.saturating_duration_since(self.start)
    }

    /// Messages per second; 0 when the sample spans no measurable time.
    pub fn msgs_per_sec(&self) -> f64 {
        per_sec(self.msgs as f64, self.elapsed())
    }

    /// Payload megabytes (binary) per second; 0 when the sample spans no measurable time.
    pub fn mb_per_sec(&self) -> f64 {
        per_sec(self.bytes as f64, self.elapsed()) / MB_BYTES
    }
}

fn per_sec(amount: f64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        amount / secs
    } else {
        0.0
    }
}

/// Min, average, max and population standard deviation of the per-client rates of one side.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Spread {
    /// Slowest client, msgs/s.
    pub min: f64,
    /// Mean over clients, msgs/s.
    pub avg: f64,
    /// Fastest client, msgs/s.
    pub max: f64,
    /// Population standard deviation, msgs/s.
    pub stddev: f64,
}

/// The samples of all clients on one side of a benchmark (or of all sides, for the overall line).
#[derive(Debug, Clone, Default)]
pub struct SampleGroup {
    /// One sample per client, in client order.
    pub samples: Vec<Sample>,
}

impl SampleGroup {
    /// A group of the given samples.
    pub fn new(samples: Vec<Sample>) -> Self {
        Self { samples }
    }

    /// All messages and bytes of the group over its whole span (earliest start to latest end);
    /// `None` for an empty group.
    pub fn total(&self) -> Option<Sample> {
        let first = self.samples.first()?;
        let mut total = Sample {
            msgs: 0,
            bytes: 0,
            start: first.start,
            end: first.end,
        };
        for sample in &self.samples {
            total.msgs += sample.msgs;
            total.bytes += sample.bytes;
            total.start = total.start.min(sample.start);
            total.end = total.end.max(sample.end);
        }
        Some(total)
    }

    /// Spread of the per-client msgs/s rates (all zero for an empty group).
    pub fn spread(&self) -> Spread {
        if self.samples.is_empty() {
            return Spread::default();
        }
        let rates: Vec<f64> = self.samples.iter().map(Sample::msgs_per_sec).collect();
        let n = rates.len() as f64;
        let avg = rates.iter().sum::<f64>() / n;
        let variance = rates.iter().map(|r| (r - avg) * (r - avg)).sum::<f64>() / n;
        Spread {
            min: rates.iter().copied().fold(f64::INFINITY, f64::min),
            avg,
            max: rates.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            stddev: variance.sqrt(),
        }
    }

    /// This group and `other` as one group (the "overall" line of a pub/sub run).
    pub fn merged(&self, other: &SampleGroup) -> SampleGroup {
        let mut samples = self.samples.clone();
        samples.extend_from_slice(&other.samples);
        SampleGroup { samples }
    }
}

/// Request round-trip times summarised in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatencySummary {
    /// Number of round trips measured.
    pub count: u64,
    /// Fastest round trip, µs.
    pub min_us: f64,
    /// Mean round trip, µs.
    pub avg_us: f64,
    /// Median, µs.
    pub p50_us: f64,
    /// 90th percentile, µs.
    pub p90_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
    /// Slowest round trip, µs.
    pub max_us: f64,
}

impl LatencySummary {
    /// Summarises round-trip times given in nanoseconds (sorted in place); `None` if empty.
    pub fn from_nanos(samples_ns: &mut [u64]) -> Option<Self> {
        if samples_ns.is_empty() {
            return None;
        }
        samples_ns.sort_unstable();
        let us = |ns: u64| ns as f64 / 1000.0;
        // Nearest-rank percentile: the smallest sample with at least p% of samples at or below it.
        let rank = |p: f64| {
            let index = ((p / 100.0) * samples_ns.len() as f64).ceil() as usize;
            samples_ns[index.clamp(1, samples_ns.len()) - 1]
        };
        let sum: u128 = samples_ns.iter().map(|&ns| u128::from(ns)).sum();
        Some(Self {
            count: samples_ns.len() as u64,
            min_us: us(samples_ns[0]),
            avg_us: sum as f64 / samples_ns.len() as f64 / 1000.0,
            p50_us: us(rank(50.0)),
            p90_us: us(rank(90.0)),
            p99_us: us(rank(99.0)),
            max_us: us(samples_ns[samples_ns.len() - 1]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(base: Instant, msgs: u64, start_ms: u64, end_ms: u64) -> Sample {
        Sample {
            msgs,
            bytes: msgs * 128,
            start: base + Duration::from_millis(start_ms),
            end: base + Duration::from_millis(end_ms),
        }
    }

    #[test]
    fn sample_rate_is_messages_over_elapsed_time() {
        let base = Instant::now();
        let s = sample(base, 1_000, 0, 500);
        assert!((s.msgs_per_sec() - 2_000.0).abs() < 1e-6);
        assert!((s.mb_per_sec() - 2_000.0 * 128.0 / MB_BYTES).abs() < 1e-9);
    }

    #[test]
    fn zero_length_sample_has_zero_rate_instead_of_infinity() {
        let base = Instant::now();
        assert_eq!(sample(base, 1, 10, 10).msgs_per_sec(), 0.0);
    }

    #[test]
    fn group_total_spans_earliest_start_to_latest_end() {
        let base = Instant::now();
        let group = SampleGroup::new(vec![
            sample(base, 1_000, 0, 1_000),
            sample(base, 3_000, 500, 2_000),
        ]);
        let total = group.total().expect("non-empty group");
        assert_eq!(total.msgs, 4_000);
        assert_eq!(total.elapsed(), Duration::from_secs(2));
        assert!((total.msgs_per_sec() - 2_000.0).abs() < 1e-6);
        let spread = group.spread();
        assert!((spread.min - 1_000.0).abs() < 1e-6);
        assert!((spread.max - 2_000.0).abs() < 1e-6);
        assert!((spread.avg - 1_500.0).abs() < 1e-6);
        assert!((spread.stddev - 500.0).abs() < 1e-6);
        assert!(SampleGroup::default().total().is_none());
    }

    #[test]
    fn latency_percentiles_use_nearest_rank() {
        let mut ns: Vec<u64> = (1..=100).rev().map(|i| i * 1_000).collect();
        let summary = LatencySummary::from_nanos(&mut ns).expect("non-empty");
        assert_eq!(summary.count, 100);
        assert_eq!(summary.min_us, 1.0);
        assert_eq!(summary.p50_us, 50.0);
        assert_eq!(summary.p90_us, 90.0);
        assert_eq!(summary.p99_us, 99.0);
        assert_eq!(summary.max_us, 100.0);
        assert!((summary.avg_us - 50.5).abs() < 1e-9);
        assert!(LatencySummary::from_nanos(&mut []).is_none());
    }
}
