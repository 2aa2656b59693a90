//! Where a new consumer starts (nats-server `selectStartingSeqNo`): the deliver policies, and
//! the skip list of `last_per_subject`.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::jetstream::api::{ConsumerConfig, DeliverPolicy};
use crate::jetstream::store::{MsgStore, StoreError, UnixNanos};
use crate::subject;

/// `last_per_subject` start: the last message of every matching subject, oldest first, then
/// everything after `resume`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct SkipList {
    /// Stream sequences still to deliver.
    pub(super) seqs: VecDeque<u64>,
    /// The stream's last sequence when the list was taken.
    pub(super) resume: u64,
}

/// The first stream sequence to look at, and the skip list for `last_per_subject`. Store
/// failures fall back to the stream's first sequence (everything is delivered rather than
/// nothing).
pub(super) fn select_start(
    config: &ConsumerConfig,
    filters: &[Bytes],
    store: &impl MsgStore,
) -> (u64, Option<SkipList>) {
    let state = store.state();
    let (first, last) = (state.first_seq, state.last_seq);
    let opt_start = config.opt_start_seq;
    let mut skip = None;
    let mut seq = if opt_start > 0 {
        opt_start
    } else {
        match config.deliver_policy {
            DeliverPolicy::All => first,
            DeliverPolicy::Last if filters.is_empty() => last,
            DeliverPolicy::Last => filters
                .iter()
                .map(|f| last_matching(store, f).unwrap_or(first))
                .max()
                .unwrap_or(first),
            DeliverPolicy::LastPerSubject => match last_per_subject(store, filters) {
                Ok(seqs) if !seqs.is_empty() => {
                    let start = seqs[0];
                    skip = Some(SkipList {
                        seqs: seqs.into(),
                        resume: last,
                    });
                    start
                }
                Ok(_) => last,
                Err(_) => first,
            },
            DeliverPolicy::ByStartTime => match config.opt_start_time {
                Some(time) => seq_for_time(store, first, last, time.unix_nanos()).unwrap_or(first),
                None => last + 1,
            },
            DeliverPolicy::New | DeliverPolicy::ByStartSequence => last + 1,
        }
    };
    // Clamp as nats-server does; an explicit start sequence is kept even past the end.
    if first == 0 && opt_start == 0 {
        seq = 1;
    } else if seq > last && opt_start == 0 {
        seq = last + 1;
    } else if seq < first {
        seq = first;
    }
    (seq.max(1), skip)
}

/// The newest sequence whose subject matches `filter` (0 when none).
fn last_matching(store: &impl MsgStore, filter: &[u8]) -> Result<u64, StoreError> {
    if !subject::has_wildcard(filter) {
        return Ok(store.last_for_subject(filter)?.map_or(0, |m| m.seq));
    }
    let mut best = 0;
    for (subject, _) in store.subjects_state(filter) {
        best = best.max(store.last_for_subject(&subject)?.map_or(0, |m| m.seq));
    }
    Ok(best)
}

/// The last sequence of every subject matching one of `filters` (all subjects when there
/// are none), ascending.
fn last_per_subject(store: &impl MsgStore, filters: &[Bytes]) -> Result<Vec<u64>, StoreError> {
    let all = [Bytes::from_static(b">")];
    let filters = if filters.is_empty() {
        &all[..]
    } else {
        filters
    };
    let mut seqs = Vec::new();
    for filter in filters {
        for (subject, _) in store.subjects_state(filter) {
            if let Some(msg) = store.last_for_subject(&subject)? {
                seqs.push(msg.seq);
            }
        }
    }
    seqs.sort_unstable();
    seqs.dedup();
    Ok(seqs)
}

/// The first sequence in `first..=last` holding a message stored at or after `time`
/// (`last + 1` when none): a binary search, as message times grow with sequences.
pub(super) fn seq_for_time(
    store: &impl MsgStore,
    first: u64,
    last: u64,
    time: UnixNanos,
) -> Result<u64, StoreError> {
    let (mut lo, mut hi) = (first, last + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match store.next_matching(mid, None)? {
            Some(msg) if msg.time >= time => hi = mid,
            Some(msg) => lo = msg.seq + 1,
            None => hi = mid,
        }
    }
    Ok(lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::api::Timestamp;
    use crate::jetstream::store::MemStore;

    fn store() -> MemStore {
        let mut s = MemStore::new();
        for (i, subj) in ["a.1", "a.2", "a.1", "b.1", "a.2", "b.1"]
            .iter()
            .enumerate()
        {
            let time = (i as i64 + 1) * 10;
            s.append(
                Bytes::from_static(subj.as_bytes()),
                None,
                Bytes::new(),
                time,
            )
            .unwrap();
        }
        s
    }

    fn start(policy: DeliverPolicy, filters: &[&'static str]) -> (u64, Option<SkipList>) {
        let config = ConsumerConfig {
            deliver_policy: policy,
            ..ConsumerConfig::default()
        };
        let filters: Vec<Bytes> = filters
            .iter()
            .map(|f| Bytes::from_static(f.as_bytes()))
            .collect();
        select_start(&config, &filters, &store())
    }

    #[test]
    fn deliver_policies_pick_their_start() {
        assert_eq!(start(DeliverPolicy::All, &[]).0, 1);
        assert_eq!(start(DeliverPolicy::Last, &[]).0, 6);
        assert_eq!(start(DeliverPolicy::Last, &["a.*"]).0, 5);
        assert_eq!(start(DeliverPolicy::Last, &["a.1", "c.>"]).0, 3);
        assert_eq!(start(DeliverPolicy::New, &[]).0, 7);
        let (seq, skip) = start(DeliverPolicy::LastPerSubject, &["a.>"]);
        assert_eq!((seq, skip.unwrap().seqs), (3, VecDeque::from([3, 5])));
    }

    #[test]
    fn start_time_and_sequence_are_clamped() {
        let at = |t: i64| {
            let config = ConsumerConfig {
                deliver_policy: DeliverPolicy::ByStartTime,
                opt_start_time: Some(Timestamp(t)),
                ..ConsumerConfig::default()
            };
            select_start(&config, &[], &store()).0
        };
        assert_eq!((at(1), at(10), at(11), at(60), at(61)), (1, 1, 2, 6, 7));
        let by_seq = |s: u64| {
            let config = ConsumerConfig {
                deliver_policy: DeliverPolicy::ByStartSequence,
                opt_start_seq: s,
                ..ConsumerConfig::default()
            };
            select_start(&config, &[], &store()).0
        };
        assert_eq!((by_seq(4), by_seq(100)), (4, 100));
        let empty = select_start(&ConsumerConfig::default(), &[], &MemStore::new());
        assert_eq!(empty.0, 1);
    }
}
