//! The `Nats-Msg-Id` duplicate window of a stream.

use alloc::collections::VecDeque;
use alloc::string::String;
use hashbrown::HashMap;

use crate::jetstream::store::UnixNanos;

/// Most message ids remembered, whatever the window (everything has a limit).
pub const DEDUPE_IDS_MAX: usize = 1_000_000;

/// Message ids seen within the duplicate window, with the sequence each was stored at.
#[derive(Debug, Default)]
pub struct Dedupe {
    by_id: HashMap<String, u64>,
    order: VecDeque<(UnixNanos, String)>,
}

impl Dedupe {
    /// The sequence `id` was stored at, if it is still within the window.
    pub fn get(&self, id: &str) -> Option<u64> {
        self.by_id.get(id).copied()
    }

    /// Remembers `id` stored at `seq` at time `now`.
    pub fn insert(&mut self, id: &str, seq: u64, now: UnixNanos) {
        if self.by_id.insert(String::from(id), seq).is_none() {
            self.order.push_back((now, String::from(id)));
        }
        while self.order.len() > DEDUPE_IDS_MAX {
            self.pop_oldest();
        }
    }

    /// Forgets ids stored before `cutoff`.
    pub fn prune(&mut self, cutoff: UnixNanos) {
        while self.order.front().is_some_and(|(t, _)| *t < cutoff) {
            self.pop_oldest();
        }
    }

    /// When the oldest id leaves the window of length `window`.
    pub fn next_expiry(&self, window: i64) -> Option<UnixNanos> {
        self.order.front().map(|(t, _)| t.saturating_add(window))
    }

    /// Ids remembered.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn pop_oldest(&mut self) {
        if let Some((_, id)) = self.order.pop_front() {
            self.by_id.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_within_the_window_and_forgets_after() {
        let mut d = Dedupe::default();
        d.insert("a", 1, 100);
        d.insert("b", 2, 200);
        assert_eq!(d.get("a"), Some(1));
        d.prune(150);
        assert_eq!(d.get("a"), None);
        assert_eq!(d.get("b"), Some(2));
        assert_eq!(d.next_expiry(50), Some(250));
        d.prune(1000);
        assert!(d.is_empty());
    }
}
