//! Parsing and printing of the quantities `rill bench` deals in: message sizes ("128", "1KB",
//! "1MiB"), durations ("10s", "500ms") and human-readable counts and rates.
//!
//! Sizes follow `nats bench`: the K/M/G suffixes are binary (1 KB = 1,024 bytes), and so is the
//! "MB/sec" figure in the summary, so numbers line up with the Go tool's output.

use std::time::Duration;

/// Bytes in one "MB" of the MB/sec figures (binary, as `nats bench` prints them).
pub const MB_BYTES: f64 = 1024.0 * 1024.0;

/// Parses a message size: a plain byte count or a number with a K/M/G suffix, optionally followed
/// by `B` or `iB` (`128`, `1K`, `1KB`, `1KiB`, `1.5MB`, `64b`). Suffixes are binary and
/// case-insensitive.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let multiplier: f64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown size suffix {other:?} in {text:?}")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid size {text:?}: expected e.g. 128, 1KB or 1MiB"))?;
    let bytes = value * multiplier;
    if !bytes.is_finite() || bytes < 0.0 || bytes > usize::MAX as f64 {
        return Err(format!("size {text:?} is out of range"));
    }
    if bytes.fract() != 0.0 {
        return Err(format!("size {text:?} is not a whole number of bytes"));
    }
    Ok(bytes as usize)
}

/// Parses a duration: a number with an optional `ms`, `s` or `m` suffix; a bare number is
/// seconds (`10`, `10s`, `500ms`, `1.5m`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 10s or 500ms"))?;
    let secs = match suffix.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        other => return Err(format!("unknown duration suffix {other:?} in {text:?}")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("duration {text:?}: {e}"))
}

/// Formats an integer with thousands separators: `1234567` → `"1,234,567"`.
pub fn fmt_count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Formats a byte count for headers: `128 B`, `1.0 KiB`, `1.0 MiB`.
pub fn fmt_size(bytes: usize) -> String {
    let value = bytes as f64;
    if value >= MB_BYTES {
        format!("{:.1} MiB", value / MB_BYTES)
    } else if value >= 1024.0 {
        format!("{:.1} KiB", value / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

/// Formats a rate as `nats bench` does: `1,234,567 msgs/sec ~ 150.70 MB/sec`.
pub fn fmt_rate(msgs_per_sec: f64, mb_per_sec: f64) -> String {
    format!(
        "{} msgs/sec ~ {:.2} MB/sec",
        fmt_count(msgs_per_sec.round() as u64),
        mb_per_sec
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_plain_and_binary_suffixes() {
        assert_eq!(parse_size("128"), Ok(128));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("64b"), Ok(64));
        assert_eq!(parse_size("1K"), Ok(1024));
        assert_eq!(parse_size("1KB"), Ok(1024));
        assert_eq!(parse_size("1kib"), Ok(1024));
        assert_eq!(parse_size("1MiB"), Ok(1024 * 1024));
        assert_eq!(parse_size("1.5MB"), Ok(1024 * 1024 * 3 / 2));
        assert_eq!(parse_size(" 2 KB "), Ok(2048));
    }

    #[test]
    fn sizes_reject_garbage_and_fractions_of_a_byte() {
        assert!(parse_size("").is_err());
        assert!(parse_size("KB").is_err());
        assert!(parse_size("12XB").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("1.5").is_err());
    }

    #[test]
    fn durations_default_to_seconds() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3h").is_err());
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1000), "1,000");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
    }

    #[test]
    fn rates_print_like_nats_bench() {
        assert_eq!(
            fmt_rate(1_234_567.4, 150.704),
            "1,234,567 msgs/sec ~ 150.70 MB/sec"
        );
        assert_eq!(fmt_size(128), "128 B");
        assert_eq!(fmt_size(1024), "1.0 KiB");
        assert_eq!(fmt_size(1024 * 1024), "1.0 MiB");
    }
}
