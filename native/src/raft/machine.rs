//! The contract between the Raft layer and the state machine a group replicates.
//!
//! # Durability contract
//!
//! The machine's state may lag durability: it writes its own files when it likes. What it
//! must keep is one **checkpoint**: its state as of some applied position, stored together
//! with the [`Checkpoint`] tag the layer handed it, atomically (the tag and the state it
//! describes are durable together, or neither is).
//!
//! - [`Machine::checkpoint`]: make the current state durable; it is exactly the state after
//!   applying every entry up to `at.index()`. Store `at.to_bytes()` with it.
//! - [`Machine::recover`]: at open, come back to the last durable checkpoint and return its
//!   tag (`None`: the empty state, nothing applied). Whatever was applied after it is
//!   forgotten: the layer re-applies the committed log from `tag.index() + 1`.
//! - [`Machine::import`]: replace the whole state with a snapshot another replica exported
//!   and make it durable with the given tag, like a checkpoint.
//! - [`Machine::export`]: the whole current state (exactly what has been applied so far).
//!
//! Because the layer learns the applied position only from the machine's own durable tag,
//! no entry can be applied twice or skipped after a crash: the layer hands over entries
//! strictly after the tag, in order, and refuses a gap. The layer lets the log forget entries
//! only at or below the last durable checkpoint.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::error::MachineError;
use super::types::{Applied, LogId, Position, StoredMembership};

/// Bytes at the front of an encoded tag: format version.
const TAG_VERSION: u8 = 1;

/// The position (and membership) a machine's durable state corresponds to. The machine stores
/// it as opaque bytes ([`Checkpoint::to_bytes`]) next to its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    last_applied: LogId,
    membership: StoredMembership,
}

impl Checkpoint {
    pub(crate) fn new(last_applied: LogId, membership: StoredMembership) -> Self {
        Self {
            last_applied,
            membership,
        }
    }

    /// Index of the last entry the checkpointed state includes.
    pub fn index(&self) -> u64 {
        self.last_applied.index
    }

    /// Index and term of the last entry the checkpointed state includes.
    pub fn position(&self) -> Position {
        Position::from(&self.last_applied)
    }

    pub(crate) fn last_applied(&self) -> &LogId {
        &self.last_applied
    }

    pub(crate) fn membership(&self) -> &StoredMembership {
        &self.membership
    }

    /// The tag as bytes to store with the state (version, postcard body, CRC-32).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![TAG_VERSION];
        // Serializing plain data into a Vec cannot fail.
        let body = postcard::to_stdvec(self).unwrap_or_default();
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32fast::hash(&out).to_le_bytes());
        out
    }

    /// Decodes bytes written by [`Checkpoint::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MachineError> {
        let corrupt = |what: &str| MachineError::Corrupt(format!("checkpoint tag: {what}"));
        if bytes.len() < 5 {
            return Err(corrupt("too short"));
        }
        let (head, crc) = bytes.split_at(bytes.len() - 4);
        let mut stored = [0u8; 4];
        stored.copy_from_slice(crc);
        if crc32fast::hash(head) != u32::from_le_bytes(stored) {
            return Err(corrupt("checksum mismatch"));
        }
        if head[0] != TAG_VERSION {
            return Err(corrupt("unknown version"));
        }
        postcard::from_bytes(&head[1..]).map_err(|e| corrupt(&e.to_string()))
    }
}

/// A replicated state machine. One instance per group and node; the layer calls it from one
/// task at a time, in log order.
pub trait Machine: Send + 'static {
    /// Comes back to the last durable checkpoint (discarding anything applied after it) and
    /// returns its tag, or `None` for the empty state. Called once, before anything else.
    fn recover(&mut self) -> impl Future<Output = Result<Option<Checkpoint>, MachineError>> + Send;

    /// Applies committed commands in log order and returns one response per command.
    /// `through` is the log position the machine is at after this call: blank and membership
    /// entries are not passed as commands, but they advance it. An error stops the group.
    fn apply(
        &mut self,
        commands: Vec<Applied>,
        through: Position,
    ) -> impl Future<Output = Result<Vec<Vec<u8>>, MachineError>> + Send;

    /// Makes the current state durable, tagged with `at` (see the module's contract).
    fn checkpoint(
        &mut self,
        at: &Checkpoint,
    ) -> impl Future<Output = Result<(), MachineError>> + Send;

    /// The whole current state as bytes, for a replica too far behind to catch up by log.
    fn export(&mut self) -> impl Future<Output = Result<Vec<u8>, MachineError>> + Send;

    /// Replaces the whole state with `data` (from [`Machine::export`] on another replica)
    /// and makes it durable tagged with `at`.
    fn import(
        &mut self,
        data: Vec<u8>,
        at: &Checkpoint,
    ) -> impl Future<Output = Result<(), MachineError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::{CommittedLeaderId, Membership};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn tag(term: u64, index: u64, voters: &[u64]) -> Checkpoint {
        let nodes: BTreeMap<u64, crate::raft::Member> = voters
            .iter()
            .map(|&n| (n, crate::raft::Member::new(format!("s{n}"))))
            .collect();
        let set: BTreeSet<u64> = voters.iter().copied().collect();
        let membership = Membership::new(vec![set], nodes);
        let id = LogId::new(CommittedLeaderId::new(term, 1), index);
        Checkpoint::new(id, StoredMembership::new(Some(id), membership))
    }

    proptest! {
        #[test]
        fn raft_checkpoint_tag_round_trips(term in 0u64..1000, index in any::<u64>(),
                                            voters in proptest::collection::vec(0u64..10, 1..5)) {
            let t = tag(term, index, &voters);
            prop_assert_eq!(Checkpoint::from_bytes(&t.to_bytes()).unwrap(), t);
        }

        #[test]
        fn raft_checkpoint_tag_detects_any_flipped_bit(index in any::<u64>(), bit in 0usize..10_000) {
            let bytes = tag(3, index, &[1, 2, 3]).to_bytes();
            let mut bad = bytes.clone();
            let bit = bit % (bytes.len() * 8);
            bad[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(Checkpoint::from_bytes(&bad).is_err());
        }
    }
}
