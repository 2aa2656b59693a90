//! Subject delete markers (`subject_delete_marker_ttl`, ADR-43; KV "limit markers").
//!
//! When `max_age` or a per-message TTL removes the last message of a subject, the stream
//! stores an empty marker message on that subject (`Nats-Marker-Reason: MaxAge`, its own
//! `Nats-TTL` of the marker TTL, `Nats-Rollup: sub`), so consumers and KV watchers learn the
//! subject is gone; the marker expires in turn, without leaving a marker of its own. With
//! markers on, a message TTL shorter than the marker TTL is raised to it (as nats-server
//! does), and its `Nats-TTL` header rewritten in whole seconds.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::{BufMut, Bytes, BytesMut};

use super::republish::append_headers;
use super::{hdr, store_err, Stream};
use crate::jetstream::api::{format_go_duration, ApiError};
use crate::jetstream::store::{MsgStore, StoredMsg, UnixNanos};
use crate::proto::headers::HeaderMap;

/// Why the server stored a marker.
pub const MARKER_REASON: &str = "Nats-Marker-Reason";
/// The reason for a subject emptied by `max_age` or a message TTL.
pub const REASON_MAX_AGE: &str = "MaxAge";

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Whether a stored message is a marker the server wrote.
pub(super) fn is_marker(msg: &StoredMsg) -> bool {
    msg.headers
        .as_ref()
        .and_then(|h| HeaderMap::parse(h).ok())
        .is_some_and(|h| h.get(MARKER_REASON).is_some())
}

impl<S: MsgStore> Stream<S> {
    /// Whether the stream writes subject delete markers.
    pub(super) fn markers_on(&self) -> bool {
        self.config.subject_delete_marker_ttl > 0
    }

    /// Notes that expiry removed `msg`: its subject may need a marker.
    pub(super) fn note_expired(&self, msg: &StoredMsg, emptied: &mut Vec<Bytes>) {
        if self.markers_on() && !is_marker(msg) && !emptied.contains(&msg.subject) {
            emptied.push(msg.subject.clone());
        }
    }

    /// Stores a marker on each subject in `candidates` that expiry left without messages.
    /// Returns how many it stored.
    pub(super) fn place_markers(
        &mut self,
        now: UnixNanos,
        candidates: Vec<Bytes>,
    ) -> Result<u64, ApiError> {
        let ttl = self.config.subject_delete_marker_ttl;
        let mut placed = 0;
        for subject in candidates {
            if self
                .store
                .last_for_subject(&subject)
                .map_err(store_err)?
                .is_some()
            {
                continue;
            }
            let target = self.republish_target(&subject)?;
            let headers = append_headers(
                None,
                &[
                    (MARKER_REASON, String::from(REASON_MAX_AGE)),
                    (hdr::TTL, format_go_duration(ttl)),
                    (hdr::ROLLUP, String::from("sub")),
                ],
            );
            let payload = Bytes::new();
            let seq = self
                .store
                .append(subject.clone(), Some(headers.clone()), payload.clone(), now)
                .map_err(store_err)?;
            let deadline = now.saturating_add(ttl);
            self.ttls.entry(deadline).or_default().push(seq);
            if let Some(target) = target {
                let parts = super::republish::StoredParts {
                    seq,
                    time: now,
                    subject: &subject,
                    headers: Some(&headers),
                    payload: &payload,
                };
                self.queue_republish(target, parts);
            }
            self.enforce_limits_after(&subject)?;
            placed += 1;
        }
        Ok(placed)
    }

    /// With markers on, a message TTL below the marker TTL is raised to it. Returns the TTL
    /// in force and the headers to store (rewritten when raised).
    pub(super) fn raise_ttl(
        &self,
        secs: Option<i64>,
        headers: Option<Bytes>,
    ) -> (Option<i64>, Option<Bytes>) {
        let floor = self.config.subject_delete_marker_ttl / NANOS_PER_SEC;
        match (secs, headers) {
            (Some(s), Some(h)) if self.markers_on() && s > 0 && s < floor => {
                (Some(floor), Some(rewrite_ttl(&h, floor)))
            }
            (secs, headers) => (secs, headers),
        }
    }
}

/// `block` with the value of its `Nats-TTL` line(s) replaced by `secs`.
fn rewrite_ttl(block: &Bytes, secs: i64) -> Bytes {
    let mut out = BytesMut::with_capacity(block.len() + 4);
    let mut first = true;
    for line in block.split(|b| *b == b'\n') {
        if !first {
            out.put_u8(b'\n');
        }
        first = false;
        let key = line.split(|b| *b == b':').next().unwrap_or_default();
        if !key.is_empty() && line.contains(&b':') && key.eq_ignore_ascii_case(hdr::TTL.as_bytes())
        {
            out.put_slice(hdr::TTL.as_bytes());
            out.put_slice(b": ");
            let mut num = itoa_i64(secs);
            num.push('\r');
            out.put_slice(num.as_bytes());
        } else {
            out.put_slice(line);
        }
    }
    out.freeze()
}

fn itoa_i64(v: i64) -> String {
    use core::fmt::Write;
    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = write!(s, "{v}");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_ttl_line() {
        let h = Bytes::from_static(b"NATS/1.0\r\nFoo: 1\r\nnats-ttl: 1s\r\nBar: 2\r\n\r\n");
        assert_eq!(
            &rewrite_ttl(&h, 5)[..],
            b"NATS/1.0\r\nFoo: 1\r\nNats-TTL: 5\r\nBar: 2\r\n\r\n"
        );
        let other = Bytes::from_static(b"NATS/1.0\r\nFoo: Nats-TTL: 1\r\n\r\n");
        assert_eq!(rewrite_ttl(&other, 5), other);
    }
}
