//! A JetStream consumer as a deterministic state machine over a stream's [`MsgStore`].
//!
//! The runtime owns one [`Consumer`] per consumer and feeds it, always with the wall-clock
//! time it read (`now`, Unix ns; the core has no clock):
//!
//! - [`Consumer::pull`] / [`Consumer::pull_body`]: a `$JS.API.CONSUMER.MSG.NEXT` request;
//! - [`Consumer::ack`]: a message on the consumer's `$JS.ACK.<stream>.<consumer>.>` subject;
//! - [`Consumer::stream_appended`]: the stream stored message(s) (also: "try delivering");
//! - [`Consumer::message_removed`] / [`Consumer::stream_purged`]: the stream dropped some;
//! - [`Consumer::set_push_active`], [`Consumer::flow_control_reply`]: push consumers;
//! - [`Consumer::handle_timeout`] once [`Consumer::poll_timeout`] has passed.
//!
//! Each returns the [`Effect`]s to carry out, in order: messages and status replies to
//! publish, acks for interest/workqueue retention, advisories, and
//! [`Effect::StateChanged`] (persist [`Consumer::state`], which [`Consumer::new`] takes back
//! after a restart).
//!
//! Semantics follow nats-server's `server/consumer.go` (see each file): redeliveries go
//! before new messages, oldest first; `max_ack_pending` stalls new deliveries; waiting pull
//! requests are served round-robin in arrival order and every message goes to exactly one of
//! them; the ack floor only moves up.
//!
//! Bounds: waiting requests ≤ `max_waiting`; pending acks ≤ `max_ack_pending` (the
//! redelivery queue and the ack timers are subsets of them); the `last_per_subject` skip list
//! ≤ the stream's subjects; exhausted `max_deliver` entries ≤ the stream's messages.

mod ack_subject;
mod acks;
mod deliver;
mod effect;
mod info;
mod priority;
mod pull;
mod push;
mod redeliver;
mod reset;
mod sample;
mod start;
mod state;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_acks;
#[cfg(test)]
mod tests_priority;
#[cfg(test)]
mod tests_priority_prop;
#[cfg(test)]
mod tests_prop;
#[cfg(test)]
mod tests_pull;
#[cfg(test)]
mod tests_push;

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;
use hashbrown::HashSet;

pub use ack_subject::{ack_subject, parse_ack_subject, AckSubject, AckTokens, ACK_PREFIX};
pub use effect::{encode_status, hdr, to_headers_only, with_header, Effect};
pub use priority::{UnpinError, PIN_ID_LEN};
pub use reset::ResetError;
pub use state::{ConsumerState, PendingAck, SequencePair};

use crate::jetstream::api::{AckPolicy, ConsumerConfig, PriorityPolicy, ReplayPolicy};
use crate::jetstream::store::{MsgStore, UnixNanos};
use deliver::Replay;
use priority::{Pin, PinIds};
use pull::WaitingRequest;
use push::FlowControl;
use start::SkipList;

/// Most bytes a push consumer with flow control has in flight (nats-server
/// `JsFlowControlMaxPending`, 32 MiB); it starts at a sixteenth and doubles per reply.
pub const FLOW_CONTROL_BYTES_MAX: i64 = 32 * 1024 * 1024;

/// Most messages one call delivers; when more could go, [`Consumer::poll_timeout`] returns
/// the current time so the runtime comes straight back (bounds every effect list).
pub const DELIVERIES_PER_CALL_MAX: usize = 1024;

/// One consumer of one stream. See the module docs.
#[derive(Debug, Clone)]
pub struct Consumer {
    stream: String,
    name: String,
    config: ConsumerConfig,
    created: UnixNanos,
    /// Subject filters (empty: every subject).
    filters: Vec<Bytes>,
    /// `config.deliver_subject` (empty for pull consumers).
    deliver_subject: Bytes,
    state: ConsumerState,
    /// Next stream sequence to look at (nats-server `o.sseq`).
    cursor: u64,
    /// Next consumer sequence to assign (nats-server `o.dseq`).
    next_dseq: u64,
    skip: Option<SkipList>,
    /// Matching messages not yet delivered, counted up to stream sequence `npc_seen`
    /// (`None`: recount from the store).
    npc: Option<u64>,
    npc_seen: u64,
    /// Stream sequences due for redelivery, in order (a subset of `state.pending`).
    rdq: VecDeque<u64>,
    rdq_set: HashSet<u64>,
    /// Ack deadline of every pending message not on the redelivery queue, both ways.
    deadlines: BTreeMap<u64, UnixNanos>,
    timers: BTreeSet<(UnixNanos, u64)>,
    waiting: VecDeque<WaitingRequest>,
    push_active: bool,
    push_heartbeat_at: Option<UnixNanos>,
    fc: FlowControl,
    replay: Option<Replay>,
    replay_wait: Option<UnixNanos>,
    paused_until: Option<UnixNanos>,
    /// Set when a call stopped at [`DELIVERIES_PER_CALL_MAX`] with more to send.
    resume_at: Option<UnixNanos>,
    last_delivered_at: Option<UnixNanos>,
    last_acked_at: Option<UnixNanos>,
    /// Last pull request, pull delivery or ack (inactivity of pull consumers).
    last_activity: UnixNanos,
    /// Since when a push consumer has had no interest.
    inactive_since: Option<UnixNanos>,
    inactive_reported: bool,
    /// The pinned client (`pinned_client` policy).
    pin: Option<Pin>,
    pin_ids: PinIds,
    dirty: bool,
}

impl Consumer {
    /// A consumer named `name` on stream `stream_name` with a normalized `config`, created at
    /// `created`. `state` is what it persisted before a restart (`None`: new, starting where
    /// the deliver policy says; persist [`Consumer::state`] once created). Push consumers
    /// start without interest: call [`Consumer::set_push_active`].
    pub fn new(
        stream_name: &str,
        name: &str,
        config: ConsumerConfig,
        created: UnixNanos,
        state: Option<ConsumerState>,
        now: UnixNanos,
        store: &impl MsgStore,
    ) -> Consumer {
        let filters: Vec<Bytes> = config
            .filters()
            .iter()
            .map(|f| Bytes::copy_from_slice(f.as_bytes()))
            .collect();
        let stream_state = store.state();
        let (state, cursor, skip, dirty) = match state {
            Some(mut state) => {
                let changed = state.reconcile(stream_state.first_seq, stream_state.last_seq);
                let cursor = state.delivered.stream_seq + 1;
                (state, cursor, None, changed)
            }
            None => {
                let (start, skip) = start::select_start(&config, &filters, store);
                (ConsumerState::starting_at(start), start, skip, false)
            }
        };
        let push = !config.is_pull();
        let heartbeat = (push && config.idle_heartbeat > 0).then(|| now + config.idle_heartbeat);
        let replay = (config.replay_policy == ReplayPolicy::Original)
            .then(|| Replay::until(stream_state.last_seq));
        let mut consumer = Consumer {
            stream: String::from(stream_name),
            name: String::from(name),
            deliver_subject: Bytes::copy_from_slice(config.deliver_subject.as_bytes()),
            fc: FlowControl::new(push && config.flow_control),
            filters,
            created,
            next_dseq: state.delivered.consumer_seq + 1,
            state,
            cursor,
            skip,
            npc: None,
            npc_seen: 0,
            rdq: VecDeque::new(),
            rdq_set: HashSet::new(),
            deadlines: BTreeMap::new(),
            timers: BTreeSet::new(),
            waiting: VecDeque::new(),
            push_active: false,
            push_heartbeat_at: heartbeat,
            replay,
            replay_wait: None,
            paused_until: None,
            resume_at: None,
            last_delivered_at: None,
            last_acked_at: None,
            last_activity: now,
            inactive_since: push.then_some(now),
            inactive_reported: false,
            pin: None,
            pin_ids: PinIds::new(pin_seed(stream_name, name, created)),
            dirty,
            config,
        };
        consumer.reschedule_all();
        consumer
    }

    /// The configuration.
    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// The durable state (persist it on [`Effect::StateChanged`]).
    pub fn state(&self) -> &ConsumerState {
        &self.state
    }

    /// When the consumer was created.
    pub fn created(&self) -> UnixNanos {
        self.created
    }

    /// The consumer's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stream's name.
    pub fn stream_name(&self) -> &str {
        &self.stream
    }

    /// Replaces the configuration with `config` (normalized, and allowed by
    /// `ConsumerConfig::update_check`): filters, `max_ack_pending`, `ack_wait`, `backoff`,
    /// `max_deliver`, request limits and the like take effect at once. A new deliver subject
    /// starts without interest (call [`Consumer::set_push_active`]) and gets every unacked
    /// message redelivered (nats-server `forceExpirePending`).
    pub fn update_config(
        &mut self,
        now: UnixNanos,
        config: ConsumerConfig,
        store: &impl MsgStore,
    ) -> Vec<Effect> {
        if self.is_push() && config.deliver_subject != self.config.deliver_subject {
            self.deliver_subject = Bytes::copy_from_slice(config.deliver_subject.as_bytes());
            self.push_active = false;
            self.inactive_since = Some(now);
            let unacked: Vec<u64> = self.state.pending.keys().copied().collect();
            for seq in unacked {
                self.rdq_push(seq);
            }
        }
        if config.filters() != self.config.filters() {
            self.filters = config
                .filters()
                .iter()
                .map(|f| Bytes::copy_from_slice(f.as_bytes()))
                .collect();
            self.skip = None;
            self.npc = None;
        }
        if config.priority_policy != PriorityPolicy::PinnedClient {
            self.pin = None;
        }
        self.config = config;
        self.reschedule_all();
        let mut out = Vec::new();
        self.deliver(now, store, &mut out);
        self.finish(&mut out);
        out
    }

    /// The next instant [`Consumer::handle_timeout`] has work: an ack deadline, a pull
    /// request's expiry or heartbeat, a push heartbeat, a replay gap, the end of a pause, or
    /// the inactivity threshold, the lapse of a pin.
    pub fn poll_timeout(&self) -> Option<UnixNanos> {
        let acks = self.timers.first().map(|(at, _)| *at);
        let requests = self
            .waiting
            .iter()
            .flat_map(|w| [w.expires_at, w.heartbeat_at])
            .flatten()
            .min();
        [
            acks,
            requests,
            self.push_heartbeat_at,
            self.replay_wait,
            self.paused_until,
            self.resume_at,
            self.inactivity_deadline(),
            self.pin_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Does what is due at `now`: expired acks go to redelivery (or are given up on at
    /// `max_deliver`), pull requests expire (`408`) or get heartbeats, push heartbeats,
    /// replay pacing, the inactivity check, and a pin lapsing after `priority_timeout`.
    pub fn handle_timeout(&mut self, now: UnixNanos, store: &impl MsgStore) -> Vec<Effect> {
        let mut out = Vec::new();
        self.expire_acks(now, &mut out);
        self.expire_pin(now, &mut out);
        if self.replay_wait.is_some_and(|at| at <= now) {
            self.replay_wait = None;
        }
        self.deliver(now, store, &mut out);
        self.push_heartbeat(now, &mut out);
        self.check_inactive(now, &mut out);
        self.finish(&mut out);
        out
    }

    /// The consumer is being deleted: every waiting pull request gets `409 Consumer Deleted`.
    pub fn delete(&mut self) -> Vec<Effect> {
        self.waiting
            .drain(..)
            .map(|w| effect::status(&w.reply, 409, "Consumer Deleted", Vec::new()))
            .collect()
    }

    fn is_push(&self) -> bool {
        !self.deliver_subject.is_empty()
    }

    /// Whether deliveries wait for acks (every policy but `none`).
    fn tracks_acks(&self) -> bool {
        self.config.ack_policy != AckPolicy::None
    }

    /// Appends [`Effect::StateChanged`] if the state changed since the last call.
    fn finish(&mut self, out: &mut Vec<Effect>) {
        if core::mem::take(&mut self.dirty) {
            out.push(Effect::StateChanged);
        }
    }
}

/// A default seed for pin ids: FNV-1a over the names and the creation time (the runtime
/// should call [`Consumer::seed_pin_ids`] with a random number).
fn pin_seed(stream: &str, name: &str, created: UnixNanos) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in stream.bytes().chain([0]).chain(name.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^ created as u64
}
