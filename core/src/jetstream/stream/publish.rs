//! Storing one published message: the checks nats-server makes, in its order.

use alloc::string::ToString;
use bytes::Bytes;

use super::republish::StoredParts;
use super::{hdr, store_err, Stream, HEADERS_BYTES_MAX};
use crate::jetstream::api::{parse_msg_ttl, ApiError, ErrorId};
use crate::jetstream::store::{MsgStore, PurgeRequest, UnixNanos};
use crate::proto::headers::HeaderMap;

/// The outcome of a publish the stream accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// Sequence of the message (the original one for a duplicate).
    pub seq: u64,
    /// The message id was seen within the duplicate window: nothing was stored.
    pub duplicate: bool,
}

fn parse_u64(v: &str) -> Option<u64> {
    v.trim().parse().ok()
}

impl<S: MsgStore> Stream<S> {
    /// Stores a message published to `subject` at wall-clock time `now`.
    ///
    /// Not durable until the runtime calls `store_mut().sync()`; acknowledge only after.
    pub fn process(
        &mut self,
        now: UnixNanos,
        subject: Bytes,
        headers: Option<Bytes>,
        payload: Bytes,
    ) -> Result<Stored, ApiError> {
        if self.config.sealed {
            return Err(ApiError::new(ErrorId::StreamSealed));
        }
        let subject = self.transform_input(subject);
        let hdr_len = headers.as_ref().map_or(0, Bytes::len);
        if hdr_len > HEADERS_BYTES_MAX {
            return Err(ApiError::new(ErrorId::StreamHeaderExceedsMaximum));
        }
        if self.config.max_msg_size >= 0
            && hdr_len + payload.len() > self.config.max_msg_size as usize
        {
            return Err(ApiError::new(ErrorId::StreamMessageExceedsMaximum));
        }
        let parsed = headers
            .as_ref()
            .and_then(|h| HeaderMap::parse(h).ok())
            .unwrap_or_default();
        if let Some(expected) = parsed.get(hdr::EXPECTED_STREAM) {
            if expected != self.config.name {
                return Err(ApiError::new(ErrorId::StreamNotMatch));
            }
        }
        let msg_id = parsed.get(hdr::MSG_ID).filter(|id| !id.is_empty());
        if let Some(id) = msg_id {
            if self.config.duplicate_window > 0 {
                self.dedupe
                    .prune(now.saturating_sub(self.config.duplicate_window));
            }
            if let Some(seq) = self.dedupe.get(id) {
                return Ok(Stored {
                    seq,
                    duplicate: true,
                });
            }
        }
        self.check_expectations(&parsed, &subject)?;
        let rollup = self.check_rollup(&parsed)?;
        let ttl_secs = self.check_ttl(&parsed)?;
        let (ttl_secs, headers) = self.raise_ttl(ttl_secs, headers);
        let republish = self.republish_target(&subject)?;
        let size = self.size_of(&subject, headers.as_ref(), &payload);
        if rollup.is_none() {
            self.check_discard_new(&subject, size)?;
        }
        let seq = self
            .store
            .append(subject.clone(), headers.clone(), payload.clone(), now)
            .map_err(store_err)?;
        if let Some(target) = republish {
            let parts = StoredParts {
                seq,
                time: now,
                subject: &subject,
                headers: headers.as_ref(),
                payload: &payload,
            };
            self.queue_republish(target, parts);
        }
        if let Some(id) = msg_id {
            if self.config.duplicate_window > 0 {
                self.dedupe.insert(id, seq, now);
            }
            self.last_msg_id = Some(id.to_string());
        }
        match rollup {
            Some(Rollup::Subject) => {
                let req = PurgeRequest {
                    filter: Some(subject.clone()),
                    up_to_seq: Some(seq),
                    keep: None,
                };
                self.store.purge(&req).map_err(store_err)?;
            }
            Some(Rollup::All) => {
                let req = PurgeRequest {
                    filter: None,
                    up_to_seq: Some(seq),
                    keep: None,
                };
                self.store.purge(&req).map_err(store_err)?;
            }
            None => {}
        }
        if let Some(secs) = ttl_secs.filter(|s| *s > 0) {
            let deadline = now.saturating_add(secs.saturating_mul(1_000_000_000));
            self.ttls.entry(deadline).or_default().push(seq);
        }
        self.enforce_limits_after(&subject)?;
        Ok(Stored {
            seq,
            duplicate: false,
        })
    }

    fn check_expectations(&self, h: &HeaderMap, subject: &Bytes) -> Result<(), ApiError> {
        let st = self.store.state();
        if let Some(v) = h.get(hdr::EXPECTED_LAST_SEQ) {
            let expected =
                parse_u64(v).ok_or_else(|| ApiError::wrong_last_sequence(st.last_seq))?;
            if expected != st.last_seq {
                return Err(ApiError::wrong_last_sequence(st.last_seq));
            }
        }
        if let Some(v) = h.get(hdr::EXPECTED_LAST_SUBJ_SEQ) {
            let on = h
                .get(hdr::EXPECTED_LAST_SUBJ_SEQ_SUBJ)
                .map(str::as_bytes)
                .unwrap_or(subject);
            let last = self
                .store
                .last_for_subject(on)
                .map_err(store_err)?
                .map_or(0, |m| m.seq);
            let expected = parse_u64(v).ok_or_else(|| ApiError::wrong_last_sequence(last))?;
            if expected != last {
                return Err(ApiError::wrong_last_sequence(last));
            }
        }
        if let Some(v) = h.get(hdr::EXPECTED_LAST_MSG_ID) {
            let last = self.last_msg_id.as_deref().unwrap_or("");
            if v != last {
                return Err(ApiError::wrong_last_msg_id(last));
            }
        }
        Ok(())
    }

    fn check_rollup(&self, h: &HeaderMap) -> Result<Option<Rollup>, ApiError> {
        let Some(v) = h.get(hdr::ROLLUP) else {
            return Ok(None);
        };
        if !self.config.allow_rollup_hdrs {
            return Err(ApiError::with_err(
                ErrorId::StreamRollupFailed,
                "rollup not permitted",
            ));
        }
        match v {
            "sub" => Ok(Some(Rollup::Subject)),
            "all" => Ok(Some(Rollup::All)),
            other => Err(ApiError::with_err(
                ErrorId::StreamRollupFailed,
                alloc::format!("rollup value invalid: \"{other}\""),
            )),
        }
    }

    fn check_ttl(&self, h: &HeaderMap) -> Result<Option<i64>, ApiError> {
        let Some(v) = h.get(hdr::TTL) else {
            return Ok(None);
        };
        if !self.config.allow_msg_ttl {
            return Err(ApiError::new(ErrorId::MessageTTLDisabled));
        }
        parse_msg_ttl(v)
            .map(Some)
            .ok_or_else(|| ApiError::new(ErrorId::MessageTTLInvalid))
    }
}

/// What a `Nats-Rollup` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rollup {
    Subject,
    All,
}
