//! Mirrors and sources as deterministic cursors over an origin stream's store.
//!
//! A [`SourceCursor`] is one `mirror` or one entry of `sources`: it knows the origin's name,
//! its filters and transforms, and the next origin sequence to look at. The runtime hands it
//! the origin's store ([`SourceCursor::poll`]); it answers with [`Copied`] messages, already
//! filtered and transformed, which the runtime stores in the sourcing stream with
//! [`Stream::store_mirrored`] (origin sequence and time kept, gaps where the origin has none)
//! or [`Stream::store_sourced`] (with a `Nats-Stream-Source` header, as nats-server writes it:
//! `<origin> <origin seq> <filters> <destinations>`).
//!
//! Positions: a mirror resumes after its own last sequence; a source after the newest origin
//! sequence named by its header in the sourcing stream ([`parse_source_header`]), or where the
//! runtime persisted it. Nothing here reads a clock: times are handed in.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::{hdr, store_err, Stream};
use crate::jetstream::api::{ApiError, ErrorId, StreamSource, StreamSourceInfo, SubjectTransform};
use crate::jetstream::store::{MsgStore, PurgeRequest, StoreError, StoredMsg, UnixNanos};
use crate::proto::headers::HeaderMap;
use crate::transform::Transform;

/// The header naming where a sourced message came from.
pub const STREAM_SOURCE: &str = "Nats-Stream-Source";

/// `active` of a source that has never reached its origin.
pub const NEVER_ACTIVE: i64 = -1;

/// How long a failed copy waits before it is tried again (nats-server retries after ~2 s).
pub const RETRY_NANOS: i64 = 1_000_000_000;

/// One filter of a cursor: the origin subjects it takes and how it renames them.
#[derive(Debug, Clone)]
struct Filter {
    /// Subject pattern (`>` for all).
    src: String,
    /// The transform, if the destination is set and compiles.
    transform: Option<Transform>,
}

/// An origin message to store in the sourcing stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Its sequence in the origin.
    pub origin_seq: u64,
    /// Subject after the filter's transform.
    pub subject: Bytes,
    /// Headers: as stored for a mirror; without `Nats-Expected-*` and with this source's
    /// `Nats-Stream-Source` for a source.
    pub headers: Option<Bytes>,
    /// Body.
    pub payload: Bytes,
    /// When the origin stored it.
    pub time: UnixNanos,
}

/// A mirror or a source of a stream and its position. See the module docs.
#[derive(Debug, Clone)]
pub struct SourceCursor {
    config: StreamSource,
    mirror: bool,
    /// nats-server's index name (`<origin> <filters> <dests>`); the key of a source.
    index_name: String,
    filters: Vec<Filter>,
    /// Next origin sequence to look at; `None` until started.
    next_seq: Option<u64>,
    /// When the origin was last seen.
    last_seen: Option<UnixNanos>,
    /// Why copying stopped, while it is stopped.
    error: Option<ApiError>,
    /// No copy before this time (after a failed store).
    retry_at: UnixNanos,
    /// The position moved since the runtime last persisted it.
    moved: bool,
}

impl SourceCursor {
    /// The cursor of `mirror` (not started: see [`SourceCursor::start`]).
    pub fn mirror(config: &StreamSource) -> SourceCursor {
        Self::new(config, true)
    }

    /// The cursor of one entry of `sources`.
    pub fn source(config: &StreamSource) -> SourceCursor {
        Self::new(config, false)
    }

    fn new(config: &StreamSource, mirror: bool) -> SourceCursor {
        let mut filters: Vec<Filter> = config
            .subject_transforms
            .iter()
            .map(|t| Filter {
                src: if t.src.is_empty() {
                    String::from(">")
                } else {
                    t.src.clone()
                },
                transform: Transform::new(&t.src, &t.dest).ok().flatten(),
            })
            .collect();
        if filters.is_empty() {
            let src = match config.filter_subject.as_str() {
                "" => String::from(">"),
                f => String::from(f),
            };
            filters.push(Filter {
                src,
                transform: None,
            });
        }
        SourceCursor {
            config: config.clone(),
            mirror,
            index_name: config.index_name(),
            filters,
            next_seq: None,
            last_seen: None,
            error: None,
            retry_at: 0,
            moved: false,
        }
    }

    /// The configuration this cursor follows.
    pub fn config(&self) -> &StreamSource {
        &self.config
    }

    /// The origin stream's name.
    pub fn origin(&self) -> &str {
        &self.config.name
    }

    /// Whether this is a mirror (else a source).
    pub fn is_mirror(&self) -> bool {
        self.mirror
    }

    /// nats-server's index name of this source.
    pub fn index_name(&self) -> &str {
        &self.index_name
    }

    /// The next origin sequence to look at, once started.
    pub fn next_seq(&self) -> Option<u64> {
        self.next_seq
    }

    /// Resumes at `next` (recovered position); a later recovered position wins.
    pub fn resume_at(&mut self, next: u64) {
        if self.next_seq.is_none_or(|n| next > n) {
            self.next_seq = Some(next);
        }
    }

    /// Whether the position moved since [`SourceCursor::mark_persisted`].
    pub fn moved(&self) -> bool {
        self.moved
    }

    /// The runtime persisted the position.
    pub fn mark_persisted(&mut self) {
        self.moved = false;
    }

    /// The origin does not exist (now): reported in the source's info.
    pub fn origin_missing(&mut self) {
        self.error = Some(ApiError::stream_not_found());
    }

    /// Where to start in `origin` when not started yet: `opt_start_seq`, the first message
    /// at or after `opt_start_time`, or the beginning.
    pub fn start<S: MsgStore>(&mut self, origin: &S) -> Result<(), StoreError> {
        if self.next_seq.is_some() {
            return Ok(());
        }
        let start = if self.config.opt_start_seq > 0 {
            self.config.opt_start_seq
        } else if let Some(t) = self.config.opt_start_time {
            first_at_or_after(origin, t.0)?
        } else {
            1
        };
        self.next_seq = Some(start);
        self.moved = true;
        Ok(())
    }

    /// Whether `subject` passes a filter; `Some(stored subject)` when it does.
    pub fn map_subject(&self, subject: &Bytes) -> Option<Bytes> {
        let f = self
            .filters
            .iter()
            .find(|f| f.src == ">" || crate::subject::matches(f.src.as_bytes(), subject))?;
        Some(match &f.transform {
            Some(t) => t
                .apply(subject)
                .map_or_else(|| subject.clone(), Bytes::from),
            None => subject.clone(),
        })
    }

    /// Copies from `origin`, started, from the next sequence on: at most `msgs_max` messages
    /// and about `bytes_max` bytes. Skips what no filter takes. Returns the copies and
    /// whether the origin has more to look at.
    pub fn poll<S: MsgStore>(
        &mut self,
        now: UnixNanos,
        origin: &S,
        msgs_max: usize,
        bytes_max: u64,
    ) -> Result<(Vec<Copied>, bool), StoreError> {
        self.last_seen = Some(now);
        if now < self.retry_at {
            return Ok((Vec::new(), false));
        }
        if self
            .error
            .as_ref()
            .is_some_and(|e| e.is(ErrorId::StreamNotFound))
        {
            self.error = None;
        }
        let Some(mut next) = self.next_seq else {
            return Ok((Vec::new(), false));
        };
        let single = match self.filters.as_slice() {
            [f] if f.src != ">" => Some(f.src.as_bytes()),
            _ => None,
        };
        let mut out = Vec::new();
        let mut bytes = 0;
        let last = origin.state().last_seq;
        while next <= last {
            if out.len() >= msgs_max || bytes >= bytes_max {
                break;
            }
            let Some(m) = origin.next_matching(next, single)? else {
                next = last + 1;
                break;
            };
            next = m.seq + 1;
            if let Some(c) = self.copy_of(m) {
                bytes += c.payload.len() as u64 + c.headers.as_ref().map_or(0, |h| h.len() as u64);
                out.push(c);
            }
        }
        if !out.is_empty() {
            // A store failure is cleared by the next copy that is stored.
            self.error = None;
        }
        if self.next_seq != Some(next) {
            self.next_seq = Some(next);
            self.moved = true;
        }
        Ok((out, next <= last))
    }

    fn copy_of(&self, m: StoredMsg) -> Option<Copied> {
        let subject = self.map_subject(&m.subject)?;
        let headers = if self.mirror {
            // nats-server drops expectations from mirrored messages too.
            match m.headers {
                Some(h) if well_formed(&h) && contains(&h, b"Nats-Expected-") => {
                    Some(without_expected(&h))
                }
                h => h,
            }
        } else {
            Some(source_headers(
                m.headers.as_deref(),
                &self.source_header(m.seq),
            ))
        };
        Some(Copied {
            origin_seq: m.seq,
            subject,
            headers,
            payload: m.payload,
            time: m.time,
        })
    }

    /// The `Nats-Stream-Source` value of origin message `seq`.
    pub fn source_header(&self, seq: u64) -> String {
        let (name, rest) = self
            .index_name
            .split_once(' ')
            .unwrap_or((self.index_name.as_str(), "> >"));
        alloc::format!("{name} {seq} {rest}")
    }

    /// Storing `failed` failed with `err`: look at it again after [`RETRY_NANOS`].
    pub fn store_failed(&mut self, now: UnixNanos, failed: u64, err: ApiError) {
        self.next_seq = Some(failed);
        self.moved = true;
        self.error = Some(err);
        self.retry_at = now.saturating_add(RETRY_NANOS);
    }

    /// The `mirror`/`sources[]` entry of stream info; `origin` when it exists.
    pub fn info<S: MsgStore>(&self, now: UnixNanos, origin: Option<&S>) -> StreamSourceInfo {
        let lag = match (origin, self.next_seq) {
            (Some(o), next) => self.pending(o, next.unwrap_or(1)),
            (None, _) => 0,
        };
        let active = match (origin, self.last_seen) {
            (_, None) => NEVER_ACTIVE,
            // An existing origin is "heard from" as nats-server's 1 s heartbeats would be.
            (Some(_), Some(t)) => now.saturating_sub(t).clamp(0, RETRY_NANOS),
            (None, Some(t)) => now.saturating_sub(t).max(0),
        };
        let error = match origin {
            None => Some(ApiError::stream_not_found()),
            Some(_) => self.error.clone(),
        };
        StreamSourceInfo {
            name: self.config.name.clone(),
            external: None,
            lag,
            active,
            error,
            filter_subject: self.config.filter_subject.clone(),
            subject_transforms: self
                .config
                .subject_transforms
                .iter()
                .map(|t| SubjectTransform {
                    src: t.src.clone(),
                    dest: t.dest.clone(),
                })
                .collect(),
        }
    }

    /// Origin messages from `start` on that a filter takes.
    fn pending<S: MsgStore>(&self, origin: &S, start: u64) -> u64 {
        if self.filters.iter().any(|f| f.src == ">") {
            return origin.num_pending(start, None);
        }
        // Filters of one source do not overlap (validated), so counts add up.
        self.filters
            .iter()
            .map(|f| origin.num_pending(start, Some(f.src.as_bytes())))
            .sum()
    }
}

/// The first sequence of `store` whose message is at or after `time` (one past the last
/// when none is): a binary search, message times growing with sequences.
pub fn first_at_or_after<S: MsgStore>(store: &S, time: UnixNanos) -> Result<u64, StoreError> {
    let st = store.state();
    let (mut lo, mut hi) = (st.first_seq.max(1), st.last_seq + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match store.next_matching(mid, None)? {
            Some(m) if m.time >= time => hi = mid,
            Some(m) => lo = m.seq + 1,
            None => hi = mid,
        }
    }
    Ok(lo)
}

fn well_formed(h: &[u8]) -> bool {
    h.ends_with(b"\r\n\r\n") && h.starts_with(b"NATS/1.0")
}

fn contains(h: &[u8], needle: &[u8]) -> bool {
    h.windows(needle.len()).any(|w| w == needle)
}

/// A header block without its `Nats-Expected-*` lines.
fn without_expected(h: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(h.len());
    copy_headers(&mut out, h, false);
    out.extend_from_slice(b"\r\n");
    Bytes::from(out)
}

/// Appends the version line and the header lines of `h` (a complete block) except
/// `Nats-Expected-*` (and `Nats-Stream-Source` when `drop_source`); not the final CRLF.
fn copy_headers(out: &mut Vec<u8>, h: &[u8], drop_source: bool) {
    let body = &h[..h.len() - 2];
    let mut lines = body.split_inclusive(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        let key = line.split(|&b| b == b':').next().unwrap_or_default();
        let key = key.trim_ascii();
        if (drop_source && key == STREAM_SOURCE.as_bytes()) || key.starts_with(b"Nats-Expected-") {
            continue;
        }
        out.extend_from_slice(line);
    }
}

/// A sourced message's header block: the origin's headers without `Nats-Stream-Source` and
/// `Nats-Expected-*`, then `Nats-Stream-Source: <value>`.
pub fn source_headers(origin: Option<&[u8]>, value: &str) -> Bytes {
    let mut out = Vec::with_capacity(origin.map_or(0, <[u8]>::len) + value.len() + 40);
    match origin.filter(|h| well_formed(h)) {
        Some(h) => copy_headers(&mut out, h, true),
        None => out.extend_from_slice(b"NATS/1.0\r\n"),
    }
    out.extend_from_slice(STREAM_SOURCE.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    Bytes::from(out)
}

/// The source index name and origin sequence of a `Nats-Stream-Source` value
/// (`<origin> <seq> <filters> <dests>`); `None` for other layouts (pre-2.10 headers).
pub fn parse_source_header(value: &str) -> Option<(String, u64)> {
    let mut fields = value.split(' ');
    let (name, seq, src, dest) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let seq = seq.parse().ok()?;
    Some((alloc::format!("{name} {src} {dest}"), seq))
}

/// The `Nats-Stream-Source` value of a stored message, if it has one.
pub fn source_header_of(m: &StoredMsg) -> Option<(String, u64)> {
    let h = m.headers.as_ref()?;
    if !contains(h, STREAM_SOURCE.as_bytes()) {
        return None;
    }
    let map = HeaderMap::parse(h).ok()?;
    parse_source_header(map.get(STREAM_SOURCE)?)
}

/// The compiled `subject_transform` of `config` (none when unset or not compiling: config
/// validation refuses those, a stored config is opened anyway).
pub(super) fn input_transform(config: &crate::jetstream::api::StreamConfig) -> Option<Transform> {
    let t = config.subject_transform.as_ref()?;
    Transform::new(&t.src, &t.dest).ok().flatten()
}

impl<S: MsgStore> Stream<S> {
    /// The subject a message arriving on `subject` is stored under: the stream's
    /// `subject_transform` applied where its source matches (nats-server: every message the
    /// stream stores, captured, sourced or mirrored).
    pub fn transform_input(&self, subject: Bytes) -> Bytes {
        match &self.input_transform {
            Some(t) => t.apply(&subject).map_or(subject, Bytes::from),
            None => subject,
        }
    }

    /// Stores a mirrored message under its origin sequence (later sequences than the last
    /// only; skipped ones become gaps) and time. Returns whether it was stored (`false`: the
    /// mirror already has that sequence).
    pub fn store_mirrored(&mut self, c: Copied) -> Result<bool, ApiError> {
        let last = self.store.state().last_seq;
        if c.origin_seq <= last {
            return Ok(false);
        }
        if c.origin_seq > last + 1 {
            self.store.skip_msgs_to(c.origin_seq).map_err(store_err)?;
        }
        let subject = self.transform_input(c.subject);
        self.store_copy(subject, c.headers, c.payload, c.time)?;
        Ok(true)
    }

    /// Stores a sourced message (headers already carry `Nats-Stream-Source`) at `now`.
    pub fn store_sourced(&mut self, now: UnixNanos, c: Copied) -> Result<u64, ApiError> {
        let subject = self.transform_input(c.subject);
        self.store_copy(subject, c.headers, c.payload, now)
    }

    /// Appends a copied message: no expectations are checked (sourcing strips them), rollups
    /// and TTLs only where this stream allows them (else ignored, never refused), then limits.
    fn store_copy(
        &mut self,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
        time: UnixNanos,
    ) -> Result<u64, ApiError> {
        if self.config.sealed {
            return Err(ApiError::new(ErrorId::StreamSealed));
        }
        let parsed = headers
            .as_ref()
            .and_then(|h| HeaderMap::parse(h).ok())
            .unwrap_or_default();
        let rollup = parsed
            .get(hdr::ROLLUP)
            .filter(|_| self.config.allow_rollup_hdrs)
            .filter(|v| matches!(*v, "sub" | "all"))
            .map(String::from);
        let ttl = parsed
            .get(hdr::TTL)
            .filter(|_| self.config.allow_msg_ttl)
            .and_then(crate::jetstream::api::parse_msg_ttl)
            .filter(|s| *s > 0);
        let msg_id = parsed.get(hdr::MSG_ID).filter(|id| !id.is_empty());
        if let Some(seq) = msg_id.and_then(|id| self.dedupe.get(id)) {
            return Ok(seq);
        }
        if rollup.is_none() {
            let size = self.size_of(&subject, headers.as_ref(), &payload);
            self.check_discard_new(&subject, size)?;
        }
        let seq = self
            .store
            .append(subject.clone(), headers.clone(), payload, time)
            .map_err(store_err)?;
        if let Some(id) = msg_id {
            if self.config.duplicate_window > 0 {
                self.dedupe.insert(id, seq, time);
            }
            self.last_msg_id = Some(id.into());
        }
        if let Some(r) = rollup {
            let filter = (r == "sub").then(|| subject.clone());
            let req = PurgeRequest {
                filter,
                up_to_seq: Some(seq),
                keep: None,
            };
            self.store.purge(&req).map_err(store_err)?;
        }
        if let Some(secs) = ttl {
            let deadline = time.saturating_add(secs.saturating_mul(1_000_000_000));
            self.ttls.entry(deadline).or_default().push(seq);
        }
        self.enforce_limits_after(&subject)?;
        Ok(seq)
    }
}

#[cfg(test)]
#[path = "sourcing_tests.rs"]
mod tests;
