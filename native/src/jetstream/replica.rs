//! Raft-replicated streams inside the service: what the leader proposes, what every replica
//! applies.
//!
//! A replicated stream is a deterministic function of its Raft log. On the stream's leader,
//! the inputs that change the stream or its consumers (captured publishes, stream-level API
//! requests that write, acks, flow control replies) are not handled at once but collected
//! into the stream's next [`LogEntry`], together with what only the leader can see: that a
//! timer is due ([`StreamOp::Tick`]), that a push consumer's deliver subject gained or lost
//! interest, that pull requests were abandoned. At the end of each service batch the leader
//! proposes one entry per stream to the group ([`StreamGroup::propose`]). When the group
//! commits it, every replica (the leader too) receives it as [`ReplicaInput::Apply`] and runs
//! the entry's inputs through the ordinary handlers with the entry's clock and seed; on
//! followers the publisher is muted and no reply is queued, so only the leader acknowledges,
//! answers and delivers. Replicated streams never run timers, interest checks or syncs of
//! their own: their store is made durable by checkpoints (`checkpoint.rs`).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use rill_core::jetstream::cluster::{InputKind, StreamEntry as LogEntry, StreamOp};
use rill_core::jetstream::store::UnixNanos;
use rill_core::proto::Publish;
use tokio::sync::oneshot;
use tracing::{error, warn};

use super::service::Service;

/// A leader re-proposes an observation (a timer due, an interest change) not applied within
/// this long.
pub const OBSERVATION_RETRY_NS: i64 = 1_000_000_000;
/// Key of the pending Tick in [`Replica::proposed`].
const TICK_KEY: &str = "tick";

/// Most inputs one log entry carries; more wait for the next entry.
pub const ENTRY_OPS_MAX: usize = 4096;
/// About the most bytes one log entry carries (a single larger input goes alone).
pub const ENTRY_BYTES_MAX: usize = 1024 * 1024;

/// Roughly how many bytes an input takes in an entry.
fn op_bytes(op: &StreamOp) -> usize {
    match op {
        StreamOp::Input(_, m) => {
            32 + m.subject.len()
                + m.reply.as_ref().map_or(0, |r| r.len())
                + m.headers.as_ref().map_or(0, |h| h.len())
                + m.payload.len()
        }
        StreamOp::PullsGone { replies, .. } => {
            32 + replies.iter().map(|r| r.len() + 8).sum::<usize>()
        }
        _ => 32,
    }
}

/// What the service needs from a stream's Raft group.
pub trait StreamGroup: Send + Sync + fmt::Debug {
    /// Appends an encoded [`LogEntry`] to the group's log, after every entry proposed before
    /// it. Once committed it comes back as [`ReplicaInput::Apply`]; an entry that cannot be
    /// committed (leadership lost) is dropped: its publishers get no ack and retry.
    fn propose(&self, entry: Vec<u8>);
    /// Gives up leadership so that another replica takes over (`preferred`, a server name,
    /// if it can).
    fn step_down(&self, preferred: Option<&str>);
    /// Whether `server` holds a replica in the group.
    fn has_member(&self, server: &str) -> bool {
        let _ = server;
        false
    }
    /// The `cluster` section of stream and consumer info: group, leader, replicas' health.
    fn cluster_info(&self) -> Option<rill_core::jetstream::api::ClusterInfo> {
        None
    }
}

/// Inputs from the Raft side to the service.
#[derive(Debug)]
pub enum ReplicaInput {
    /// A committed entry of `stream`'s log at `index`; `done` fires once it is applied.
    Apply {
        /// Stream name.
        stream: Arc<str>,
        /// Log index.
        index: u64,
        /// The encoded [`LogEntry`].
        entry: Bytes,
        /// Fired after applying.
        done: Option<oneshot::Sender<()>>,
    },
    /// The meta group changed the stream (a configuration update): if this server leads
    /// the stream, it replicates `msg` (an API request) through the stream's log.
    ProposeApi {
        /// Stream name.
        stream: Arc<str>,
        /// The request, answered by the leader once applied.
        msg: Publish,
    },
    /// The log advanced to `index` without commands for the stream (blank and membership
    /// entries): the applied position moves on.
    Advance {
        /// Stream name.
        stream: Arc<str>,
        /// Log index.
        index: u64,
    },
    /// This server became, or stopped being, the leader of `stream`'s group.
    Leader {
        /// Stream name.
        stream: Arc<str>,
        /// Leading now.
        leader: bool,
    },
}

/// Replication state of one stream on this server.
pub struct Replica {
    pub(super) group: Arc<dyn StreamGroup>,
    /// This server leads the stream's group.
    pub(super) leader: bool,
    /// Inputs collected for the next entry (leader only).
    pub(super) ops: Vec<StreamOp>,
    /// Last log index applied.
    pub(super) applied: u64,
    /// Leader-only observations proposed and not applied yet, with when: not proposed again
    /// within `OBSERVATION_RETRY_NS` (a proposal lost in a leadership change is retried).
    pub(super) proposed: std::collections::HashMap<String, UnixNanos>,
    /// Where the create response of a new stream goes: its first leader sends it.
    pub(super) announce: Option<Bytes>,
}

impl fmt::Debug for Replica {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Replica")
            .field("leader", &self.leader)
            .field("ops", &self.ops.len())
            .field("applied", &self.applied)
            .finish()
    }
}

fn push_key(consumer: &str, active: bool) -> String {
    format!("push\0{consumer}\0{active}")
}

fn gone_key(consumer: &str, reply: &[u8]) -> String {
    format!("gone\0{consumer}\0{}", String::from_utf8_lossy(reply))
}

impl Replica {
    /// Whether to propose the observation `key` now (not proposed within the retry window);
    /// records it when so.
    fn observe(&mut self, key: String, now: UnixNanos) -> bool {
        match self.proposed.get(&key) {
            Some(at) if now.saturating_sub(*at) < OBSERVATION_RETRY_NS => false,
            _ => {
                self.proposed.insert(key, now);
                true
            }
        }
    }

    /// Replication state for a stream joining `group` (not leading yet).
    pub fn new(group: Arc<dyn StreamGroup>, applied: u64) -> Self {
        Replica {
            group,
            leader: false,
            ops: Vec::new(),
            applied,
            proposed: std::collections::HashMap::new(),
            announce: None,
        }
    }
}

impl Service {
    /// Collects an input of a replicated stream for its next entry; returns false when the
    /// stream is not replicated (or an entry is being applied) and the input is handled now.
    /// A follower drops the input: the leader received it too.
    pub(super) fn divert(&mut self, stream: &str, kind: InputKind, msg: &Publish) -> bool {
        if self.applying {
            return false;
        }
        let Some(replica) = self
            .streams
            .get_mut(stream)
            .and_then(|e| e.replica.as_mut())
        else {
            return false;
        };
        if replica.leader {
            replica.ops.push(StreamOp::Input(kind, msg.clone()));
        }
        true
    }

    /// Leader: proposes what each replicated stream collected in this batch.
    pub(super) fn propose_pending(&mut self, now: UnixNanos) {
        for entry in self.streams.values_mut() {
            let Some(replica) = entry.replica.as_mut().filter(|r| !r.ops.is_empty()) else {
                continue;
            };
            while !replica.ops.is_empty() {
                // Up to ENTRY_OPS_MAX inputs or about ENTRY_BYTES_MAX bytes (at least one).
                let mut n = 0;
                let mut bytes = 0;
                for op in replica.ops.iter().take(ENTRY_OPS_MAX) {
                    bytes += op_bytes(op);
                    if n > 0 && bytes > ENTRY_BYTES_MAX {
                        break;
                    }
                    n += 1;
                }
                let ops: Vec<StreamOp> = replica.ops.drain(..n).collect();
                let log_entry = LogEntry {
                    ts: now,
                    seed: u64::from_le_bytes(crate::server::ids::random_bytes()),
                    ops,
                };
                replica.group.propose(log_entry.encode());
            }
        }
    }

    /// Leader: turns due timers and interest changes of replicated streams into inputs.
    pub(super) fn replica_timers(&mut self, now: UnixNanos) {
        let publisher = &mut self.publisher;
        for entry in self.streams.values_mut() {
            let Some(replica) = entry.replica.as_mut().filter(|r| r.leader) else {
                continue;
            };
            let due = entry.stream.next_expiry().is_some_and(|t| t <= now)
                || entry
                    .consumers
                    .values()
                    .any(|c| c.consumer.poll_timeout().is_some_and(|t| t <= now));
            if due && replica.observe(TICK_KEY.to_string(), now) {
                replica.ops.push(StreamOp::Tick);
            }
            for (name, c) in &entry.consumers {
                let subject = &c.consumer.config().deliver_subject;
                if !subject.is_empty() {
                    let active = publisher.has_interest(&Bytes::from(subject.clone()));
                    if active != c.consumer.push_active()
                        && replica.observe(push_key(name, active), now)
                    {
                        replica.ops.push(StreamOp::PushInterest {
                            consumer: name.clone(),
                            active,
                        });
                    }
                } else if c.consumer.config().is_pull() {
                    let gone: Vec<Bytes> = c
                        .consumer
                        .waiting_replies()
                        .filter(|r| !publisher.has_interest(&Bytes::copy_from_slice(r)))
                        .map(Bytes::copy_from_slice)
                        .filter(|r| replica.observe(gone_key(name, r), now))
                        .collect();
                    if !gone.is_empty() {
                        replica.ops.push(StreamOp::PullsGone {
                            consumer: name.clone(),
                            replies: gone,
                        });
                    }
                }
            }
        }
    }

    /// The earliest time a leader has timers to propose (followers have none).
    pub(super) fn next_replica_timer(&self) -> Option<UnixNanos> {
        self.streams
            .values()
            .filter_map(|e| {
                let r = e.replica.as_ref().filter(|r| r.leader)?;
                if let Some(at) = r.proposed.get(TICK_KEY) {
                    return Some(at + OBSERVATION_RETRY_NS);
                }
                e.consumers
                    .values()
                    .filter_map(|c| c.consumer.poll_timeout())
                    .chain(e.stream.next_expiry())
                    .min()
            })
            .min()
    }

    /// Handles an input from the Raft side.
    pub(super) fn handle_replica(&mut self, input: ReplicaInput) {
        match input {
            ReplicaInput::Apply {
                stream,
                index,
                entry,
                done,
            } => {
                self.apply_entry(&stream, index, entry);
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }
            ReplicaInput::Leader { stream, leader } => self.set_leader(&stream, leader),
            ReplicaInput::Advance { stream, index } => {
                if let Some(r) = self
                    .streams
                    .get_mut(&*stream)
                    .and_then(|e| e.replica.as_mut())
                {
                    r.applied = r.applied.max(index);
                }
            }
            ReplicaInput::ProposeApi { stream, msg } => {
                if let Some(r) = self
                    .streams
                    .get_mut(&*stream)
                    .and_then(|e| e.replica.as_mut())
                    .filter(|r| r.leader)
                {
                    r.ops.push(StreamOp::Input(InputKind::Api, msg));
                }
            }
        }
    }

    /// Leadership changed: only the leader captures the stream's subjects.
    fn set_leader(&mut self, stream: &str, leader: bool) {
        let Some(entry) = self.streams.get_mut(stream) else {
            return;
        };
        let Some(replica) = entry.replica.as_mut() else {
            return;
        };
        replica.leader = leader;
        replica.proposed.clear();
        if !leader {
            replica.ops.clear();
            let subs = std::mem::take(&mut entry.subs);
            self.release(&subs);
            return;
        }
        let announce = replica.announce.take();
        if entry.subs.is_empty() {
            let config = entry.stream.config().clone();
            match self.capture(&config) {
                Ok(subs) => {
                    if let Some(e) = self.streams.get_mut(stream) {
                        e.subs = subs;
                    }
                }
                Err(e) => error!(stream, "cannot capture the stream's subjects: {e:#}"),
            }
        }
        if let Some(to) = announce {
            let now = super::service::unix_now();
            if let Ok(info) = self.stream_info(stream, now) {
                let resp = rill_core::jetstream::api::StreamCreateResponse {
                    info,
                    did_create: true,
                };
                self.reply(Some(&to), "stream_create", &resp);
            }
        }
    }

    /// Applies one committed entry of `stream` (see the module docs).
    fn apply_entry(&mut self, stream: &str, index: u64, bytes: Bytes) {
        let Some(replica) = self.streams.get(stream).and_then(|e| e.replica.as_ref()) else {
            warn!(
                stream,
                index, "entry for a stream this server does not replicate"
            );
            return;
        };
        // Commands batched into one log entry share its index; the Raft layer hands each
        // exactly once and in order, so only an older index is a replay.
        if index < replica.applied {
            return;
        }
        let leader = replica.leader;
        let entry = match LogEntry::decode(bytes) {
            Ok(e) => Some(e),
            Err(e) => {
                // Every replica has the same bytes, so every replica skips it alike.
                error!(stream, index, "undecodable log entry skipped: {e}");
                None
            }
        };
        self.applying = true;
        self.publisher.set_muted(!leader);
        self.entropy = entry
            .as_ref()
            .map(|e| crate::server::ids::FastRng::seeded(e.seed));
        if let Some(entry) = entry {
            let ts = entry.ts;
            for op in entry.ops {
                self.apply_op(stream, ts, op);
            }
            let appended = self
                .streams
                .get_mut(stream)
                .is_some_and(|e| std::mem::take(&mut e.appended));
            if appended {
                self.wake_consumers(ts, &[stream.to_string()]);
            }
        }
        self.entropy = None;
        self.publisher.set_muted(false);
        self.applying = false;
        if let Some(r) = self
            .streams
            .get_mut(stream)
            .and_then(|e| e.replica.as_mut())
        {
            r.applied = index;
        }
    }

    fn apply_op(&mut self, stream: &str, ts: UnixNanos, op: StreamOp) {
        match op {
            StreamOp::Input(InputKind::Msg, m) => self.handle_msg(ts, stream, m),
            StreamOp::Input(InputKind::Api, m) => self.handle_api(ts, &m),
            StreamOp::Input(InputKind::Ack, m) => self.handle_ack(ts, &m),
            StreamOp::Input(InputKind::FlowControl, m) => self.handle_flow_control(ts, &m),
            StreamOp::Tick => {
                self.expire_stream(stream, ts);
                self.stream_consumer_timers(stream, ts);
                if let Some(r) = self
                    .streams
                    .get_mut(stream)
                    .and_then(|e| e.replica.as_mut())
                {
                    r.proposed.remove(TICK_KEY);
                }
            }
            StreamOp::PushInterest { consumer, active } => {
                if let Some(r) = self
                    .streams
                    .get_mut(stream)
                    .and_then(|e| e.replica.as_mut())
                {
                    r.proposed.remove(&push_key(&consumer, active));
                }
                let Ok((c, store)) = self.consumer_mut(stream, &consumer) else {
                    return;
                };
                let effects = c.set_push_active(ts, active, store);
                self.apply_effects(ts, stream, &consumer, effects);
            }
            StreamOp::PullsGone { consumer, replies } => {
                if let Some(r) = self
                    .streams
                    .get_mut(stream)
                    .and_then(|e| e.replica.as_mut())
                {
                    for reply in &replies {
                        r.proposed.remove(&gone_key(&consumer, reply));
                    }
                }
                let gone: BTreeSet<Bytes> = replies.into_iter().collect();
                if let Ok((c, _)) = self.consumer_mut(stream, &consumer) {
                    c.drop_waiting_without_interest(|r| !gone.contains(r));
                }
            }
        }
    }
}
