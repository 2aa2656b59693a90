//! Priority groups of pull consumers (ADR-42; nats-server `processNextMsgRequest`,
//! `nextWaiting`, `assignNewPinId`, `setPinnedTimer`, `waitQueue.addPrioritized`).
//!
//! A consumer with a `priority_policy` serves only pull requests naming one of its
//! `priority_groups` (requests with a plain batch body carry no group and skip the checks,
//! as with nats-server). Which waiting request the next message goes to:
//!
//! - `overflow`: a request with `min_pending` or `min_ack_pending` is served only while
//!   the consumer has at least that many messages pending (counted before this delivery)
//!   or awaiting acks; otherwise it is skipped.
//! - `pinned_client`: the first request without an `id` gets a fresh pin id; from then on
//!   only requests carrying it are served, every delivery has a `Nats-Pin-Id` header,
//!   requests without an id wait (standby), and requests with another id are answered
//!   `423 Nats-Wrong-Pin-Id` when a message comes, or `423 Nats-Pin-Id mismatch` at once
//!   when they arrive while a pin is held. The pin lapses after `priority_timeout` without
//!   a pull carrying it, or on `$JS.API.CONSUMER.UNPIN`.
//! - `prioritized`: requests wait sorted by `priority` (0 first), arrival order within a
//!   level; a request that wants more goes back behind its level.
//!
//! The pin is not persisted: after a restart the next request is pinned afresh.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::pull::WaitingRequest;
use super::{Consumer, Effect};
use crate::jetstream::api::{PriorityGroupState, PriorityPolicy, PullRequest, Timestamp};
use crate::jetstream::store::{MsgStore, UnixNanos};

/// Length of a pin id (as nats-server's NUIDs).
pub const PIN_ID_LEN: usize = 22;

const PIN_ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The client a `pinned_client` consumer currently serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pin {
    pub(super) id: String,
    pub(super) group: String,
    pub(super) since: UnixNanos,
    /// When it lapses without a pull carrying it (`None`: never).
    pub(super) expires_at: Option<UnixNanos>,
}

/// Pin ids from a seeded generator (splitmix64): the core has no randomness, the runtime
/// seeds it ([`Consumer::seed_pin_ids`]).
#[derive(Debug, Clone)]
pub(super) struct PinIds(u64);

impl PinIds {
    pub(super) fn new(seed: u64) -> PinIds {
        PinIds(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A fresh 22-character id of `[0-9A-Za-z]`.
    pub(super) fn next_id(&mut self) -> String {
        let mut id = String::with_capacity(PIN_ID_LEN);
        let mut bits = 0u64;
        for i in 0..PIN_ID_LEN {
            if i % 10 == 0 {
                bits = self.next_u64();
            }
            id.push(char::from(PIN_ALPHABET[(bits % 62) as usize]));
            bits /= 62;
        }
        id
    }
}

/// The priority fields of a waiting pull request (`None` on the request: a plain batch
/// body, which has no group).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PriorityFields {
    pub(super) group: String,
    pub(super) min_pending: i64,
    pub(super) min_ack_pending: i64,
    pub(super) id: String,
    pub(super) priority: i64,
}

impl PriorityFields {
    pub(super) fn of(req: &PullRequest) -> PriorityFields {
        PriorityFields {
            group: req.group.clone(),
            min_pending: req.min_pending,
            min_ack_pending: req.min_ack_pending,
            id: req.id.clone(),
            priority: req.priority,
        }
    }
}

/// What to do with the request at the head of the queue for the next message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Serve it (`pin`: it gets a fresh pin first).
    Take { pin: bool },
    /// Not now: move it behind the others.
    Skip,
    /// It holds a stale pin id: `423 Nats-Wrong-Pin-Id`, drop it.
    WrongPin,
}

/// Why an unpin request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnpinError {
    /// The group is not one of the consumer's `priority_groups` (10160).
    UnknownGroup,
}

impl Consumer {
    /// Seeds the generator of pin ids (call once with a random number; unseeded consumers
    /// derive ids from their name and creation time).
    pub fn seed_pin_ids(&mut self, seed: u64) {
        self.pin_ids = PinIds::new(seed);
    }

    /// The current pin id of a `pinned_client` consumer.
    pub fn pin_id(&self) -> Option<&str> {
        self.pin.as_ref().map(|p| p.id.as_str())
    }

    /// `$JS.API.CONSUMER.UNPIN`: releases the pin (if any) of `group`, which must be one of
    /// the consumer's groups; the next request without an id is pinned afresh.
    pub fn unpin(
        &mut self,
        now: UnixNanos,
        group: &str,
        store: &impl MsgStore,
    ) -> Result<Vec<Effect>, UnpinError> {
        if !self.config.priority_groups.iter().any(|g| g == group) {
            return Err(UnpinError::UnknownGroup);
        }
        self.pin = None;
        let mut out = alloc::vec![Effect::Unpinned {
            group: String::from(group),
            reason: "admin",
        }];
        self.deliver(now, store, &mut out);
        self.finish(&mut out);
        Ok(out)
    }

    /// Pin check of an arriving request: one carrying the current pin keeps it alive;
    /// returns `true` for one carrying another id while a pin is held (refused
    /// `423 Nats-Pin-Id mismatch`).
    pub(super) fn pin_mismatch(&mut self, now: UnixNanos, req: &PullRequest) -> bool {
        let timeout = self.config.priority_timeout;
        let Some(pin) = &mut self.pin else {
            return false;
        };
        if req.id == pin.id {
            pin.expires_at = (timeout > 0).then(|| now.saturating_add(timeout));
        }
        !req.id.is_empty() && req.id != pin.id
    }

    /// Queues `w` where the policy wants it: by priority for `prioritized`, else last.
    pub(super) fn enqueue(&mut self, w: WaitingRequest) {
        if self.config.priority_policy == PriorityPolicy::Prioritized {
            insert_by_priority(&mut self.waiting, w);
        } else {
            self.waiting.push_back(w);
        }
    }

    /// Puts the request just served (taken off the front) back for its next message.
    pub(super) fn requeue(&mut self, w: WaitingRequest) {
        self.enqueue(w);
    }

    /// What the head request `w` gets for the next message; `pending` is the consumer's
    /// pending count as nats-server compares it with `min_pending`.
    pub(super) fn verdict(&self, w: &WaitingRequest, pending: u64) -> Verdict {
        match self.config.priority_policy {
            PriorityPolicy::PinnedClient => {
                let id = w.prio.as_ref().map_or("", |p| p.id.as_str());
                match &self.pin {
                    None if id.is_empty() => Verdict::Take {
                        pin: w.prio.as_ref().is_some_and(|p| !p.group.is_empty()),
                    },
                    None => Verdict::WrongPin,
                    Some(pin) if pin.id == id => Verdict::Take { pin: false },
                    Some(_) if id.is_empty() => Verdict::Skip,
                    Some(_) => Verdict::WrongPin,
                }
            }
            PriorityPolicy::Overflow => match &w.prio {
                Some(p) if p.min_pending > 0 || p.min_ack_pending > 0 => {
                    let acks = self.state.pending.len() as u64;
                    let enough = (p.min_pending > 0 && p.min_pending as u64 <= pending)
                        || (p.min_ack_pending > 0 && p.min_ack_pending as u64 <= acks);
                    if enough {
                        Verdict::Take { pin: false }
                    } else {
                        Verdict::Skip
                    }
                }
                _ => Verdict::Take { pin: false },
            },
            PriorityPolicy::None | PriorityPolicy::Prioritized => Verdict::Take { pin: false },
        }
    }

    /// Pins `group` with a fresh id, which it returns.
    pub(super) fn assign_pin(
        &mut self,
        now: UnixNanos,
        group: &str,
        out: &mut Vec<Effect>,
    ) -> String {
        let id = self.pin_ids.next_id();
        let timeout = self.config.priority_timeout;
        out.push(Effect::Pinned {
            group: String::from(group),
            pin_id: id.clone(),
        });
        self.pin = Some(Pin {
            id: id.clone(),
            group: String::from(group),
            since: now,
            expires_at: (timeout > 0).then(|| now.saturating_add(timeout)),
        });
        id
    }

    /// When the pin lapses, if one is held.
    pub(super) fn pin_deadline(&self) -> Option<UnixNanos> {
        self.pin.as_ref().and_then(|p| p.expires_at)
    }

    /// Releases a pin whose `priority_timeout` has passed.
    pub(super) fn expire_pin(&mut self, now: UnixNanos, out: &mut Vec<Effect>) {
        if self.pin_deadline().is_some_and(|at| at <= now) {
            if let Some(pin) = self.pin.take() {
                out.push(Effect::Unpinned {
                    group: pin.group,
                    reason: "timeout",
                });
            }
        }
    }

    /// `priority_groups` of consumer info: the first group with the pin, as nats-server
    /// reports it (one pin per consumer).
    pub(super) fn priority_groups_info(&self) -> Vec<PriorityGroupState> {
        self.config
            .priority_groups
            .first()
            .map(|group| PriorityGroupState {
                group: group.clone(),
                pinned_client_id: self.pin.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
                pinned_ts: self
                    .pin
                    .as_ref()
                    .map_or(Timestamp::ZERO, |p| Timestamp(p.since)),
            })
            .into_iter()
            .collect()
    }
}

/// Inserts `w` after every request of the same or a better (lower) priority; a request
/// without priority fields goes last.
fn insert_by_priority(waiting: &mut VecDeque<WaitingRequest>, w: WaitingRequest) {
    let rank = |w: &WaitingRequest| w.prio.as_ref().map_or(i64::MAX, |p| p.priority);
    let mine = rank(&w);
    let at = waiting
        .iter()
        .position(|other| rank(other) > mine)
        .unwrap_or(waiting.len());
    waiting.insert(at, w);
}
