//! Output of `rill bench`: the human summary in `nats bench`'s wording, a JSON document for
//! scripts (`--json`), and `nats bench`'s per-client CSV (`--csv FILE`).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::stats::{LatencySummary, Sample, SampleGroup};
use super::units::{fmt_count, fmt_rate, fmt_size};

/// Everything a finished benchmark run reports.
#[derive(Debug, Clone)]
pub struct Report {
    /// Mode name: `pub`, `sub`, `pubsub`, `request`, `reply` or `request-reply`.
    pub mode: &'static str,
    /// Subject used.
    pub subject: String,
    /// Server URL connected to.
    pub server_url: String,
    /// `server_name` and `version` from the server's INFO.
    pub server_info: (String, String),
    /// Messages asked for (`--msgs`).
    pub msgs: u64,
    /// Payload size in bytes.
    pub size: usize,
    /// Publisher (or requester) samples.
    pub publishers: SampleGroup,
    /// Subscriber (or replier) samples.
    pub subscribers: SampleGroup,
    /// Request round-trip times, in request mode.
    pub latency: Option<LatencySummary>,
    /// Messages async-nats dropped because a subscription buffer was full.
    pub slow_consumer_events: u64,
}

impl Report {
    /// The human-readable summary, modelled on `nats bench`.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let overall = self.publishers.merged(&self.subscribers);
        let title = match (
            self.publishers.samples.is_empty(),
            self.subscribers.samples.is_empty(),
        ) {
            (false, false) => "Pub/Sub",
            (false, true) => "Pub",
            (true, _) => "Sub",
        };
        let _ = writeln!(
            out,
            "\nNATS {title} stats ({}, server v{}): {}",
            self.mode,
            self.server_info.1,
            group_rate(&overall)
        );
        for (label, group) in [(" Pub", &self.publishers), (" Sub", &self.subscribers)] {
            if group.samples.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{label} stats: {}", group_rate(group));
            if group.samples.len() > 1 {
                for (i, sample) in group.samples.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "  [{}] {} ({} msgs)",
                        i + 1,
                        fmt_rate(sample.msgs_per_sec(), sample.mb_per_sec()),
                        fmt_count(sample.msgs)
                    );
                }
                let spread = group.spread();
                let _ = writeln!(
                    out,
                    "  min {} | avg {} | max {} | stddev {} msgs",
                    fmt_count(spread.min.round() as u64),
                    fmt_count(spread.avg.round() as u64),
                    fmt_count(spread.max.round() as u64),
                    fmt_count(spread.stddev.round() as u64)
                );
            }
        }
        if let Some(l) = &self.latency {
            let _ = writeln!(
                out,
                " Round trips (µs): min {:.1} | avg {:.1} | p50 {:.1} | p90 {:.1} | p99 {:.1} | \
                 max {:.1}",
                l.min_us, l.avg_us, l.p50_us, l.p90_us, l.p99_us, l.max_us
            );
        }
        if self.slow_consumer_events > 0 {
            let _ = writeln!(
                out,
                " Warning: {} client-side slow-consumer drops",
                fmt_count(self.slow_consumer_events)
            );
        }
        out
    }

    /// The machine-readable summary printed by `--json` (one JSON object).
    pub fn json(&self) -> Value {
        let overall = self.publishers.merged(&self.subscribers);
        json!({
            "tool": "rill bench",
            "mode": self.mode,
            "subject": self.subject,
            "server_url": self.server_url,
            "server_name": self.server_info.0,
            "server_version": self.server_info.1,
            "msgs": self.msgs,
            "size": self.size,
            "pubs": self.publishers.samples.len(),
            "subs": self.subscribers.samples.len(),
            "pub": group_json(&self.publishers),
            "sub": group_json(&self.subscribers),
            "overall": group_json(&overall),
            "latency_us": self.latency.map(|l| json!({
                "count": l.count, "min": l.min_us, "avg": l.avg_us, "p50": l.p50_us,
                "p90": l.p90_us, "p99": l.p99_us, "max": l.max_us,
            })),
            "slow_consumer_events": self.slow_consumer_events,
        })
    }

    /// Per-client rows in `nats bench`'s CSV layout, `P<n>` for publishers, `S<n>` for
    /// subscribers.
    pub fn csv(&self) -> String {
        let run_id = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut out = String::from(
            "#RunID, ClientID, MsgCount, MsgBytes, MsgsPerSec, BytesPerSec, DurationSecs\n",
        );
        for (prefix, group) in [("P", &self.publishers), ("S", &self.subscribers)] {
            for (i, s) in group.samples.iter().enumerate() {
                let secs = s.elapsed().as_secs_f64();
                let bytes_per_sec = if secs > 0.0 {
                    s.bytes as f64 / secs
                } else {
                    0.0
                };
                let _ = writeln!(
                    out,
                    "{run_id}, {prefix}{i}, {}, {}, {:.0}, {:.0}, {secs:.6}",
                    s.msgs,
                    s.bytes,
                    s.msgs_per_sec(),
                    bytes_per_sec
                );
            }
        }
        out
    }
}

/// The one-line header printed before a run starts.
pub fn banner(
    mode: &str,
    subject: &str,
    msgs: u64,
    size: usize,
    pubs: usize,
    subs: usize,
) -> String {
    format!(
        "Starting {mode} benchmark [subject={subject}, msgs={}, size={}, pubs={pubs}, subs={subs}]",
        fmt_count(msgs),
        fmt_size(size)
    )
}

fn group_rate(group: &SampleGroup) -> String {
    match group.total() {
        Some(total) => fmt_rate(total.msgs_per_sec(), total.mb_per_sec()),
        None => "no clients".to_owned(),
    }
}

fn sample_json(sample: &Sample) -> Value {
    json!({
        "msgs": sample.msgs,
        "bytes": sample.bytes,
        "elapsed_s": sample.elapsed().as_secs_f64(),
        "msgs_per_s": sample.msgs_per_sec(),
        "mb_per_s": sample.mb_per_sec(),
    })
}

fn group_json(group: &SampleGroup) -> Value {
    let Some(total) = group.total() else {
        return Value::Null;
    };
    let spread = group.spread();
    let mut value = sample_json(&total);
    if let Value::Object(map) = &mut value {
        map.insert("min".into(), json!(spread.min));
        map.insert("avg".into(), json!(spread.avg));
        map.insert("max".into(), json!(spread.max));
        map.insert("stddev".into(), json!(spread.stddev));
        let clients: Vec<Value> = group.samples.iter().map(sample_json).collect();
        map.insert("clients".into(), Value::Array(clients));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn report() -> Report {
        let t0 = Instant::now();
        let sample = |msgs: u64, ms: u64| Sample {
            msgs,
            bytes: msgs * 128,
            start: t0,
            end: t0 + Duration::from_millis(ms),
        };
        Report {
            mode: "pubsub",
            subject: "bench".into(),
            server_url: "nats://127.0.0.1:4222".into(),
            server_info: ("test".into(), "2.15.1".into()),
            msgs: 1000,
            size: 128,
            publishers: SampleGroup::new(vec![sample(500, 500), sample(500, 1000)]),
            subscribers: SampleGroup::new(vec![sample(1000, 1000)]),
            latency: None,
            slow_consumer_events: 0,
        }
    }

    #[test]
    fn text_lists_clients_only_for_sides_with_several() {
        let text = report().text();
        assert!(
            text.contains("NATS Pub/Sub stats (pubsub, server v2.15.1): 2,000 msgs/sec"),
            "{text}"
        );
        assert!(text.contains(" Pub stats: 1,000 msgs/sec"), "{text}");
        assert!(text.contains("  [2] 500 msgs/sec"), "{text}");
        assert!(
            text.contains("  min 500 | avg 750 | max 1,000 | stddev 250 msgs"),
            "{text}"
        );
        assert_eq!(text.matches("  [1]").count(), 1, "{text}");
    }

    #[test]
    fn json_carries_totals_and_per_client_rates() {
        let value = report().json();
        assert_eq!(value["pub"]["msgs"], 1000);
        assert_eq!(value["sub"]["clients"].as_array().map(Vec::len), Some(1));
        assert_eq!(value["overall"]["msgs_per_s"], 2000.0);
        assert!(value["latency_us"].is_null());
    }

    #[test]
    fn csv_has_one_row_per_client() {
        let csv = report().csv();
        assert_eq!(csv.lines().count(), 4, "{csv}");
        assert!(csv
            .lines()
            .nth(3)
            .is_some_and(|l| l.contains(", S0, 1000, 128000, 1000, ")));
    }
}
