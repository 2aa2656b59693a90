//! Helpers shared by the configuration tests.

use std::path::Path;

use super::*;

/// Parses `text` or panics with the error and the input.
pub(crate) fn parse(text: &str) -> Map {
    match parse_str(text, "t.conf", Path::new(".")) {
        Ok(m) => m,
        Err(e) => panic!("parse failed: {e}\n--- input ---\n{text}"),
    }
}

/// The error parsing `text`; panics if it parses.
pub(crate) fn parse_err(text: &str) -> ConfError {
    match parse_str(text, "t.conf", Path::new(".")) {
        Ok(m) => panic!("expected an error, parsed {m:?}"),
        Err(e) => e,
    }
}

/// The value of `key`; panics if missing.
pub(crate) fn val<'a>(m: &'a Map, key: &str) -> &'a Value {
    &m.get(key)
        .unwrap_or_else(|| panic!("missing key {key}"))
        .value
}

/// A string value.
pub(crate) fn s(v: &str) -> Value {
    Value::Str(v.to_string())
}
