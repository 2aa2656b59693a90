//! Go-compatible time on the JetStream wire.
//!
//! - Timestamps are Go `time.Time` JSON: RFC 3339 with up to nine fraction digits, in UTC,
//!   trailing zeros of the fraction trimmed (Go's `RFC3339Nano`), e.g.
//!   `2024-05-01T10:11:12.123456789Z`. The zero time is `0001-01-01T00:00:00Z`.
//! - Durations are Go `time.Duration` JSON: plain integers of nanoseconds ([`Nanos`]).
//! - Headers and ack payloads (`-NAK 5s`, `Nats-TTL`) use Go duration strings, parsed by
//!   [`parse_go_duration`].
//!
//! The civil-date conversion is Howard Hinnant's `days_from_civil` / `civil_from_days`, exact
//! for the whole proleptic Gregorian calendar.

use alloc::string::String;
use core::fmt::{self, Write};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration in nanoseconds, as Go's `time.Duration` is written in JetStream JSON.
pub type Nanos = i64;

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// How Go writes its zero `time.Time` (empty streams' `first_ts`/`last_ts`).
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Unix seconds of Go's zero time, `0001-01-01T00:00:00Z`.
const GO_ZERO_UNIX_SECS: i64 = -62_135_596_800;

/// A wall-clock instant as Unix nanoseconds, written on the wire as Go writes `time.Time`.
///
/// `Timestamp(0)` stands for Go's *zero time* (unset), not for 1970-01-01: it is written as
/// `0001-01-01T00:00:00Z`, and that text parses back to `Timestamp(0)`. The representable
/// range is that of `i64` nanoseconds (years 1677 to 2262).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// Why a timestamp did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Not RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)`), or a field out of its range.
    #[error("invalid RFC 3339 timestamp")]
    Malformed,
    /// A valid date that Unix nanoseconds in an `i64` cannot hold.
    #[error("timestamp out of range")]
    OutOfRange,
}

impl Timestamp {
    /// The zero (unset) time.
    pub const ZERO: Timestamp = Timestamp(0);

    /// Whether this is the zero (unset) time.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Unix nanoseconds (0 for the zero time).
    pub fn unix_nanos(self) -> i64 {
        self.0
    }

    /// The RFC 3339 text Go would write for this instant.
    pub fn to_rfc3339(self) -> String {
        let mut out = String::with_capacity(30);
        self.write_rfc3339(&mut out);
        out
    }

    /// Appends the RFC 3339 text Go would write for this instant (UTC, `RFC3339Nano`).
    pub fn write_rfc3339(self, out: &mut String) {
        if self.is_zero() {
            out.push_str(GO_ZERO_TIME);
            return;
        }
        let secs = self.0.div_euclid(NANOS_PER_SEC);
        let frac = self.0.rem_euclid(NANOS_PER_SEC);
        let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        let (hh, mm, ss) = (sod / 3600, sod / 60 % 60, sod % 60);
        // Writing into a String cannot fail.
        let _ = write!(out, "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}");
        if frac != 0 {
            let mut digits = [0u8; 9];
            let mut v = frac;
            for slot in digits.iter_mut().rev() {
                *slot = b'0' + (v % 10) as u8;
                v /= 10;
            }
            let len = 9 - digits.iter().rev().take_while(|b| **b == b'0').count();
            out.push('.');
            digits[..len].iter().for_each(|b| out.push(char::from(*b)));
        }
        out.push('Z');
    }

    /// Parses RFC 3339 as clients send it: any number of fraction digits (beyond nine are
    /// truncated), `Z` or a `±hh:mm` offset. Go's zero time parses to [`Timestamp::ZERO`].
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeError> {
        let b = text.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(TimeError::Malformed);
        }
        let year = digits(&b[0..4])?;
        let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
        let (hour, min, sec) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || min > 59
            || sec > 59
        {
            return Err(TimeError::Malformed);
        }
        let mut rest = &b[19..];
        let mut frac: i64 = 0;
        if let Some((b'.', tail)) = rest.split_first() {
            let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err(TimeError::Malformed);
            }
            for i in 0..9 {
                let digit = tail
                    .get(i)
                    .filter(|_| i < n)
                    .map_or(0, |c| i64::from(c - b'0'));
                frac = frac * 10 + digit;
            }
            rest = &tail[n..];
        }
        let offset_secs = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let (oh, om) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
                if oh > 23 || om > 59 {
                    return Err(TimeError::Malformed);
                }
                let off = oh * 3600 + om * 60;
                if *sign == b'-' {
                    -off
                } else {
                    off
                }
            }
            _ => return Err(TimeError::Malformed),
        };
        let secs =
            days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec - offset_secs;
        if secs == GO_ZERO_UNIX_SECS && frac == 0 {
            return Ok(Timestamp::ZERO);
        }
        let nanos = i128::from(secs) * i128::from(NANOS_PER_SEC) + i128::from(frac);
        i64::try_from(nanos)
            .map(Timestamp)
            .map_err(|_| TimeError::OutOfRange)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(v)
                    .map_err(|e| E::custom(format_args!("parsing time {v:?}: {e}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Parses an all-digit field.
fn digits(b: &[u8]) -> Result<i64, TimeError> {
    b.iter().try_fold(0i64, |acc, c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + i64::from(c - b'0'))
        } else {
            Err(TimeError::Malformed)
        }
    })
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of the proleptic Gregorian date `y-m-d`.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `(y, m, d)` of `z` days since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = (if z >= 0 { z } else { z - 146_096 }) / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub use super::duration::{format_go_duration, parse_go_duration, parse_msg_ttl, DurationError};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_like_go_rfc3339nano() {
        let cases: &[(i64, &str)] = &[
            (0, GO_ZERO_TIME),
            (1, "1970-01-01T00:00:00.000000001Z"),
            (1_714_558_272_123_456_789, "2024-05-01T10:11:12.123456789Z"),
            (1_714_558_272_120_000_000, "2024-05-01T10:11:12.12Z"),
            (1_714_558_272_000_000_000, "2024-05-01T10:11:12Z"),
            (951_782_400_000_000_000, "2000-02-29T00:00:00Z"),
            (-1, "1969-12-31T23:59:59.999999999Z"),
            (i64::MIN, "1677-09-21T00:12:43.145224192Z"),
            (i64::MAX, "2262-04-11T23:47:16.854775807Z"),
        ];
        for (nanos, text) in cases {
            assert_eq!(Timestamp(*nanos).to_rfc3339(), *text);
            assert_eq!(
                Timestamp::parse_rfc3339(text),
                Ok(Timestamp(*nanos)),
                "{text}"
            );
        }
    }

    #[test]
    fn parses_what_clients_send() {
        let want = Timestamp(1_714_558_272_123_456_000);
        for text in [
            "2024-05-01T10:11:12.123456Z",
            "2024-05-01T10:11:12.123456000Z",
            "2024-05-01T10:11:12.1234560009Z",
            "2024-05-01T12:11:12.123456+02:00",
            "2024-05-01T07:41:12.123456-02:30",
            "2024-05-01t10:11:12.123456z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(text), Ok(want), "{text}");
        }
        assert_eq!(
            Timestamp::parse_rfc3339("0001-01-01T00:00:00Z"),
            Ok(Timestamp::ZERO)
        );
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01 10:11:12Z",
            "2024-13-01T10:11:12Z",
            "2023-02-29T10:11:12Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T10:11:60Z",
            "2024-05-01T10:11:12.Z",
            "2024-05-01T10:11:12",
            "2024-05-01T10:11:12+0200",
            "2024-05-01T10:11:12+02:00x",
            "2024-05-01T10:11:1xZ",
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(bad),
                Err(TimeError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            Timestamp::parse_rfc3339("0001-01-01T00:00:01Z"),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            Timestamp::parse_rfc3339("9999-01-01T00:00:00Z"),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn serde_uses_rfc3339_strings() {
        let json = serde_json::to_string(&Timestamp(1_500_000_000)).unwrap();
        assert_eq!(json, "\"1970-01-01T00:00:01.5Z\"");
        let back: Timestamp = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Timestamp(1_500_000_000));
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }

    #[test]
    fn civil_conversion_round_trips_across_eras() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
        }
        assert_eq!(days_from_civil(1, 1, 1) * 86_400, GO_ZERO_UNIX_SECS);
    }

    proptest! {
        #[test]
        fn rfc3339_round_trips(nanos in any::<i64>()) {
            let text = Timestamp(nanos).to_rfc3339();
            prop_assert_eq!(Timestamp::parse_rfc3339(&text), Ok(Timestamp(nanos)));
        }

        #[test]
        fn offsets_shift_the_instant(
            secs in -5_000_000_000i64..5_000_000_000,
            off_min in -1439i64..1440,
        ) {
            let base = Timestamp(secs * NANOS_PER_SEC).to_rfc3339();
            let local = Timestamp((secs + off_min * 60) * NANOS_PER_SEC).to_rfc3339();
            let sign = if off_min < 0 { '-' } else { '+' };
            let abs = off_min.abs();
            let stem = &local[..local.len() - 1];
            let text = alloc::format!("{stem}{sign}{:02}:{:02}", abs / 60, abs % 60);
            prop_assume!(secs != 0 && secs + off_min * 60 != 0);
            prop_assert_eq!(Timestamp::parse_rfc3339(&text).map(|t| t.to_rfc3339()), Ok(base));
        }
    }
}
