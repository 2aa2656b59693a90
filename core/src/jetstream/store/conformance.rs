//! The store conformance suite: one set of checks every [`MsgStore`] must pass (memory,
//! file, and later browser or replicated stores).
//!
//! - [`run_all`]: ~40 named checks, each on a fresh store from `make`; a failure panics with
//!   "store conformance check `name`: ...". [`run_check`] runs one by name.
//! - [`run_persistence`]: for stores that survive a restart: after `sync` and reopening, state,
//!   messages, gaps and indexes are identical and sequences continue.
//! - The model: [`Model`] (a naive `Vec` store), [`StoreOp`], the seeded generator
//!   [`random_op`] / [`run_random_ops`], and [`apply_and_compare`], so property tests of any
//!   store compare it with the model after every operation.
//!
//! It is plain `core` + `alloc` code (no proptest), compiled in every build, so the native
//! file store's tests call it too.
//!
//! # The contract pinned here, beyond the trait's docs
//! - Sequences: a new store reports `first_seq: 0, last_seq: 0`; appends get `last_seq + 1`;
//!   removing every message leaves `first_seq = last_seq + 1`; removing the last message keeps
//!   `last_seq`; sequences are never reused. `num_deleted` counts the missing sequences between
//!   `first_seq` and `last_seq` (0 when empty). `first_time` is the first held message's time
//!   (0 when empty); `last_time` is the last appended message's time, kept across removals.
//! - Filters: `None`, empty and `>` select every subject; otherwise
//!   [`crate::subject::matches`]. `subjects_state` may come in any order.
//! - Purge (matching nats-server's `PurgeEx`): no filter/`up_to_seq`/`keep` removes everything
//!   and sets `first_seq = last_seq + 1` even on a new store; `up_to_seq: N` removes only
//!   sequences below `N`, and without a filter, when that empties the store and
//!   `N > last_seq + 1`, moves the sequence on (`first_seq = N`, `last_seq = N - 1`);
//!   `keep: K` (0 = unset) leaves the `K` newest matching messages, counted across all
//!   matching subjects (not per subject); both together remove the oldest matching messages
//!   below `N`, at most so many that `K` matching remain. Returns how many were removed.
//! - `skip_to(seq)`: only on a store holding nothing and only with `seq > last_seq`, else
//!   [`StoreError::InvalidSequence`]`(seq)` and nothing changes; afterwards `first_seq = seq`,
//!   `last_seq = seq - 1`, times unchanged.
//! - `skip_msgs_to(seq)`: `skip_to` on a store holding nothing; otherwise only with
//!   `seq > last_seq`, and the held messages stay, `last_seq = seq - 1`, the sequences in
//!   between are gaps.
//! - `headers: Some(empty)` and `None` stay distinct; `bytes` is the sum of
//!   [`StoredMsg::stored_size`](super::StoredMsg::stored_size).

mod checks;
mod compare;
mod model;
mod persistence;
mod purge_checks;

use alloc::vec::Vec;
use core::fmt::Debug;

pub use compare::assert_same_contents;
pub use model::{
    apply_and_compare, apply_and_compare_in, filter_is_all, filter_matches, random_op,
    random_purge, run_random_ops, Model, OpRng, StoreOp, FILTERS, HEADER_CHOICES, SUBJECTS,
};
pub use persistence::{run_persistence, run_persistence_case, PERSISTENCE_CASES};

use super::{MsgStore, StoreError};

/// Names the running check in panic messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    name: &'static str,
}

impl Ctx {
    pub(crate) fn new(name: &'static str) -> Self {
        Self { name }
    }

    /// The check's name.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// The value of `r`, or a panic naming the check and `what`.
    #[track_caller]
    pub(crate) fn ok<T>(&self, what: &str, r: Result<T, StoreError>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => panic!(
                "store conformance check `{}`: {what}: unexpected error: {e}",
                self.name
            ),
        }
    }

    /// Panics naming the check and `what` unless `got == want`.
    #[track_caller]
    pub(crate) fn eq<T: PartialEq + Debug>(&self, what: &str, got: T, want: T) {
        assert!(
            got == want,
            "store conformance check `{}`: {what}: got {got:?}, want {want:?}",
            self.name
        );
    }
}

/// One named check.
type Check<S> = (&'static str, fn(&Ctx, &mut S));

/// Names of the checks [`run_all`] runs, in order.
pub fn check_names() -> Vec<&'static str> {
    checks::all::<Model>()
        .iter()
        .map(|(name, _)| *name)
        .collect()
}

/// Runs every check, each on a fresh store from `make`; panics at the first failure with a
/// message naming the check.
pub fn run_all<S: MsgStore>(make: &mut dyn FnMut() -> S) {
    for (name, check) in checks::all::<S>() {
        let mut store = make();
        check(&Ctx::new(name), &mut store);
    }
}

/// Runs the check called `name` on a fresh store from `make`; panics if there is none.
pub fn run_check<S: MsgStore>(name: &str, make: &mut dyn FnMut() -> S) {
    let checks = checks::all::<S>();
    let found = checks.iter().find(|(n, _)| *n == name);
    let Some((name, check)) = found else {
        panic!("no store conformance check named `{name}`");
    };
    let mut store = make();
    check(&Ctx::new(name), &mut store);
}
