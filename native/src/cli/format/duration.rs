//! Durations as Go writes and reads them (`2m0s`, `30s`, `1.5s`, `500ms`), the form the `nats`
//! CLI prints and accepts in flags such as `--timeout 5s` or `--sleep 1s`.
//!
//! The arithmetic lives in `rill-core` (the JetStream API uses the same format); this module
//! adapts it to `std::time::Duration` and to error messages fit for a command line.

use std::time::Duration;

use rill_core::jetstream::api::{format_go_duration, parse_go_duration};

/// Formats `d` as Go's `Duration.String()`: `0s`, `500ms`, `1.5s`, `2m0s`, `1h0m0s`.
pub fn format_duration(d: Duration) -> String {
    format_go_duration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Formats a duration in nanoseconds where `0` or a negative value means no limit
/// (`Maximum Age: unlimited`).
pub fn format_nanos_or_unlimited(nanos: i64) -> String {
    if nanos <= 0 {
        "unlimited".to_string()
    } else {
        format_go_duration(nanos)
    }
}

/// Parses a Go duration (`5s`, `500ms`, `1m30s`); a bare number is taken as seconds, as users
/// type `--timeout 5`. Negative durations are refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if let Ok(secs) = trimmed.parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("invalid duration {text:?}: must be zero or positive"));
    }
    let nanos = parse_go_duration(trimmed)
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 5s, 500ms or 1m30s"))?;
    u64::try_from(nanos)
        .map(Duration::from_nanos)
        .map_err(|_| format!("invalid duration {text:?}: must be zero or positive"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        assert_eq!(format_duration(Duration::from_secs(120)), "2m0s");
        assert_eq!(format_duration(Duration::from_secs(30)), "30s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn zero_or_negative_limits_are_unlimited() {
        assert_eq!(format_nanos_or_unlimited(0), "unlimited");
        assert_eq!(format_nanos_or_unlimited(-1), "unlimited");
        assert_eq!(format_nanos_or_unlimited(120_000_000_000), "2m0s");
    }

    #[test]
    fn parses_go_durations_and_bare_seconds() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
