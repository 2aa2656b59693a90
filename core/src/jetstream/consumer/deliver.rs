//! The delivery loop (nats-server `loopAndGatherMsgs`, `getNextMsg`, `deliverMsg`).
//!
//! While someone can take a message (a waiting pull request, or push interest without a
//! flow-control stall) and the consumer is not paused: take the next candidate, in order
//! (1) the redelivery queue, skipping what `max_deliver` gives up on and what left the
//! stream; (2) nothing new while `max_ack_pending` messages await acks; (3) the
//! `last_per_subject` skip list; (4) the next stream message matching the filters. Replay
//! `original` holds a candidate until the gap to the previous message's stored time has
//! passed. A candidate is committed only once it has a destination, so nothing is undone.

use alloc::vec::Vec;
use bytes::Bytes;

use super::ack_subject::{ack_subject, AckTokens};
use super::effect::{hdr, pending_headers, status, to_headers_only, with_header};
use super::{Consumer, Effect, DELIVERIES_PER_CALL_MAX};
use crate::jetstream::api::PriorityPolicy;
use crate::jetstream::store::{MsgStore, StoreError, StoredMsg, UnixNanos};
use crate::subject;

/// Smallest gap between stored times that replay `original` waits for (nats-server: 1 ms).
const REPLAY_GAP_MIN_NANOS: i64 = 1_000_000;

/// Pacing of replay policy `original`, until the consumer has caught up with the stream's
/// last sequence at start.
#[derive(Debug, Clone)]
pub(super) struct Replay {
    until: u64,
    /// Stored time of the last message delivered, and when it was delivered.
    last: Option<(UnixNanos, UnixNanos)>,
}

impl Replay {
    pub(super) fn until(last_seq: u64) -> Replay {
        Replay {
            until: last_seq,
            last: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Redelivery,
    Skip,
    Stream,
}

struct Candidate {
    msg: StoredMsg,
    /// Deliveries including this one.
    delivery_count: u64,
    source: Source,
}

enum Next {
    Msg(Candidate),
    /// Nothing new until acks come in (`max_ack_pending`).
    Stalled,
    /// Nothing (more) to deliver.
    End,
}

impl Consumer {
    /// The stream stored new messages (or anything else changed): deliver what can be.
    pub fn stream_appended(&mut self, now: UnixNanos, store: &impl MsgStore) -> Vec<Effect> {
        let mut out = Vec::new();
        self.deliver(now, store, &mut out);
        self.finish(&mut out);
        out
    }

    /// Delivers while someone can take a message, then (pull) settles the waiting requests.
    pub(super) fn deliver(&mut self, now: UnixNanos, store: &impl MsgStore, out: &mut Vec<Effect>) {
        self.refresh_num_pending(store);
        let mut eos = true;
        let pause = self
            .config
            .pause_until
            .map(|t| t.unix_nanos())
            .filter(|t| now < *t);
        self.paused_until = pause;
        self.resume_at = None;
        if pause.is_none() {
            let mut sent = 0;
            while self.can_send() {
                if sent == DELIVERIES_PER_CALL_MAX {
                    self.resume_at = Some(now);
                    eos = false;
                    break;
                }
                let candidate = match self.next_candidate(store, out) {
                    Next::Msg(c) => c,
                    Next::Stalled => {
                        eos = false;
                        break;
                    }
                    Next::End => break,
                };
                if let Some(ready) = self.replay_ready_at(&candidate).filter(|at| now < *at) {
                    self.replay_wait = Some(ready);
                    eos = false;
                    break;
                }
                if !self.send(now, candidate, out) {
                    break;
                }
                sent += 1;
            }
            if self
                .replay
                .as_ref()
                .is_some_and(|r| self.skip.is_none() && self.cursor > r.until)
            {
                self.replay = None;
            }
        }
        if !self.is_push() {
            self.process_waiting(now, eos, out);
        }
    }

    fn can_send(&self) -> bool {
        if self.is_push() {
            self.push_active && !self.fc.blocked()
        } else {
            !self.waiting.is_empty()
        }
    }

    fn next_candidate(&mut self, store: &impl MsgStore, out: &mut Vec<Effect>) -> Next {
        while let Some(&seq) = self.rdq.front() {
            if self.exhausted(seq) {
                self.give_up(seq, out);
                continue;
            }
            match store.get(seq) {
                Ok(Some(msg)) => {
                    let delivery_count = self.deliveries(seq) + 1;
                    return Next::Msg(Candidate {
                        msg,
                        delivery_count,
                        source: Source::Redelivery,
                    });
                }
                Ok(None) => {
                    self.forget(seq);
                }
                Err(_) => return Next::End,
            }
        }
        if self.ack_pending_full() {
            return Next::Stalled;
        }
        if let Some(skip) = &mut self.skip {
            while let Some(&seq) = skip.seqs.front() {
                match store.get(seq) {
                    Ok(Some(msg)) => {
                        return Next::Msg(Candidate {
                            msg,
                            delivery_count: 1,
                            source: Source::Skip,
                        })
                    }
                    Ok(None) => {
                        skip.seqs.pop_front();
                        self.npc = None;
                    }
                    Err(_) => return Next::End,
                }
            }
            self.cursor = self.cursor.max(skip.resume + 1);
            self.skip = None;
        }
        match self.next_matching(store, self.cursor) {
            Ok(Some(msg)) => Next::Msg(Candidate {
                msg,
                delivery_count: 1,
                source: Source::Stream,
            }),
            Ok(None) => {
                // Nothing matches up to the end: look from past it next time (nats-server
                // moves `o.sseq` the same way on EOF).
                self.cursor = self.cursor.max(store.state().last_seq + 1);
                Next::End
            }
            Err(_) => Next::End,
        }
    }

    /// The first message at or after `start` matching the filters.
    pub(super) fn next_matching(
        &self,
        store: &impl MsgStore,
        start: u64,
    ) -> Result<Option<StoredMsg>, StoreError> {
        match self.filters.as_slice() {
            [] => store.next_matching(start, None),
            [one] => store.next_matching(start, Some(one)),
            many => {
                let mut best: Option<StoredMsg> = None;
                for filter in many {
                    let end = best.as_ref().map_or(u64::MAX, |b| b.seq);
                    if let Some(msg) = store
                        .next_matching(start, Some(filter))?
                        .filter(|m| m.seq < end)
                    {
                        best = Some(msg);
                    }
                }
                Ok(best)
            }
        }
    }

    /// Whether `subject` passes the filters.
    pub(super) fn matches(&self, subject: &[u8]) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| subject::matches(f, subject))
    }

    fn replay_ready_at(&self, candidate: &Candidate) -> Option<UnixNanos> {
        let (last_time, sent_at) = self.replay.as_ref()?.last?;
        let gap = candidate.msg.time.saturating_sub(last_time);
        (gap > REPLAY_GAP_MIN_NANOS).then(|| sent_at.saturating_add(gap))
    }

    /// Sends `candidate` if it has a destination; returns whether it did.
    fn send(&mut self, now: UnixNanos, candidate: Candidate, out: &mut Vec<Effect>) -> bool {
        let Candidate {
            msg,
            delivery_count,
            source,
        } = candidate;
        let (seq, time) = (msg.seq, msg.time);
        let dseq = self.next_dseq;
        let npc = self.npc.unwrap_or(0);
        let pending = if source == Source::Redelivery {
            npc
        } else {
            npc.saturating_sub(1)
        };
        let tokens = AckTokens {
            delivered: delivery_count,
            stream_seq: seq,
            consumer_seq: dseq,
            timestamp: time,
            pending,
        };
        let ack_reply = ack_subject(&self.stream, &self.name, &tokens);
        let headers_only = self.config.headers_only;
        let msg = if headers_only {
            to_headers_only(msg)
        } else {
            msg
        };
        let size = (msg.subject.len()
            + ack_reply.len()
            + msg.headers.as_ref().map_or(0, Bytes::len)
            + msg.payload.len()) as i64;
        let (to, target) = if self.is_push() {
            (self.deliver_subject.clone(), None)
        } else {
            // nats-server compares `min_pending` with its count taken before a first
            // delivery and after a redelivery (which it never subtracted): one more there.
            let overflow_pending = if source == Source::Redelivery {
                npc + 1
            } else {
                npc
            };
            match self.next_waiting(now, size, overflow_pending, out) {
                Some(t) => (t.reply.clone(), Some(t)),
                None => return false,
            }
        };
        let msg = if self.config.priority_policy == PriorityPolicy::PinnedClient {
            with_header(msg, hdr::PIN_ID, self.pin_id().unwrap_or_default())
        } else {
            msg
        };
        self.commit(now, seq, time, dseq, source, out);
        out.push(Effect::Deliver {
            to,
            msg,
            ack_reply,
            headers_only,
        });
        if let Some(t) = target.filter(|t| t.batch_left <= 0 && t.bytes_left > 0) {
            out.push(status(
                &t.reply,
                409,
                "Batch Completed",
                pending_headers(t.batch_left, t.bytes_left),
            ));
        }
        if self.is_push() {
            self.after_push_delivery(now, size, out);
        }
        true
    }

    /// Records the delivery of `seq` as consumer sequence `dseq`.
    fn commit(
        &mut self,
        now: UnixNanos,
        seq: u64,
        time: UnixNanos,
        dseq: u64,
        source: Source,
        out: &mut Vec<Effect>,
    ) {
        match source {
            Source::Redelivery => {
                self.rdq_remove(seq);
                *self.state.redelivered.entry(seq).or_insert(0) += 1;
            }
            Source::Skip => {
                if let Some(skip) = &mut self.skip {
                    skip.seqs.pop_front();
                    self.cursor = self.cursor.max(seq + 1);
                    if skip.seqs.is_empty() {
                        self.cursor = self.cursor.max(skip.resume + 1);
                        self.skip = None;
                    }
                }
                self.count_delivered(seq);
            }
            Source::Stream => {
                self.cursor = seq + 1;
                self.count_delivered(seq);
            }
        }
        self.next_dseq = dseq + 1;
        let delivered = &mut self.state.delivered;
        delivered.consumer_seq = delivered.consumer_seq.max(dseq);
        delivered.stream_seq = delivered.stream_seq.max(seq);
        self.last_delivered_at = Some(now);
        if !self.is_push() {
            self.last_activity = now;
        }
        if self.tracks_acks() {
            self.track_delivery(now, seq, dseq);
        } else {
            self.state.ack_floor = self.state.delivered;
            out.push(Effect::Acked { stream_seq: seq });
        }
        if let Some(replay) = &mut self.replay {
            replay.last = Some((time, now));
        }
        self.replay_wait = None;
        self.dirty = true;
    }
}
