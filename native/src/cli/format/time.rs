//! Timestamps in the shapes the `nats` CLI prints them:
//!
//! | function | example | where the seed shows it |
//! |---|---|---|
//! | [`datetime`] | `2023-04-09 08:28:33` | `Information for Stream my_stream created ...` |
//! | [`clock`] | `09:05:18` | `[09:05:18] subj: foo / tries: 1 ...` |
//! | [`utc_label`] | `2023-04-09T00:30:38 UTC` | `FirstSeq: 1 @ ...` |
//! | [`rfc3339`] | `2023-04-09T08:31:23Z` | `Information for Consumer ... created ...`, `{{TimeStamp}}` |
//!
//! Rill prints wall-clock times in UTC: the nats CLI uses the local zone, which would need a
//! time-zone database this crate does not carry. Times are Unix nanoseconds, so callers can
//! pass server timestamps and tests can pass fixed instants.

use std::time::{SystemTime, UNIX_EPOCH};

use rill_core::jetstream::api::Timestamp;

/// Now as Unix nanoseconds (0 if the clock is before 1970).
pub fn now_unix_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SS` of `nanos` in UTC, without fraction or zone.
fn civil(nanos: i64) -> String {
    // `Timestamp(0)` means Go's zero time; 1 ns past the epoch prints the epoch's second.
    let text = Timestamp(nanos.max(1)).to_rfc3339();
    text.get(..19).unwrap_or(&text).to_string()
}

/// `2023-04-09 08:28:33` (UTC).
pub fn datetime(nanos: i64) -> String {
    civil(nanos).replacen('T', " ", 1)
}

/// `09:05:18` (UTC).
pub fn clock(nanos: i64) -> String {
    let text = civil(nanos);
    text.get(11..19).unwrap_or(&text).to_string()
}

/// `2023-04-09T00:30:38 UTC`.
pub fn utc_label(nanos: i64) -> String {
    format!("{} UTC", civil(nanos))
}

/// RFC 3339 in UTC with whole seconds: `2023-04-09T08:31:23Z`.
pub fn rfc3339(nanos: i64) -> String {
    format!("{}Z", civil(nanos))
}

/// Go's `time.Kitchen` layout: `3:04PM` (UTC).
pub fn kitchen(nanos: i64) -> String {
    let text = clock(nanos);
    let hour: u32 = text.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0);
    let minute = text.get(3..5).unwrap_or("00");
    let (h12, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!("{h12}:{minute}{half}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2023-04-09T00:30:38Z
    const T: i64 = 1_681_000_238_000_000_000;

    #[test]
    fn shapes_match_the_seed() {
        assert_eq!(datetime(T), "2023-04-09 00:30:38");
        assert_eq!(clock(T), "00:30:38");
        assert_eq!(utc_label(T), "2023-04-09T00:30:38 UTC");
        assert_eq!(rfc3339(T + 123_456), "2023-04-09T00:30:38Z");
    }

    #[test]
    fn kitchen_uses_a_twelve_hour_clock() {
        assert_eq!(kitchen(T), "12:30AM");
        assert_eq!(kitchen(T + 13 * 3600 * 1_000_000_000), "1:30PM");
        assert_eq!(kitchen(T + 12 * 3600 * 1_000_000_000), "12:30PM");
    }

    #[test]
    fn now_is_after_2020() {
        assert!(now_unix_nanos() > 1_577_836_800_000_000_000);
    }
}
