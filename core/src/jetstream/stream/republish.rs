//! Republish (`republish` in the stream config): after a message is stored, a copy goes to a
//! destination subject derived from the stored subject, with headers naming where it came
//! from. The stream only decides *what* to republish and queues it; the runtime publishes
//! the queue once the store is durable (the same moment it sends acknowledgements).

use alloc::string::String;
use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};
use core::fmt::Write;

use super::{store_err, Stream};
use crate::jetstream::api::{ApiError, Timestamp};
use crate::jetstream::store::{MsgStore, UnixNanos};

/// Header names of a republished message.
pub mod hdr {
    /// The stream that stored the message.
    pub const STREAM: &str = "Nats-Stream";
    /// The subject it was stored under.
    pub const SUBJECT: &str = "Nats-Subject";
    /// Its sequence in the stream.
    pub const SEQUENCE: &str = "Nats-Sequence";
    /// When it was stored (RFC 3339, UTC, nanoseconds).
    pub const TIME_STAMP: &str = "Nats-Time-Stamp";
    /// The sequence of the previous message on the same subject (0: none).
    pub const LAST_SEQUENCE: &str = "Nats-Last-Sequence";
    /// With `headers_only`: the size of the payload left out.
    pub const MSG_SIZE: &str = "Nats-Msg-Size";
}

/// A copy of a stored message, ready to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Republished {
    /// Destination subject.
    pub subject: Bytes,
    /// Header block: the stored headers followed by the republish headers.
    pub headers: Bytes,
    /// The stored payload (empty with `headers_only`).
    pub payload: Bytes,
}

/// Where a republish of `subject` goes, decided before the message is stored (the previous
/// sequence on the subject is read then).
#[derive(Debug, Clone)]
pub(super) struct Target {
    dest: Bytes,
    last_seq: u64,
}

impl<S: MsgStore> Stream<S> {
    /// The republish destination of `subject`, if the stream republishes it.
    pub(super) fn republish_target(&self, subject: &[u8]) -> Result<Option<Target>, ApiError> {
        let Some(rp) = self.config.republish.as_ref() else {
            return Ok(None);
        };
        let src = if rp.src.is_empty() { ">" } else { &rp.src };
        let Some(dest) = map_subject(src, &rp.dest, subject) else {
            return Ok(None);
        };
        let last_seq = self
            .store
            .last_for_subject(subject)
            .map_err(store_err)?
            .map_or(0, |m| m.seq);
        Ok(Some(Target {
            dest: Bytes::from(dest),
            last_seq,
        }))
    }

    /// Queues the copy of a message just stored at `seq`.
    pub(super) fn queue_republish(&mut self, target: Target, stored: StoredParts<'_>) {
        let headers_only = self
            .config
            .republish
            .as_ref()
            .is_some_and(|rp| rp.headers_only);
        let mut extra: Vec<(&str, String)> = Vec::with_capacity(6);
        extra.push((hdr::STREAM, self.config.name.clone()));
        extra.push((hdr::SUBJECT, String::from_utf8_lossy(stored.subject).into()));
        extra.push((hdr::SEQUENCE, u64_text(stored.seq)));
        extra.push((hdr::TIME_STAMP, Timestamp(stored.time).to_rfc3339()));
        extra.push((hdr::LAST_SEQUENCE, u64_text(target.last_seq)));
        if headers_only {
            extra.push((hdr::MSG_SIZE, u64_text(stored.payload.len() as u64)));
        }
        let headers = append_headers(stored.headers, &extra);
        let payload = if headers_only {
            Bytes::new()
        } else {
            stored.payload.clone()
        };
        self.republished.push(Republished {
            subject: target.dest,
            headers,
            payload,
        });
    }

    /// Takes the copies queued since the last call, in store order. Publish them only after
    /// the store is synced.
    pub fn take_republished(&mut self) -> Vec<Republished> {
        core::mem::take(&mut self.republished)
    }
}

/// The parts of a stored message a republish copies.
#[derive(Debug, Clone, Copy)]
pub(super) struct StoredParts<'a> {
    pub(super) seq: u64,
    pub(super) time: UnixNanos,
    pub(super) subject: &'a [u8],
    pub(super) headers: Option<&'a Bytes>,
    pub(super) payload: &'a Bytes,
}

fn u64_text(v: u64) -> String {
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = write!(s, "{v}");
    s
}

/// `block` (a stored header block, or none) with `extra` lines added at its end, as
/// nats-server does: existing lines, including ones with the same names, stay.
pub(super) fn append_headers(block: Option<&Bytes>, extra: &[(&str, String)]) -> Bytes {
    let mut out = BytesMut::new();
    match block.map(|b| b.as_ref()) {
        Some(b) if b.ends_with(b"\r\n\r\n") => out.put_slice(&b[..b.len() - 2]),
        Some(b) if b.ends_with(b"\r\n") => out.put_slice(b),
        _ => out.put_slice(b"NATS/1.0\r\n"),
    }
    for (k, v) in extra {
        out.put_slice(k.as_bytes());
        out.put_slice(b": ");
        out.put_slice(v.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
    out.freeze()
}

/// Maps `subject` through the transform `src` → `dest` (nats-server subject mapping): `*`
/// and `>` in `src` capture tokens; in `dest`, `$N` and `{{wildcard(N)}}` insert the N-th
/// `*` capture, `*` the next one in order and `>` the tokens `>` captured. `None` when
/// `subject` does not match `src` or `dest` uses a mapping function this does not apply.
pub fn map_subject(src: &str, dest: &str, subject: &[u8]) -> Option<String> {
    let subject = core::str::from_utf8(subject).ok()?;
    let mut tokens = subject.split('.');
    let mut singles: Vec<&str> = Vec::new();
    let mut rest: Option<String> = None;
    for pattern in src.split('.') {
        match pattern {
            ">" => {
                let tail: Vec<&str> = tokens.by_ref().collect();
                if tail.is_empty() {
                    return None;
                }
                rest = Some(tail.join("."));
                break;
            }
            "*" => singles.push(tokens.next()?),
            literal => {
                if tokens.next()? != literal {
                    return None;
                }
            }
        }
    }
    if tokens.next().is_some() {
        return None;
    }
    if dest.is_empty() {
        return Some(String::from(subject));
    }
    let mut out: Vec<String> = Vec::new();
    let mut next_single = 0usize;
    for token in dest.split('.') {
        let piece = match token {
            ">" => rest.clone()?,
            "*" => {
                next_single += 1;
                String::from(*singles.get(next_single - 1)?)
            }
            t => match wildcard_index(t)? {
                Some(i) => String::from(*singles.get(i.checked_sub(1)?)?),
                None => String::from(t),
            },
        };
        out.push(piece);
    }
    Some(out.join("."))
}

/// For a destination token: `Some(Some(n))` for a wildcard reference, `Some(None)` for a
/// literal, `None` for a mapping function not supported here.
fn wildcard_index(token: &str) -> Option<Option<usize>> {
    if let Some(digits) = token.strip_prefix('$') {
        return Some(digits.parse::<usize>().ok());
    }
    let Some(inner) = token.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) else {
        return Some(None);
    };
    let (name, args) = inner.trim().strip_suffix(')')?.split_once('(')?;
    if !name.trim().eq_ignore_ascii_case("wildcard") {
        return None;
    }
    args.trim().parse::<usize>().ok().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_subjects_like_server_transforms() {
        let cases = [
            (">", "dest.>", "source.1", Some("dest.source.1")),
            (">", "bar.>", "$KV.test.key", Some("bar.$KV.test.key")),
            ("A.>", "$KV.test.>", "A.orange", Some("$KV.test.orange")),
            ("A.>", "$KV.test.>", "B.orange", None),
            ("a.*.>", "r.$1.>", "a.one.two", Some("r.one.two")),
            (
                "a.*.*",
                "r.{{ Wildcard(2) }}.{{wildcard(1)}}",
                "a.x.y",
                Some("r.y.x"),
            ),
            ("a.*.*", "r.*.*", "a.x.y", Some("r.x.y")),
            ("a.*", "r.$1", "a.x.y", None),
            ("a.*", "r.$1", "a", None),
            ("a.>", "r.>", "a", None),
            ("a.b", "c", "a.b", Some("c")),
            ("a.*", "r.{{partition(3,1)}}", "a.x", None),
        ];
        for (src, dest, subject, want) in cases {
            assert_eq!(
                map_subject(src, dest, subject.as_bytes()).as_deref(),
                want,
                "{src} -> {dest} on {subject}"
            );
        }
    }

    #[test]
    fn appends_headers_after_existing_ones() {
        let extra = [("Nats-Stream", String::from("S"))];
        let none = append_headers(None, &extra);
        assert_eq!(&none[..], b"NATS/1.0\r\nNats-Stream: S\r\n\r\n");
        let orig = Bytes::from_static(b"NATS/1.0\r\nNats-Stream: X\r\n\r\n");
        let kept = append_headers(Some(&orig), &extra);
        assert_eq!(
            &kept[..],
            b"NATS/1.0\r\nNats-Stream: X\r\nNats-Stream: S\r\n\r\n"
        );
    }
}
