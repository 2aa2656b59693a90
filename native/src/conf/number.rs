//! Values that start with a digit or `-`, following nats-server's `conf/lex.go`: integers
//! (with size suffixes), floats, datetimes, IP-like strings (`127.0.0.1:4222`), and bare
//! strings that merely start with digits (`1h30m`, `10us`, `4222abc`).

use super::error::ConfError;
use super::lexer::{ends_token, scan_bare, show, Cursor, Scalar};
use super::value::{Pos, Value};

fn take_digits(cur: &mut Cursor, text: &mut String) -> usize {
    let mut n = 0;
    while let Some(c) = cur.peek().filter(char::is_ascii_digit) {
        cur.bump();
        text.push(c);
        n += 1;
    }
    n
}

/// A value starting with a digit or `-`: integer (with size suffix), float, datetime, an
/// IP-like string (`0.0.0.0:4222`) or a bare string that merely starts with digits (`1h30m`).
pub(crate) fn scan_number(cur: &mut Cursor) -> Result<Scalar, ConfError> {
    let start = cur.pos();
    let mut text = String::new();
    let negative = cur.peek() == Some('-');
    if negative {
        cur.bump();
        text.push('-');
        if !cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Err(cur.err(format!(
                "expected a digit after '-' but found {}",
                show(cur.peek())
            )));
        }
    }
    let digits = take_digits(cur, &mut text);
    match cur.peek() {
        Some('-') if !negative && digits == 4 => scan_datetime(cur, text),
        Some('-') if !negative => Err(cur.err(
            "dates must be in full ISO8601 Zulu form (2006-01-02T15:04:05Z); quote the value \
             if it is a string",
        )),
        Some('.') => {
            cur.bump();
            text.push('.');
            if take_digits(cur, &mut text) == 0 {
                return Err(cur.err(format!(
                    "floats must have a digit after the '.' but found {}",
                    show(cur.peek())
                )));
            }
            if cur.peek() == Some('.') {
                // An IP address, possibly with a port: 127.0.0.1:4222.
                while let Some(c) = cur
                    .peek()
                    .filter(|c| c.is_ascii_digit() || ".:-".contains(*c))
                {
                    cur.bump();
                    text.push(c);
                }
                return Ok(Scalar::Value(Value::Str(text)));
            }
            text.parse::<f64>()
                .map(|f| Scalar::Value(Value::Float(f)))
                .map_err(|_| ConfError::syntax(start, format!("invalid float '{text}'")))
        }
        Some(c) if "kKmMgGtTpPeE".contains(c) => {
            let digits_len = text.len();
            cur.bump();
            text.push(c);
            while let Some(c) = cur.peek().filter(|c| "bBiI".contains(*c)) {
                cur.bump();
                text.push(c);
            }
            if ends_token(cur.peek()) {
                let (number, suffix) = text.split_at(digits_len);
                sized_integer(&start, number, suffix).map(|i| Scalar::Value(Value::Int(i)))
            } else {
                scan_bare(cur, text)
            }
        }
        c if ends_token(c) || negative => {
            sized_integer(&start, &text, "").map(|i| Scalar::Value(Value::Int(i)))
        }
        _ => scan_bare(cur, text),
    }
}

/// Applies a size suffix: `k`=1000, `kb`/`ki`/`kib`=1024, and so on up to `e`/`eb`.
fn sized_integer(pos: &Pos, number: &str, suffix: &str) -> Result<i64, ConfError> {
    let out_of_range = || {
        ConfError::syntax(
            pos.clone(),
            format!("integer '{number}{suffix}' is out of range"),
        )
    };
    let n: i64 = number.parse().map_err(|_| out_of_range())?;
    let lower = suffix.to_ascii_lowercase();
    let (unit, rest) = lower.split_at(lower.len().min(1));
    let exp = match unit {
        "" => return Ok(n),
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        _ => 6, // "e", the only other suffix the scanner lets through
    };
    let base: i64 = match rest {
        "" => 1000,
        "b" | "i" | "ib" => 1024,
        _ => {
            return Err(ConfError::syntax(
                pos.clone(),
                format!("unknown size suffix '{suffix}' in '{number}{suffix}'"),
            ))
        }
    };
    base.checked_pow(exp)
        .and_then(|m| n.checked_mul(m))
        .ok_or_else(out_of_range)
}

/// After `YYYY` and at `-`: the rest of `2006-01-02T15:04:05Z`, kept as a string.
fn scan_datetime(cur: &mut Cursor, mut text: String) -> Result<Scalar, ConfError> {
    for want in "-00-00T00:00:00Z".chars() {
        let got = cur.peek();
        let ok = match want {
            '0' => got.is_some_and(|c| c.is_ascii_digit()),
            w => got == Some(w),
        };
        if !ok {
            let what = if want == '0' {
                "a digit".to_string()
            } else {
                format!("'{want}'")
            };
            return Err(cur.err(format!(
                "expected {what} in ISO8601 datetime but found {}",
                show(got)
            )));
        }
        cur.bump();
        if let Some(c) = got {
            text.push(c);
        }
    }
    Ok(Scalar::Value(Value::Str(text)))
}
