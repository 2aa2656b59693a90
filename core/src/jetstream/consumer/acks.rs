//! Acks arriving on `$JS.ACK.<stream>.<consumer>.>` (nats-server `processAck`,
//! `processAckMsg`, `processNak`, `progressUpdate`, `processTerm`).
//!
//! - `+ACK`: explicit acks one message, `all` every message up to it; ack policy `none`
//!   consumers have no ack subject at all, so their acks are ignored.
//! - `-NAK`: redeliver now (queue) or, with a delay, `delay` from now (nats-server sets the
//!   ack timestamp to `now - ack_wait + delay`).
//! - `+WPI`: restart the ack timer (and, unlike nats-server, take the message off the
//!   redelivery queue if its timer had already run out).
//! - `+TERM`: like an ack (so `all` acks everything below too), plus an advisory.
//! - `+NXT`: ack, then a pull request (body: batch or JSON) answered on the ack's reply.
//!
//! An ack sent as a request (AckSync) is answered with an empty message, except `+NXT` and
//! acks of sequences not delivered yet, as nats-server.

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use super::ack_subject::{nak_delay, parse_ack_subject, AckKind};
use super::{Consumer, Effect};
use crate::jetstream::api::AckPolicy;
use crate::jetstream::store::{MsgStore, UnixNanos};

impl Consumer {
    /// An ack: `ack_subject` is the subject it was published to, `payload` its body (without
    /// headers), `ack_reply` its reply subject if it was sent as a request.
    pub fn ack(
        &mut self,
        now: UnixNanos,
        ack_subject: &[u8],
        payload: &[u8],
        ack_reply: Option<Bytes>,
        store: &impl MsgStore,
    ) -> Vec<Effect> {
        let mut out = Vec::new();
        if matches!(
            self.config.ack_policy,
            AckPolicy::None | AckPolicy::FlowControl
        ) {
            return out;
        }
        let Some(subject) = parse_ack_subject(ack_subject) else {
            return out;
        };
        let t = subject.tokens;
        if subject.stream != self.stream.as_bytes()
            || subject.consumer != self.name.as_bytes()
            || t.stream_seq == 0
        {
            return out;
        }
        self.note_ack_activity(now);
        let answer = match AckKind::parse(payload) {
            AckKind::Ack => self.process_ack(now, t.stream_seq, t.consumer_seq, &mut out),
            AckKind::Next(body) => {
                self.process_ack(now, t.stream_seq, t.consumer_seq, &mut out);
                if let Some(reply) = &ack_reply {
                    self.admit_pull_body(now, reply, body, store, &mut out);
                }
                false
            }
            AckKind::Nak(arg) => {
                self.process_nak(now, t.stream_seq, t.consumer_seq, arg);
                true
            }
            AckKind::Progress => {
                self.process_progress(now, t.stream_seq);
                true
            }
            AckKind::Term(reason) => {
                let deliveries = self.deliveries(t.stream_seq);
                let in_range = self.process_ack(now, t.stream_seq, t.consumer_seq, &mut out);
                if in_range {
                    let reason = String::from(String::from_utf8_lossy(reason.trim_ascii()));
                    out.push(Effect::Terminated {
                        stream_seq: t.stream_seq,
                        deliveries,
                        reason,
                    });
                }
                in_range
            }
            AckKind::Other => true,
        };
        if let (true, Some(to)) = (answer, ack_reply) {
            out.push(Effect::AckDone { to });
        }
        self.deliver(now, store, &mut out);
        self.finish(&mut out);
        out
    }

    /// Any ack keeps an inactive consumer alive (nats-server `suppressDeletion`).
    fn note_ack_activity(&mut self, now: UnixNanos) {
        self.last_activity = now;
        if let Some(since) = &mut self.inactive_since {
            *since = (*since).max(now);
        }
    }

    /// Acks `seq` (and, for ack policy `all`, everything below). Returns `false` when `seq`
    /// has not been delivered yet (ignored, no AckSync answer).
    fn process_ack(&mut self, now: UnixNanos, seq: u64, dseq: u64, out: &mut Vec<Effect>) -> bool {
        if seq >= self.cursor {
            return false;
        }
        match self.config.ack_policy {
            AckPolicy::Explicit => self.ack_one(now, seq, out),
            AckPolicy::All => self.ack_all(now, seq, dseq, out),
            AckPolicy::None | AckPolicy::FlowControl => {}
        }
        true
    }

    fn ack_one(&mut self, now: UnixNanos, seq: u64, out: &mut Vec<Effect>) {
        let pending = self.remove_pending(seq);
        let was_pending = pending.is_some();
        let redeliveries = self.state.redelivered.remove(&seq);
        let was_redelivered = redeliveries.is_some();
        if let Some(p) = &pending {
            self.state.raise_floor(seq);
            self.sample_ack(now, seq, p, redeliveries.unwrap_or(0) + 1, out);
        }
        if was_pending || was_redelivered {
            self.last_acked_at = Some(now);
            self.dirty = true;
            out.push(Effect::Acked { stream_seq: seq });
        }
    }

    /// Ack policy `all`: the floor becomes `(dseq, seq)` (the first delivery's consumer
    /// sequence when `seq` is pending), or `delivered` once nothing is pending, and
    /// everything at or below it is done.
    fn ack_all(&mut self, now: UnixNanos, seq: u64, dseq: u64, out: &mut Vec<Effect>) {
        let floor = self.state.ack_floor;
        if dseq <= floor.consumer_seq || seq <= floor.stream_seq {
            return;
        }
        let dseq = self
            .state
            .pending
            .get(&seq)
            .map_or(dseq, |p| p.consumer_seq);
        let above = self.state.pending.split_off(&(seq + 1));
        let acked = core::mem::replace(&mut self.state.pending, above);
        let above = self.state.redelivered.split_off(&(seq + 1));
        let gave_up = core::mem::replace(&mut self.state.redelivered, above);
        if let Some(p) = acked.get(&seq).cloned() {
            let deliveries = gave_up.get(&seq).copied().unwrap_or(0) + 1;
            self.sample_ack(now, seq, &p, deliveries, out);
        }
        let mut seqs: Vec<u64> = acked.keys().chain(gave_up.keys()).copied().collect();
        for s in acked.keys() {
            self.unschedule(*s);
            self.rdq_remove(*s);
        }
        seqs.push(seq);
        seqs.sort_unstable();
        seqs.dedup();
        out.extend(
            seqs.into_iter()
                .map(|stream_seq| Effect::Acked { stream_seq }),
        );
        self.state.ack_floor.consumer_seq = floor.consumer_seq.max(dseq);
        self.state.ack_floor.stream_seq = seq;
        if self.state.pending.is_empty() {
            // Everything delivered is acked or given up (nats-server's `checkPending` snaps
            // the floor to the delivered sequences the same way).
            self.state.raise_floor(seq);
        }
        self.last_acked_at = Some(now);
        self.dirty = true;
    }

    fn process_nak(&mut self, now: UnixNanos, seq: u64, dseq: u64, arg: &[u8]) {
        if dseq <= self.state.ack_floor.consumer_seq
            || dseq > self.next_dseq
            || !self.state.pending.contains_key(&seq)
        {
            return;
        }
        match nak_delay(arg) {
            Some(delay) => {
                self.rdq_remove(seq);
                if let Some(p) = self.state.pending.get_mut(&seq) {
                    p.timestamp = now
                        .saturating_sub(self.config.ack_wait)
                        .saturating_add(delay);
                }
                self.schedule(seq);
                self.dirty = true;
            }
            None => self.rdq_push(seq),
        }
    }

    fn process_progress(&mut self, now: UnixNanos, seq: u64) {
        if let Some(p) = self.state.pending.get_mut(&seq) {
            p.timestamp = now;
            self.rdq_remove(seq);
            self.schedule(seq);
            self.dirty = true;
        }
    }
}
