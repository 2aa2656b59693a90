//! Typed reads of configuration items: strings, booleans, bounded integers, maps, arrays and
//! Go-style durations. Every failure names the option and carries the value's position.

use std::time::Duration;

use super::error::ConfError;
use super::value::{Item, Map, Value};

/// Reads a duration: a Go duration string (`"2m"`, `"1h30m"`, `"500ms"`, `"1.5s"`, `"10us"`)
/// or a plain number, which counts seconds (`ping_interval: 60`, `timeout: 0.5`).
pub fn parse_duration(item: &Item) -> Result<Duration, ConfError> {
    let negative = || ConfError::invalid(&item.pos, "durations cannot be negative");
    match &item.value {
        Value::Int(n) => u64::try_from(*n)
            .map(Duration::from_secs)
            .map_err(|_| negative()),
        Value::Float(f) if *f < 0.0 => Err(negative()),
        Value::Float(f) => Duration::try_from_secs_f64(*f)
            .map_err(|_| ConfError::invalid(&item.pos, format!("duration {f} is out of range"))),
        Value::Str(s) => go_duration(s)
            .map_err(|m| ConfError::invalid(&item.pos, format!("invalid duration {s:?}: {m}"))),
        other => Err(ConfError::invalid(
            &item.pos,
            format!(
                "expected a duration such as \"2m\" or a number of seconds, found {}",
                other.describe()
            ),
        )),
    }
}

/// Go's `time.ParseDuration`, restricted to non-negative values.
pub(crate) fn go_duration(s: &str) -> Result<Duration, String> {
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err("empty duration".to_string());
    }
    let max = u128::from(i64::MAX.unsigned_abs());
    let mut total_ns: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(f) => f.split_at(f.bytes().take_while(u8::is_ascii_digit).count()),
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err("expected a number".to_string());
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at(unit_len);
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err("missing unit (use ns, us, ms, s, m or h)".to_string()),
            other => return Err(format!("unknown unit {other:?}")),
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| "out of range".to_string())?
        };
        // Up to 20 fraction digits keep the arithmetic inside u128; more cannot matter.
        let frac_digits = &frac_part[..frac_part.len().min(20)];
        let frac_ns = if frac_digits.is_empty() {
            0
        } else {
            let scale = 10u128.pow(frac_digits.len() as u32);
            let frac: u128 = frac_digits
                .parse()
                .map_err(|_| "out of range".to_string())?;
            frac * unit_ns / scale
        };
        total_ns = whole
            .checked_mul(unit_ns)
            .and_then(|w| w.checked_add(frac_ns))
            .and_then(|v| v.checked_add(total_ns))
            .filter(|v| *v <= max)
            .ok_or_else(|| "out of range".to_string())?;
        rest = after;
    }
    if negative && total_ns != 0 {
        return Err("durations cannot be negative".to_string());
    }
    u64::try_from(total_ns)
        .map(Duration::from_nanos)
        .map_err(|_| "out of range".to_string())
}

fn wrong_type(key: &str, expected: &str, item: &Item) -> ConfError {
    ConfError::invalid(
        &item.pos,
        format!(
            "invalid value for \"{key}\": expected {expected}, found {}",
            item.value.describe()
        ),
    )
}

/// A string option.
pub(crate) fn string<'a>(key: &str, item: &'a Item) -> Result<&'a str, ConfError> {
    match &item.value {
        Value::Str(s) => Ok(s),
        _ => Err(wrong_type(key, "a string", item)),
    }
}

/// A boolean option.
pub(crate) fn boolean(key: &str, item: &Item) -> Result<bool, ConfError> {
    match item.value {
        Value::Bool(b) => Ok(b),
        _ => Err(wrong_type(key, "a boolean (true/false)", item)),
    }
}

/// An integer option within `min..=max`.
pub(crate) fn int_in(key: &str, item: &Item, min: i64, max: i64) -> Result<i64, ConfError> {
    match item.value {
        Value::Int(n) if (min..=max).contains(&n) => Ok(n),
        Value::Int(n) => Err(ConfError::invalid(
            &item.pos,
            format!("invalid value for \"{key}\": {n} is not between {min} and {max}"),
        )),
        _ => Err(wrong_type(key, "an integer", item)),
    }
}

/// A non-negative integer option that fits a `u32`.
pub(crate) fn u32_of(key: &str, item: &Item) -> Result<u32, ConfError> {
    let n = int_in(key, item, 0, i64::from(u32::MAX))?;
    u32::try_from(n).map_err(|_| wrong_type(key, "a 32-bit integer", item))
}

/// A port: `-1` (random) to 65535.
pub(crate) fn port(key: &str, item: &Item) -> Result<i32, ConfError> {
    let n = int_in(key, item, -1, 65535)?;
    i32::try_from(n).map_err(|_| wrong_type(key, "a port", item))
}

/// A map option (`name { ... }`).
pub(crate) fn map<'a>(key: &str, item: &'a Item) -> Result<&'a Map, ConfError> {
    match &item.value {
        Value::Map(m) => Ok(m),
        _ => Err(wrong_type(key, "a map ({ ... })", item)),
    }
}

/// An array option (`[a, b]`).
pub(crate) fn array<'a>(key: &str, item: &'a Item) -> Result<&'a [Item], ConfError> {
    match &item.value {
        Value::Array(items) => Ok(items),
        _ => Err(wrong_type(key, "an array ([ ... ])", item)),
    }
}

/// Splits `host:port`, `[v6]:port`, `:port` (empty host) or a bare port.
pub(crate) fn host_port(key: &str, item: &Item) -> Result<(Option<String>, i32), ConfError> {
    let s = match &item.value {
        Value::Int(_) => return Ok((None, port(key, item)?)),
        Value::Str(s) => s,
        _ => return Err(wrong_type(key, "\"host:port\" or a port", item)),
    };
    let bad = || {
        ConfError::invalid(
            &item.pos,
            format!("invalid value for \"{key}\": {s:?} is not \"host:port\""),
        )
    };
    let (host, port_str) = s.rsplit_once(':').ok_or_else(bad)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port_num: i64 = port_str.parse().map_err(|_| bad())?;
    let port_item = Item {
        value: Value::Int(port_num),
        pos: item.pos.clone(),
    };
    let port_num = port(key, &port_item)?;
    let host = (!host.is_empty()).then(|| host.to_string());
    Ok((host, port_num))
}
