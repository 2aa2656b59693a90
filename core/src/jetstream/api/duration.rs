//! Go duration strings (`"5s"`, `"1m30s"`, `"500ms"`), as `time.ParseDuration` reads them and
//! `Duration.String()` writes them: `-NAK 5s`, `Nats-TTL: 1h`, `409 Exceeded MaxRequestExpires
//! of 5s`.

use super::time::{Nanos, NANOS_PER_SEC};
use alloc::format;
use alloc::string::String;

/// A Go duration string that did not parse; the text is Go's error message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(pub String);

impl DurationError {
    fn invalid(orig: &str) -> DurationError {
        DurationError(format!("time: invalid duration \"{orig}\""))
    }
}

/// Nanoseconds per unit, as Go names them.
fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Parses a Go duration string: an optional sign, then one or more decimal numbers with
/// optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`). `"0"` alone is zero.
pub fn parse_go_duration(orig: &str) -> Result<Nanos, DurationError> {
    let mut s = orig;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(DurationError::invalid(orig));
    }
    let limit: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut v: u64 = 0;
        for c in s[..int_len].bytes() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
                .filter(|v| *v <= limit)
                .ok_or_else(|| DurationError::invalid(orig))?;
        }
        s = &s[int_len..];
        let (mut frac, mut scale, mut frac_len) = (0u64, 1f64, 0usize);
        if let Some(rest) = s.strip_prefix('.') {
            frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in rest[..frac_len].bytes() {
                match frac
                    .checked_mul(10)
                    .and_then(|f| f.checked_add(u64::from(c - b'0')))
                {
                    Some(f) if !overflow && f < limit => {
                        frac = f;
                        scale *= 10.0;
                    }
                    _ => overflow = true,
                }
            }
            s = &rest[frac_len..];
        }
        if int_len == 0 && frac_len == 0 {
            return Err(DurationError::invalid(orig));
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(DurationError(format!(
                "time: missing unit in duration \"{orig}\""
            )));
        }
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let Some(per) = unit_nanos(unit) else {
            return Err(DurationError(format!(
                "time: unknown unit \"{unit}\" in duration \"{orig}\""
            )));
        };
        if v > limit / per {
            return Err(DurationError::invalid(orig));
        }
        v *= per;
        if frac > 0 {
            // Float arithmetic as Go does it, so results agree to the nanosecond.
            v = v.saturating_add((frac as f64 * (per as f64 / scale)) as u64);
            if v > limit {
                return Err(DurationError::invalid(orig));
            }
        }
        total = total.saturating_add(v);
        if total > limit {
            return Err(DurationError::invalid(orig));
        }
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    i64::try_from(total).map_err(|_| DurationError::invalid(orig))
}

/// Writes `d` as Go's `Duration.String()` does: `"0s"`, `"500ms"`, `"1.5s"`, `"1m30s"`,
/// `"2h0m0s"`.
pub fn format_go_duration(d: Nanos) -> String {
    let mut u = d.unsigned_abs();
    if u == 0 {
        return String::from("0s");
    }
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (prec, unit) = match u {
            0..=999 => (0, "ns"),
            1_000..=999_999 => (3, "\u{b5}s"),
            _ => (6, "ms"),
        };
        let whole = push_frac(&mut out, u, prec);
        out.insert_str(0, &format!("{whole}"));
        out.push_str(unit);
    } else {
        let secs = push_frac(&mut out, u, 9);
        out.insert_str(0, &format!("{}", secs % 60));
        out.push('s');
        u = secs / 60;
        if u > 0 {
            out.insert_str(0, &format!("{}m", u % 60));
            u /= 60;
            if u > 0 {
                out.insert_str(0, &format!("{u}h"));
            }
        }
    }
    if d < 0 {
        out.insert(0, '-');
    }
    out
}

/// Writes the fraction of `v / 10^prec` (trailing zeros and a bare `.` omitted) and returns
/// the whole part.
fn push_frac(out: &mut String, v: u64, prec: u32) -> u64 {
    let pow = 10u64.pow(prec);
    let frac = v % pow;
    if frac != 0 {
        let mut text = format!("{frac:0width$}", width = prec as usize);
        while text.ends_with('0') {
            text.pop();
        }
        out.push('.');
        out.push_str(&text);
    }
    v / pow
}

/// Parses a `Nats-TTL` header value into whole seconds as nats-server does: `"never"` is -1,
/// a Go duration must be at least one second, otherwise a non-negative integer of seconds.
/// `None` means invalid (10165 "invalid per-message TTL").
pub fn parse_msg_ttl(value: &str) -> Option<i64> {
    if value == "never" {
        return Some(-1);
    }
    if let Ok(d) = parse_go_duration(value) {
        return (d >= NANOS_PER_SEC).then_some(d / NANOS_PER_SEC);
    }
    value.parse::<i64>().ok().filter(|secs| *secs >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_duration_strings() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5_000_000_000),
            ("1m30s", 90_000_000_000),
            ("500ms", 500_000_000),
            ("1.5s", 1_500_000_000),
            ("-1.5h", -5_400_000_000_000),
            ("+2us", 2_000),
            ("3\u{b5}s", 3_000),
            ("3\u{3bc}s", 3_000),
            ("100ns", 100),
            (".5s", 500_000_000),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
        ];
        for (text, want) in cases {
            assert_eq!(parse_go_duration(text), Ok(*want), "{text}");
        }
    }

    #[test]
    fn rejects_bad_duration_strings_with_go_messages() {
        for bad in ["", "-", "s", "1", ".", "1.s.", "2562047h47m16.854775808s"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_go_duration("5").unwrap_err().0,
            "time: missing unit in duration \"5\""
        );
        assert_eq!(
            parse_go_duration("5x").unwrap_err().0,
            "time: unknown unit \"x\" in duration \"5x\""
        );
        assert_eq!(
            parse_go_duration("abc").unwrap_err().0,
            "time: invalid duration \"abc\""
        );
    }

    #[test]
    fn formats_like_go_duration_string() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5\u{b5}s"),
            (500_000_000, "500ms"),
            (1_500_000_000, "1.5s"),
            (5_000_000_000, "5s"),
            (90_000_000_000, "1m30s"),
            (7_200_000_000_000, "2h0m0s"),
            (-30_000_000_000, "-30s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (d, want) in cases {
            assert_eq!(format_go_duration(*d), *want, "{d}");
            assert_eq!(parse_go_duration(want), Ok(*d), "{want}");
        }
    }

    #[test]
    fn parses_msg_ttl_header_values() {
        assert_eq!(parse_msg_ttl("never"), Some(-1));
        assert_eq!(parse_msg_ttl("5s"), Some(5));
        assert_eq!(parse_msg_ttl("1h"), Some(3600));
        assert_eq!(parse_msg_ttl("30"), Some(30));
        assert_eq!(parse_msg_ttl("500ms"), None);
        assert_eq!(parse_msg_ttl("-5"), None);
        assert_eq!(parse_msg_ttl("soon"), None);
    }
}
