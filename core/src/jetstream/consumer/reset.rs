//! `$JS.API.CONSUMER.RESET` (ADR-60; nats-server `resetStartingSeq`,
//! `resetLocalStartingSeq`): moves a consumer to a new starting stream sequence.
//!
//! Sequence 0 means "back to the ack floor": everything pending is forgotten and delivery
//! restarts just above the floor. Any other sequence is allowed for deliver policy `all`,
//! for `by_start_sequence` and `by_start_time` only at or above the configured start, and
//! refused for the other policies. After a reset nothing is pending or redelivered, the
//! consumer sequence starts over at 1, and delivered and ack floor both sit just below the
//! new start. Waiting pull requests stay and are served from the new position.

use alloc::vec::Vec;

use super::start::seq_for_time;
use super::state::ConsumerState;
use super::{Consumer, Effect};
use crate::jetstream::api::DeliverPolicy;
use crate::jetstream::store::{MsgStore, UnixNanos};

/// Why a reset is refused (`10204 invalid reset: <this>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResetError {
    /// Below `opt_start_seq` of a `by_start_sequence` consumer.
    #[error("below start seq")]
    BelowStartSeq,
    /// Below the first message at `opt_start_time` of a `by_start_time` consumer.
    #[error("below start time")]
    BelowStartTime,
    /// A sequence for a deliver policy that has no fixed start (`last`, `new`, ...).
    #[error("not allowed")]
    NotAllowed,
}

impl Consumer {
    /// Resets the consumer to stream sequence `seq` (0: just above the ack floor) and
    /// returns the sequence it now starts at, with the effects (deliveries to waiting
    /// requests, [`Effect::StateChanged`]).
    pub fn reset(
        &mut self,
        now: UnixNanos,
        seq: u64,
        store: &impl MsgStore,
    ) -> Result<(u64, Vec<Effect>), ResetError> {
        let seq = self.reset_target(seq, store)?.max(1);
        self.state = ConsumerState::starting_at(seq);
        self.cursor = seq;
        self.next_dseq = 1;
        self.skip = None;
        self.npc = None;
        self.rdq.clear();
        self.rdq_set.clear();
        self.deadlines.clear();
        self.timers.clear();
        self.last_delivered_at = None;
        self.last_acked_at = None;
        self.dirty = true;
        let mut out = Vec::new();
        self.deliver(now, store, &mut out);
        self.finish(&mut out);
        Ok((seq, out))
    }

    /// Where a reset to `seq` lands, if the deliver policy allows it.
    fn reset_target(&self, seq: u64, store: &impl MsgStore) -> Result<u64, ResetError> {
        if seq == 0 {
            return Ok(self.state.ack_floor.stream_seq + 1);
        }
        match self.config.deliver_policy {
            DeliverPolicy::All => Ok(seq),
            DeliverPolicy::ByStartSequence if seq < self.config.opt_start_seq => {
                Err(ResetError::BelowStartSeq)
            }
            DeliverPolicy::ByStartSequence => Ok(seq),
            DeliverPolicy::ByStartTime => {
                let state = store.state();
                let start = match self.config.opt_start_time {
                    Some(t) => seq_for_time(store, state.first_seq, state.last_seq, t.unix_nanos())
                        .unwrap_or(state.first_seq),
                    None => state.last_seq + 1,
                };
                if seq < start {
                    Err(ResetError::BelowStartTime)
                } else {
                    Ok(seq)
                }
            }
            _ => Err(ResetError::NotAllowed),
        }
    }
}
