//! Timestamps in the shapes the `nats` CLI prints them:
//!
//! | function | example | where the seed shows it |
//! |---|---|---|
//! | [`datetime`] | `2023-04-09 08:28:33` | `Information for Stream my_stream created ...` |
//! | [`clock`] | `09:05:18` | `[09:05:18] subj: foo / tries: 1 ...` |
//! | [`rfc3339`] | `2023-04-09T08:31:23+08:00` | `Information for Consumer ... created ...`, `{{TimeStamp}}` |
//! | [`utc_label`] | `2023-04-09T00:30:38 UTC` | `FirstSeq: 1 @ ...` |
//!
//! All but [`utc_label`] are in local time ([`Zone::local`]); the `*_in` forms take the zone,
//! so tests and callers can pin it. Times are Unix nanoseconds, so callers can pass server
//! timestamps and tests can pass fixed instants.

use std::time::{SystemTime, UNIX_EPOCH};

use rill_core::jetstream::api::Timestamp;

use super::zone::Zone;

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Now as Unix nanoseconds (0 if the clock is before 1970).
pub fn now_unix_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn offset_secs(nanos: i64, zone: &Zone) -> i32 {
    zone.offset_at(nanos.div_euclid(NANOS_PER_SEC))
}

/// `YYYY-MM-DDTHH:MM:SS` of `nanos` shifted by `offset` seconds, without fraction or zone.
fn civil(nanos: i64, offset: i32) -> String {
    let shifted = nanos.saturating_add(i64::from(offset) * NANOS_PER_SEC);
    // `Timestamp(0)` means Go's zero time; 1 ns past the epoch prints the epoch's second.
    let text = Timestamp(shifted.max(1)).to_rfc3339();
    text.get(..19).unwrap_or(&text).to_string()
}

/// `2023-04-09 08:28:33` in `zone`.
pub fn datetime_in(nanos: i64, zone: &Zone) -> String {
    civil(nanos, offset_secs(nanos, zone)).replacen('T', " ", 1)
}

/// `2023-04-09 08:28:33`, local time.
pub fn datetime(nanos: i64) -> String {
    datetime_in(nanos, Zone::local())
}

/// `09:05:18` in `zone`.
pub fn clock_in(nanos: i64, zone: &Zone) -> String {
    let text = civil(nanos, offset_secs(nanos, zone));
    text.get(11..19).unwrap_or(&text).to_string()
}

/// `09:05:18`, local time.
pub fn clock(nanos: i64) -> String {
    clock_in(nanos, Zone::local())
}

/// RFC 3339 with whole seconds in `zone`, as Go's `time.RFC3339`: `2023-04-09T08:31:23+08:00`,
/// `Z` for UTC.
pub fn rfc3339_in(nanos: i64, zone: &Zone) -> String {
    let offset = offset_secs(nanos, zone);
    let mut out = civil(nanos, offset);
    if offset == 0 {
        out.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let abs = offset.unsigned_abs();
        out.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60));
    }
    out
}

/// RFC 3339 in local time.
pub fn rfc3339(nanos: i64) -> String {
    rfc3339_in(nanos, Zone::local())
}

/// `2023-04-09T00:30:38 UTC`.
pub fn utc_label(nanos: i64) -> String {
    format!("{} UTC", civil(nanos, 0))
}

/// Go's `time.Kitchen` layout in `zone`: `3:04PM`.
pub fn kitchen_in(nanos: i64, zone: &Zone) -> String {
    let text = clock_in(nanos, zone);
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
    const UTC: Zone = Zone::utc();
    const CST: Zone = Zone::fixed(8 * 3600);

    #[test]
    fn shapes_match_the_seed() {
        assert_eq!(datetime_in(T, &CST), "2023-04-09 08:30:38");
        assert_eq!(clock_in(T, &CST), "08:30:38");
        assert_eq!(rfc3339_in(T + 123_456, &CST), "2023-04-09T08:30:38+08:00");
        assert_eq!(utc_label(T), "2023-04-09T00:30:38 UTC");
    }

    #[test]
    fn utc_and_negative_offsets() {
        assert_eq!(rfc3339_in(T, &UTC), "2023-04-09T00:30:38Z");
        assert_eq!(datetime_in(T, &UTC), "2023-04-09 00:30:38");
        assert_eq!(
            rfc3339_in(T, &Zone::fixed(-(5 * 3600 + 30 * 60))),
            "2023-04-08T19:00:38-05:30"
        );
    }

    #[test]
    fn kitchen_uses_a_twelve_hour_clock() {
        assert_eq!(kitchen_in(T, &UTC), "12:30AM");
        assert_eq!(kitchen_in(T, &Zone::fixed(13 * 3600)), "1:30PM");
        assert_eq!(kitchen_in(T, &Zone::fixed(12 * 3600)), "12:30PM");
    }

    #[test]
    fn now_is_after_2020() {
        assert!(now_unix_nanos() > 1_577_836_800_000_000_000);
        assert_eq!(clock(T).len(), 8);
        assert_eq!(datetime(T).len(), 19);
        assert!(rfc3339(T).starts_with("2023-04-"));
    }
}
