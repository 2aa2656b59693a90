//! Pending acks and redelivery (nats-server `trackPending`, `checkPending`,
//! `hasMaxDeliveries`, the `rdq` redelivery queue).
//!
//! Every pending message not queued for redelivery has an ack deadline:
//! `timestamp + wait`, where `wait` is `backoff[min(redeliveries, len - 1)]` with a backoff,
//! else `ack_wait` (no deadline when both are unset). At the deadline it joins the
//! redelivery queue, or, once delivered `max_deliver` times, is given up on: dropped from
//! pending (the ack floor moves past it), kept in `redelivered`, advisory sent.

use alloc::vec::Vec;

use super::state::PendingAck;
use super::{Consumer, Effect};
use crate::jetstream::store::UnixNanos;

impl Consumer {
    /// How often `seq` has been delivered so far.
    pub(super) fn deliveries(&self, seq: u64) -> u64 {
        self.state.redelivered.get(&seq).copied().unwrap_or(0) + 1
    }

    /// Whether `seq` has had all the deliveries `max_deliver` allows.
    pub(super) fn exhausted(&self, seq: u64) -> bool {
        let max = self.config.max_deliver;
        max > 0 && self.deliveries(seq) >= max as u64
    }

    /// How long `seq` may wait for its ack after its (re)delivery, if at all.
    fn ack_wait_for(&self, seq: u64) -> Option<i64> {
        let backoff = &self.config.backoff;
        if let Some(last) = backoff.len().checked_sub(1) {
            let redeliveries = self.state.redelivered.get(&seq).copied().unwrap_or(0);
            return Some(backoff[(redeliveries as usize).min(last)]);
        }
        (self.config.ack_wait > 0).then_some(self.config.ack_wait)
    }

    /// Whether new deliveries must wait for acks (`max_ack_pending` reached).
    pub(super) fn ack_pending_full(&self) -> bool {
        let max = self.config.max_ack_pending;
        self.tracks_acks() && max > 0 && self.state.pending.len() as u64 >= max as u64
    }

    /// Records a (re)delivery of `seq` as consumer sequence `dseq` at `now`: a new pending
    /// entry, or a fresh timestamp for a redelivery (the first consumer sequence is kept).
    pub(super) fn track_delivery(&mut self, now: UnixNanos, seq: u64, dseq: u64) {
        let entry = self.state.pending.entry(seq).or_insert(PendingAck {
            consumer_seq: dseq,
            timestamp: now,
        });
        entry.timestamp = now;
        self.schedule(seq);
    }

    /// (Re)arms the ack deadline of pending `seq` from its timestamp.
    pub(super) fn schedule(&mut self, seq: u64) {
        self.unschedule(seq);
        let Some(timestamp) = self.state.pending.get(&seq).map(|p| p.timestamp) else {
            return;
        };
        if self.rdq_set.contains(&seq) {
            return;
        }
        if let Some(wait) = self.ack_wait_for(seq) {
            let at = timestamp.saturating_add(wait);
            self.deadlines.insert(seq, at);
            self.timers.insert((at, seq));
        }
    }

    pub(super) fn unschedule(&mut self, seq: u64) {
        if let Some(at) = self.deadlines.remove(&seq) {
            self.timers.remove(&(at, seq));
        }
    }

    /// Rebuilds every ack deadline (after a restore or a config change).
    pub(super) fn reschedule_all(&mut self) {
        self.deadlines.clear();
        self.timers.clear();
        let seqs: Vec<u64> = self.state.pending.keys().copied().collect();
        for seq in seqs {
            self.schedule(seq);
        }
    }

    /// Queues pending `seq` for redelivery (at the back) and stops its timer.
    pub(super) fn rdq_push(&mut self, seq: u64) {
        if self.rdq_set.insert(seq) {
            self.unschedule(seq);
            self.rdq.push_back(seq);
        }
    }

    pub(super) fn rdq_remove(&mut self, seq: u64) {
        if self.rdq_set.remove(&seq) {
            if self.rdq.front() == Some(&seq) {
                self.rdq.pop_front();
            } else {
                self.rdq.retain(|s| *s != seq);
            }
        }
    }

    /// Forgets pending `seq` entirely (queue and timer included); returns its entry.
    pub(super) fn remove_pending(&mut self, seq: u64) -> Option<PendingAck> {
        self.unschedule(seq);
        self.rdq_remove(seq);
        self.state.pending.remove(&seq)
    }

    /// Moves every pending message whose deadline is `now` or earlier to the redelivery
    /// queue (by stream sequence), or gives up on it at `max_deliver`.
    pub(super) fn expire_acks(&mut self, now: UnixNanos, out: &mut Vec<Effect>) {
        let mut expired = Vec::new();
        while let Some(&(at, seq)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            self.deadlines.remove(&seq);
            expired.push(seq);
        }
        expired.sort_unstable();
        for seq in expired {
            if self.exhausted(seq) {
                self.give_up(seq, out);
            } else {
                self.rdq_push(seq);
            }
        }
    }

    /// `seq` reached `max_deliver`: drop it from pending, keep it in `redelivered` with the
    /// value `max_deliver`, move the ack floor, and say so.
    pub(super) fn give_up(&mut self, seq: u64, out: &mut Vec<Effect>) {
        let deliveries = self.deliveries(seq);
        if self.remove_pending(seq).is_none() {
            return;
        }
        let entry = self.state.redelivered.entry(seq).or_insert(0);
        *entry = (*entry).max(deliveries);
        self.state.raise_floor(seq);
        self.dirty = true;
        out.push(Effect::MaxDeliveriesReached {
            stream_seq: seq,
            deliveries,
        });
    }

    /// `seq` left the stream: forget it as nats-server's `+TERM` on removal does (the ack
    /// floor moves past it). Returns whether the state changed.
    pub(super) fn forget(&mut self, seq: u64) -> bool {
        let was_pending = self.remove_pending(seq).is_some();
        let was_redelivered = self.state.redelivered.remove(&seq).is_some();
        if was_pending {
            self.state.raise_floor(seq);
        }
        self.dirty |= was_pending || was_redelivered;
        was_pending || was_redelivered
    }
}
