//! A stream as a deterministic state machine over a [`MsgStore`].
//!
//! It is fed publishes (with the wall-clock time the runtime read), purge/delete/get
//! commands and expiry ticks; it enforces the configuration (limits, discard policies,
//! duplicate window, expected-* headers, rollups, per-message TTL) and answers with sequences
//! or JetStream API errors. It never reads a clock and never does I/O beyond its store, so the
//! same code runs single-node, under Raft (commands applied on every replica) and in tests.

mod dedupe;
mod limits;
mod markers;
mod publish;
mod republish;
pub mod sourcing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_republish;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use bytes::Bytes;

pub use dedupe::Dedupe;
pub use markers::{MARKER_REASON, REASON_MAX_AGE};
pub use publish::Stored;
pub use republish::{map_subject, Republished};

use crate::jetstream::api::{ApiError, ErrorId, StreamConfig};
use crate::jetstream::store::{
    MsgStore, PurgeRequest, StoreError, StoreState, StoredMsg, UnixNanos,
};
use crate::subject;

/// Header names a stream reads on publish.
pub mod hdr {
    /// Deduplication id.
    pub const MSG_ID: &str = "Nats-Msg-Id";
    /// The stream the publisher expects to store the message.
    pub const EXPECTED_STREAM: &str = "Nats-Expected-Stream";
    /// The stream's last sequence the publisher expects.
    pub const EXPECTED_LAST_SEQ: &str = "Nats-Expected-Last-Sequence";
    /// The last sequence on the subject the publisher expects.
    pub const EXPECTED_LAST_SUBJ_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
    /// The subject the expected last subject sequence is about (default: the message's).
    pub const EXPECTED_LAST_SUBJ_SEQ_SUBJ: &str = "Nats-Expected-Last-Subject-Sequence-Subject";
    /// The stream's last message id the publisher expects.
    pub const EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
    /// `sub` or `all`: remove older messages on the subject or in the stream.
    pub const ROLLUP: &str = "Nats-Rollup";
    /// Per-message time to live.
    pub const TTL: &str = "Nats-TTL";
}

/// Largest header block a stream stores (nats-server: 64 KiB).
pub const HEADERS_BYTES_MAX: usize = 64 * 1024;

/// Maps a store failure to the API error a client sees.
pub(crate) fn store_err(e: StoreError) -> ApiError {
    ApiError::with_err(ErrorId::StreamStoreFailed, e)
}

/// One stream. See the module docs.
#[derive(Debug)]
pub struct Stream<S: MsgStore> {
    config: StreamConfig,
    created: UnixNanos,
    store: S,
    dedupe: Dedupe,
    last_msg_id: Option<alloc::string::String>,
    /// Per-message TTL deadlines: expiry time → sequences.
    ttls: BTreeMap<UnixNanos, Vec<u64>>,
    /// Copies of stored messages waiting for the runtime to publish (`republish`).
    republished: Vec<Republished>,
    /// The compiled `subject_transform` (see `sourcing.rs`).
    input_transform: Option<crate::transform::Transform>,
}

impl<S: MsgStore> Stream<S> {
    /// A stream over `store` (new or reopened) with a normalized `config`. Rebuilds the
    /// duplicate window and TTL deadlines from stored headers when the config uses them.
    pub fn new(config: StreamConfig, created: UnixNanos, store: S) -> Result<Self, ApiError> {
        let mut stream = Stream {
            config,
            created,
            store,
            dedupe: Dedupe::default(),
            last_msg_id: None,
            ttls: BTreeMap::new(),
            republished: Vec::new(),
            input_transform: None,
        };
        stream.input_transform = sourcing::input_transform(&stream.config);
        if stream.store.state().last_seq == 0 && stream.config.first_seq > 1 {
            stream
                .store
                .skip_to(stream.config.first_seq)
                .map_err(store_err)?;
        }
        stream.rebuild_from_headers()?;
        Ok(stream)
    }

    /// The configuration in force.
    pub fn config(&self) -> &StreamConfig {
        &self.config
    }

    /// When the stream was created.
    pub fn created(&self) -> UnixNanos {
        self.created
    }

    /// The store (read access for consumers and info).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store (write access for the runtime: sync).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Gives the store back (on delete).
    pub fn into_store(self) -> S {
        self.store
    }

    /// The store's summary.
    pub fn state(&self) -> StoreState {
        self.store.state()
    }

    /// Whether a publish to `subj` is captured by this stream.
    pub fn captures(&self, subj: &[u8]) -> bool {
        self.config
            .subjects
            .iter()
            .any(|p| subject::matches(p.as_bytes(), subj))
    }

    /// Replaces the configuration (already checked with `update_check` and normalized) and
    /// applies new limits at once.
    pub fn update(&mut self, config: StreamConfig, now: UnixNanos) -> Result<(), ApiError> {
        self.input_transform = sourcing::input_transform(&config);
        self.config = config;
        self.enforce_all_limits()?;
        self.expire(now)?;
        Ok(())
    }

    /// Removes what `req` selects (purge API). Returns how many messages went.
    pub fn purge(&mut self, req: &PurgeRequest) -> Result<u64, ApiError> {
        if self.config.sealed {
            return Err(ApiError::new(ErrorId::StreamSealed));
        }
        if self.config.deny_purge {
            return Err(ApiError::with_err(
                ErrorId::StreamPurgeFailed,
                "stream purge not permitted",
            ));
        }
        self.store.purge(req).map_err(store_err)
    }

    /// Deletes one message (message delete API).
    pub fn delete_msg(&mut self, seq: u64) -> Result<(), ApiError> {
        if self.config.sealed {
            return Err(ApiError::new(ErrorId::StreamSealed));
        }
        if self.config.deny_delete {
            return Err(ApiError::with_err(
                ErrorId::StreamMsgDeleteFailed,
                "message delete not permitted",
            ));
        }
        match self.store.remove(seq).map_err(store_err)? {
            true => Ok(()),
            // As nats-server: past the end is the store's EOF, inside it a missing sequence.
            false if seq > self.store.state().last_seq => Err(ApiError::with_err(
                ErrorId::StreamMsgDeleteFailed,
                "stream store EOF",
            )),
            false => Err(ApiError::sequence_not_found(seq)),
        }
    }

    /// Removes a message because consumers are done with it (interest/workqueue retention).
    pub fn remove_acked(&mut self, seq: u64) -> Result<bool, ApiError> {
        self.store.remove(seq).map_err(store_err)
    }

    /// The message at `seq`.
    pub fn get(&self, seq: u64) -> Result<StoredMsg, ApiError> {
        self.store
            .get(seq)
            .map_err(store_err)?
            .ok_or_else(ApiError::no_message_found)
    }

    /// The newest message on subject `subj`, or on any subject matching it when it has
    /// wildcards (as nats-server: object stores find their metadata with `$O.<b>.M.>`).
    pub fn last_for_subject(&self, subj: &[u8]) -> Result<StoredMsg, ApiError> {
        if !crate::subject::has_wildcard(subj) {
            return self
                .store
                .last_for_subject(subj)
                .map_err(store_err)?
                .ok_or_else(ApiError::no_message_found);
        }
        let newest = self
            .store
            .subjects_state(subj)
            .iter()
            .filter_map(|(s, _)| self.store.subject_seqs(s).last().copied())
            .max()
            .ok_or_else(ApiError::no_message_found)?;
        self.get(newest)
    }

    /// The first message at or after `seq` matching `filter`.
    pub fn next_matching(&self, seq: u64, filter: Option<&[u8]>) -> Result<StoredMsg, ApiError> {
        self.store
            .next_matching(seq, filter)
            .map_err(store_err)?
            .ok_or_else(ApiError::no_message_found)
    }

    /// Removes messages past `max_age` or their own TTL, and forgets message ids past the
    /// duplicate window. With subject delete markers on, stores a marker on each subject
    /// this emptied. Returns how many messages were removed.
    pub fn expire(&mut self, now: UnixNanos) -> Result<u64, ApiError> {
        let mut removed = 0;
        let mut emptied = Vec::new();
        if self.config.duplicate_window > 0 {
            self.dedupe
                .prune(now.saturating_sub(self.config.duplicate_window));
        }
        if self.config.max_age > 0 {
            let cutoff = now.saturating_sub(self.config.max_age);
            while let Some(first) = self.store.next_matching(0, None).map_err(store_err)? {
                if first.time > cutoff {
                    break;
                }
                self.store.remove(first.seq).map_err(store_err)?;
                self.note_expired(&first, &mut emptied);
                removed += 1;
            }
        }
        while let Some((&deadline, _)) = self.ttls.first_key_value() {
            if deadline > now {
                break;
            }
            let seqs = self.ttls.pop_first().map(|(_, s)| s).unwrap_or_default();
            for seq in seqs {
                let msg = match self.markers_on() {
                    true => self.store.get(seq).map_err(store_err)?,
                    false => None,
                };
                if self.store.remove(seq).map_err(store_err)? {
                    if let Some(msg) = msg {
                        self.note_expired(&msg, &mut emptied);
                    }
                    removed += 1;
                }
            }
        }
        if !emptied.is_empty() {
            self.place_markers(now, emptied)?;
        }
        Ok(removed)
    }

    /// The next time [`Stream::expire`] has work to do.
    pub fn next_expiry(&self) -> Option<UnixNanos> {
        let age = (self.config.max_age > 0)
            .then(|| self.store.state())
            .filter(|st| st.messages > 0)
            .map(|st| st.first_time.saturating_add(self.config.max_age));
        let dedupe = (self.config.duplicate_window > 0)
            .then(|| self.dedupe.next_expiry(self.config.duplicate_window))
            .flatten();
        let ttl = self.ttls.first_key_value().map(|(t, _)| *t);
        [age, dedupe, ttl].into_iter().flatten().min()
    }

    /// Message ids remembered for deduplication.
    pub fn dedupe_len(&self) -> usize {
        self.dedupe.len()
    }

    fn rebuild_from_headers(&mut self) -> Result<(), ApiError> {
        let wants_ids = self.config.duplicate_window > 0;
        let wants_ttl = self.config.allow_msg_ttl;
        if !wants_ids && !wants_ttl {
            return Ok(());
        }
        let mut seq = self.store.state().first_seq;
        while let Some(m) = self.store.next_matching(seq, None).map_err(store_err)? {
            seq = m.seq + 1;
            let Some(h) = m
                .headers
                .as_ref()
                .and_then(|h| crate::proto::headers::HeaderMap::parse(h).ok())
            else {
                continue;
            };
            if let Some(id) = h.get(hdr::MSG_ID).filter(|_| wants_ids) {
                self.dedupe.insert(id, m.seq, m.time);
                self.last_msg_id = Some(id.into());
            }
            if let Some(ttl) = h.get(hdr::TTL).filter(|_| wants_ttl) {
                if let Some(secs) = crate::jetstream::api::parse_msg_ttl(ttl).filter(|s| *s > 0) {
                    let deadline = m.time.saturating_add(secs.saturating_mul(1_000_000_000));
                    self.ttls.entry(deadline).or_default().push(m.seq);
                }
            }
        }
        Ok(())
    }

    /// Sequences of messages stored under `subj`, oldest first.
    pub fn subject_seqs(&self, subj: &[u8]) -> Vec<u64> {
        self.store.subject_seqs(subj)
    }

    /// Subjects and counts matching `filter`.
    pub fn subjects_state(&self, filter: &[u8]) -> Vec<(Bytes, u64)> {
        self.store.subjects_state(filter)
    }
}
