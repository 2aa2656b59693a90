//! Consumer info, the `num_pending` count, and messages leaving the stream.
//!
//! `num_pending` (matching messages not yet delivered) is kept as a running count like
//! nats-server's `npc`: counted once from the store, then grown by the messages appended
//! since (`npc_seen`) and shrunk by each first delivery, so a delivery never recounts the
//! stream. A removal at or past the cursor, or a purge, makes it count again.

use alloc::vec::Vec;

use super::Consumer;
use crate::jetstream::api::{AckPolicy, ConsumerInfo, SequenceInfo, Timestamp};
use crate::jetstream::store::{MsgStore, UnixNanos};

/// Below this many new sequences the count walks them instead of asking the store's index.
const WALK_NEW_SEQS_MAX: u64 = 64;

impl Consumer {
    /// Consumer info as of `now` (`$JS.API.CONSUMER.INFO` and create responses). The caller
    /// fills `cluster` when it has one.
    pub fn info(&self, now: UnixNanos, store: &impl MsgStore) -> ConsumerInfo {
        let state = &self.state;
        let pause = self
            .config
            .pause_until
            .map(|t| t.unix_nanos())
            .filter(|t| now < *t);
        ConsumerInfo {
            stream_name: self.stream.clone(),
            name: self.name.clone(),
            created: Timestamp(self.created),
            config: self.config.clone(),
            delivered: SequenceInfo {
                consumer_seq: state.delivered.consumer_seq,
                stream_seq: state.delivered.stream_seq,
                last_active: self.last_delivered_at.map(Timestamp),
            },
            ack_floor: SequenceInfo {
                consumer_seq: state.ack_floor.consumer_seq,
                stream_seq: state.ack_floor.stream_seq,
                last_active: self.last_acked_at.map(Timestamp),
            },
            num_ack_pending: state.pending.len() as u64,
            // nats-server hides the bookkeeping of `max_deliver: 1` (nothing is redelivered).
            num_redelivered: if self.config.max_deliver == 1 {
                0
            } else {
                state.redelivered.len() as u64
            },
            num_waiting: self
                .waiting
                .iter()
                .filter(|w| w.expires_at.is_none_or(|at| now < at))
                .count() as u64,
            num_pending: self.num_pending(store),
            push_bound: self.is_push() && self.push_active,
            paused: pause.is_some(),
            pause_remaining: pause.map_or(0, |t| t - now),
            ts: Timestamp(now),
            priority_groups: self.priority_groups_info(),
            ..ConsumerInfo::default()
        }
    }

    /// Matching messages not yet delivered (redeliveries not included).
    pub fn num_pending(&self, store: &impl MsgStore) -> u64 {
        let last = store.state().last_seq;
        match self.npc {
            Some(n) if last >= self.npc_seen => n + self.count_new(store, last),
            _ => self.count_all(store),
        }
    }

    /// The stream dropped `stream_seq` (limits, delete, rollup): forget its pending ack and
    /// redelivery. Returns whether the state changed (persist it; delivery may resume, so
    /// call [`Consumer::stream_appended`]).
    pub fn message_removed(&mut self, stream_seq: u64) -> bool {
        if stream_seq <= self.npc_seen && stream_seq >= self.cursor {
            self.npc = None;
        }
        if let Some(skip) = &mut self.skip {
            skip.seqs.retain(|s| *s != stream_seq);
        }
        self.forget(stream_seq)
    }

    /// The stream was purged: forget every pending ack, redelivery and skip-list entry whose
    /// message is gone, and move past the purged front (nats-server `consumer.purge`).
    /// Returns whether the state changed (see [`Consumer::message_removed`]).
    pub fn stream_purged(&mut self, store: &impl MsgStore) -> bool {
        let first = store.state().first_seq;
        let gone = |seq: &u64| *seq < first || !matches!(store.get(*seq), Ok(Some(_)));
        let mut changed = false;
        self.npc = None;
        if self.cursor < first {
            self.cursor = first;
            if self.state.delivered.stream_seq < first - 1 {
                self.state.delivered.stream_seq = first - 1;
                changed = true;
            }
        }
        if let Some(skip) = &mut self.skip {
            skip.seqs.retain(|s| !gone(s));
        }
        let stale: Vec<u64> = self
            .state
            .pending
            .keys()
            .chain(self.state.redelivered.keys())
            .copied()
            .filter(gone)
            .collect();
        for seq in stale {
            changed |= self.forget(seq);
        }
        if self.state.pending.is_empty() {
            let floor = self.state.ack_floor;
            self.state.raise_floor(0);
            changed |= floor != self.state.ack_floor;
        }
        self.dirty |= changed;
        changed
    }

    /// Where new messages are counted from: past the skip list's resume point while it runs.
    pub(super) fn scan_start(&self) -> u64 {
        self.skip.as_ref().map_or(self.cursor, |s| s.resume + 1)
    }

    /// Brings the running `num_pending` count up to the store's last sequence.
    pub(super) fn refresh_num_pending(&mut self, store: &impl MsgStore) {
        let last = store.state().last_seq;
        let n = self.num_pending(store);
        self.npc = Some(n);
        self.npc_seen = last;
    }

    /// One matching message was delivered for the first time.
    pub(super) fn count_delivered(&mut self, seq: u64) {
        if seq <= self.npc_seen {
            self.npc = self.npc.map(|n| n.saturating_sub(1));
        }
    }

    /// Counts from scratch: the skip list plus matching messages from the scan start.
    fn count_all(&self, store: &impl MsgStore) -> u64 {
        let skipped = self.skip.as_ref().map_or(0, |s| s.seqs.len() as u64);
        skipped + self.count_from(store, self.scan_start())
    }

    /// Matching messages appended after `npc_seen`, up to `last`.
    fn count_new(&self, store: &impl MsgStore, last: u64) -> u64 {
        let from = (self.npc_seen + 1).max(self.scan_start());
        if from > last {
            return 0;
        }
        if last - from < WALK_NEW_SEQS_MAX {
            let matching =
                |seq: u64| matches!(store.get(seq), Ok(Some(m)) if self.matches(&m.subject));
            return (from..=last).filter(|seq| matching(*seq)).count() as u64;
        }
        self.count_from(store, from)
    }

    /// Matching messages at or after `start` (filters never overlap, so counts add up).
    fn count_from(&self, store: &impl MsgStore, start: u64) -> u64 {
        if self.filters.is_empty() {
            return store.num_pending(start, None);
        }
        self.filters
            .iter()
            .map(|f| store.num_pending(start, Some(f)))
            .sum()
    }
}

impl Consumer {
    /// Whether this consumer still needs stream message `stream_seq` on `subject` (nats-server
    /// `needAck`): it matches the filters and is above the ack floor and either not
    /// delivered yet or (explicit acks) pending, or it is kept for `max_deliver`. Interest
    /// and workqueue streams remove a message once no consumer needs it.
    pub fn needs(&self, stream_seq: u64, subject: &[u8]) -> bool {
        if !self.matches(subject) {
            return false;
        }
        let state = &self.state;
        let above_floor = stream_seq > state.ack_floor.stream_seq;
        let needed = match self.config.ack_policy {
            AckPolicy::Explicit => {
                above_floor
                    && (stream_seq >= self.cursor || state.pending.contains_key(&stream_seq))
            }
            AckPolicy::None | AckPolicy::All | AckPolicy::FlowControl => above_floor,
        };
        needed || state.redelivered.contains_key(&stream_seq)
    }
}
