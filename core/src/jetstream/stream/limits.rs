//! Enforcing a stream's size limits after a store (discard old) or before it (discard new).

use bytes::Bytes;

use super::{store_err, Stream};
use crate::jetstream::api::{ApiError, DiscardPolicy, ErrorId};
use crate::jetstream::store::MsgStore;

impl<S: MsgStore> Stream<S> {
    /// With `discard: new`, refuses a message that would break a limit.
    pub(super) fn check_discard_new(&self, subject: &Bytes, size: u64) -> Result<(), ApiError> {
        if self.config.discard != DiscardPolicy::New {
            return Ok(());
        }
        let st = self.store.state();
        let fail = |what: &str| Err(ApiError::with_err(ErrorId::StreamStoreFailed, what));
        if self.config.max_msgs > 0 && st.messages >= self.config.max_msgs as u64 {
            return fail("maximum messages exceeded");
        }
        if self.config.max_bytes > 0 && st.bytes + size > self.config.max_bytes as u64 {
            return fail("maximum bytes exceeded");
        }
        if self.config.discard_new_per_subject
            && self.config.max_msgs_per_subject > 0
            && self.store.subject_seqs(subject).len() as u64
                >= self.config.max_msgs_per_subject as u64
        {
            return fail("maximum messages per subject exceeded");
        }
        Ok(())
    }

    /// Size a message of these parts counts for.
    pub(super) fn size_of(&self, subject: &Bytes, headers: Option<&Bytes>, payload: &Bytes) -> u64 {
        self.store
            .size_rule()
            .size(subject.len(), headers.map_or(0, Bytes::len), payload.len())
    }

    /// After storing on `subject`: drops the oldest messages past the per-subject, message
    /// and byte limits (discard old; per-subject applies under either policy).
    pub(super) fn enforce_limits_after(&mut self, subject: &Bytes) -> Result<(), ApiError> {
        let per_subject = self.config.max_msgs_per_subject;
        if per_subject > 0 {
            let seqs = self.store.subject_seqs(subject);
            let excess = seqs.len().saturating_sub(per_subject as usize);
            for seq in seqs.into_iter().take(excess) {
                self.store.remove(seq).map_err(store_err)?;
            }
        }
        self.enforce_totals()
    }

    /// Applies every limit (after a config update).
    pub(super) fn enforce_all_limits(&mut self) -> Result<(), ApiError> {
        let per_subject = self.config.max_msgs_per_subject;
        if per_subject > 0 {
            for (subject, count) in self.store.subjects_state(b">") {
                if count > per_subject as u64 {
                    self.enforce_limits_after(&subject)?;
                }
            }
        }
        self.enforce_totals()
    }

    fn enforce_totals(&mut self) -> Result<(), ApiError> {
        if self.config.discard == DiscardPolicy::New {
            return Ok(());
        }
        loop {
            let st = self.store.state();
            let over_msgs = self.config.max_msgs > 0 && st.messages > self.config.max_msgs as u64;
            let over_bytes = self.config.max_bytes > 0 && st.bytes > self.config.max_bytes as u64;
            if !over_msgs && !over_bytes {
                return Ok(());
            }
            match self.store.next_matching(0, None).map_err(store_err)? {
                Some(first) => {
                    self.store.remove(first.seq).map_err(store_err)?;
                }
                None => return Ok(()),
            }
        }
    }
}
