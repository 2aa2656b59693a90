//! The NATS header block: `NATS/1.0[ <status>[ <description>]]\r\n(Key: Value\r\n)*\r\n`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use bytes::{BufMut, BytesMut};

/// Errors parsing a header block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The block does not start with `NATS/1.0`.
    #[error("header block does not start with NATS/1.0")]
    MissingVersion,
    /// The status code is not three digits.
    #[error("invalid status code in header block")]
    BadStatus,
    /// The block does not end with an empty line.
    #[error("header block is not terminated by an empty line")]
    Unterminated,
    /// A line without `:`.
    #[error("header line without a colon")]
    BadLine,
    /// Bytes that are not UTF-8.
    #[error("header block is not valid UTF-8")]
    NotUtf8,
}

/// Parsed headers: an optional status line plus ordered, possibly repeated, entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    /// Status code from the version line (`503`, `404`, ...).
    pub status: Option<u16>,
    /// Description after the status code.
    pub description: Option<String>,
    entries: Vec<(String, String)>,
}

impl HeaderMap {
    /// An empty header map.
    pub fn new() -> Self {
        HeaderMap::default()
    }

    /// A header map carrying a status line.
    pub fn with_status(status: u16, description: Option<&str>) -> Self {
        HeaderMap {
            status: Some(status),
            description: description.map(str::to_string),
            entries: Vec::new(),
        }
    }

    /// Adds a value for `key` (keys may repeat).
    pub fn append(&mut self, key: &str, value: &str) {
        self.entries.push((key.to_string(), value.to_string()));
    }

    /// Replaces all values of `key` by one.
    pub fn insert(&mut self, key: &str, value: &str) {
        self.entries.retain(|(k, _)| k != key);
        self.append(key, value);
    }

    /// First value of `key` (exact, case-sensitive match as nats-server does).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values of `key`.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries (a status may still be set).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parses a complete header block (as carried by HPUB/HMSG).
    pub fn parse(block: &[u8]) -> Result<HeaderMap, HeaderError> {
        let text = core::str::from_utf8(block).map_err(|_| HeaderError::NotUtf8)?;
        let body = text
            .strip_suffix("\r\n\r\n")
            .ok_or(HeaderError::Unterminated)?;
        let mut lines = body.split("\r\n");
        let first = lines.next().unwrap_or_default();
        let rest = first
            .strip_prefix("NATS/1.0")
            .ok_or(HeaderError::MissingVersion)?;
        let mut map = HeaderMap::new();
        let rest = rest.trim_start();
        if !rest.is_empty() {
            let (code, desc) = rest.split_once(' ').unwrap_or((rest, ""));
            if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(HeaderError::BadStatus);
            }
            map.status = code.parse().ok();
            let desc = desc.trim();
            if !desc.is_empty() {
                map.description = Some(desc.to_string());
            }
        }
        for line in lines {
            let (k, v) = line.split_once(':').ok_or(HeaderError::BadLine)?;
            map.entries
                .push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(map)
    }

    /// Appends the wire form of this block to `buf`.
    pub fn encode(&self, buf: &mut BytesMut) {
        buf.put_slice(b"NATS/1.0");
        if let Some(code) = self.status {
            let mut b = itoa::Buffer::new();
            buf.put_u8(b' ');
            buf.put_slice(b.format(code).as_bytes());
            if let Some(d) = &self.description {
                buf.put_u8(b' ');
                buf.put_slice(d.as_bytes());
            }
        }
        buf.put_slice(b"\r\n");
        for (k, v) in &self.entries {
            buf.put_slice(k.as_bytes());
            buf.put_slice(b": ");
            buf.put_slice(v.as_bytes());
            buf.put_slice(b"\r\n");
        }
        buf.put_slice(b"\r\n");
    }
}

/// The no-responders status block nats-server sends: `NATS/1.0 503` plus `Nats-Subject`.
pub fn no_responders_block(subject: &[u8]) -> BytesMut {
    let mut buf = BytesMut::with_capacity(32 + subject.len());
    buf.put_slice(b"NATS/1.0 503\r\nNats-Subject: ");
    buf.put_slice(subject);
    buf.put_slice(b"\r\n\r\n");
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_entries() {
        let h = HeaderMap::parse(b"NATS/1.0 408 Request Timeout\r\nA: 1\r\nA: 2\r\nB:x\r\n\r\n")
            .unwrap();
        assert_eq!(h.status, Some(408));
        assert_eq!(h.description.as_deref(), Some("Request Timeout"));
        assert_eq!(h.get_all("A").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(h.get("B"), Some("x"));
    }

    #[test]
    fn encode_then_parse_round_trips() {
        let mut h = HeaderMap::with_status(503, None);
        h.append("Nats-Subject", "foo");
        let mut buf = BytesMut::new();
        h.encode(&mut buf);
        assert_eq!(&buf[..], b"NATS/1.0 503\r\nNats-Subject: foo\r\n\r\n");
        assert_eq!(HeaderMap::parse(&buf).unwrap(), h);
        assert_eq!(&no_responders_block(b"foo")[..], &buf[..]);
        assert_eq!(no_responders_block(b"foo").len(), 32 + 3);
    }

    #[test]
    fn rejects_bad_blocks() {
        assert_eq!(
            HeaderMap::parse(b"HTTP/1.1\r\n\r\n"),
            Err(HeaderError::MissingVersion)
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\n"),
            Err(HeaderError::Unterminated)
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0 5x3\r\n\r\n"),
            Err(HeaderError::BadStatus)
        );
        assert_eq!(
            HeaderMap::parse(b"NATS/1.0\r\nnocolon\r\n\r\n"),
            Err(HeaderError::BadLine)
        );
    }
}
