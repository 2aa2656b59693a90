//! Opening a group's log: read every segment in order, rebuild the state, cut a torn tail.

use std::collections::BTreeMap;

use crate::raft::disk::Disk;
use crate::raft::error::LogError;
use crate::raft::types::{Entry, LogId, Vote};

use super::record::{decode, LogRecord};

/// File name suffix of log segments.
const SEGMENT_SUFFIX: &str = ".rlog";

/// File name of segment `seq` (zero-padded so names sort by number).
pub(super) fn segment_name(seq: u64) -> String {
    format!("{seq:020}{SEGMENT_SUFFIX}")
}

fn segment_seq(name: &str) -> Option<u64> {
    name.strip_suffix(SEGMENT_SUFFIX)?.parse().ok()
}

/// One segment file: its number, size and the largest entry index it holds.
#[derive(Debug, Clone)]
pub(super) struct Segment {
    pub seq: u64,
    pub name: String,
    pub bytes: u64,
    pub max_index: Option<u64>,
}

impl Segment {
    pub fn new(seq: u64) -> Self {
        Self {
            seq,
            name: segment_name(seq),
            bytes: 0,
            max_index: None,
        }
    }
}

/// The state a log's records add up to.
#[derive(Debug, Default)]
pub(super) struct Replayed {
    pub entries: BTreeMap<u64, Entry>,
    pub vote: Option<Vote>,
    pub committed: Option<LogId>,
    pub purged: Option<LogId>,
    /// In order; the last one is where appends continue.
    pub segments: Vec<Segment>,
}

impl Replayed {
    /// Forgets entries covered by the machine's durable checkpoint when the log has a gap at
    /// or below it (entries were appended past an installed snapshot before the purge), then
    /// checks the entries run without a gap from the purge point. Returns whether it purged.
    pub fn repair_and_check(&mut self, checkpoint: Option<LogId>) -> Result<bool, LogError> {
        let mut repaired = false;
        if let Some(cp) = checkpoint {
            let behind = self.purged.as_ref().is_none_or(|p| p.index < cp.index);
            if behind && self.gap_below(cp.index + 1) {
                self.entries = self.entries.split_off(&(cp.index + 1));
                self.purged = Some(cp);
                repaired = true;
            }
        }
        let start = self.purged.as_ref().map_or(0, |p| p.index + 1);
        for (expected, &index) in (start..).zip(self.entries.keys()) {
            if index != expected {
                return Err(LogError::Corrupt {
                    file: self
                        .segments
                        .first()
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    offset: 0,
                    reason: format!("entry {index} follows a gap (expected {expected})"),
                });
            }
        }
        Ok(repaired)
    }

    /// Whether an entry at or below `upto` does not follow its predecessor.
    fn gap_below(&self, upto: u64) -> bool {
        let start = self.purged.as_ref().map_or(0, |p| p.index + 1);
        (start..)
            .zip(self.entries.range(..=upto))
            .any(|(expected, (&index, _))| index != expected)
    }

    /// Applies one record; `Err` (a reason) when it cannot follow what came before.
    fn apply(&mut self, rec: LogRecord) -> Result<(), String> {
        match rec {
            LogRecord::Entry(e) => return self.apply_entry(e),
            LogRecord::Vote(v) => self.vote = Some(v),
            LogRecord::Committed(c) => self.committed = c,
            LogRecord::Truncate { since } => drop(self.entries.split_off(&since)),
            LogRecord::Purge(id) => {
                if self.purged.as_ref().is_none_or(|p| p.index < id.index) {
                    self.entries = self.entries.split_off(&(id.index + 1));
                    self.purged = Some(id);
                }
            }
        }
        Ok(())
    }

    fn apply_entry(&mut self, e: Entry) -> Result<(), String> {
        let index = e.log_id.index;
        if self.purged.as_ref().is_some_and(|p| index <= p.index) {
            return Ok(());
        }
        // A gap is legal on disk: after installing a snapshot, openraft appends entries past
        // it before it purges the log below it. The store repairs it at open with the
        // machine's checkpoint and checks contiguity then.
        // An index at or below the last one replaces the suffix (openraft truncates first;
        // this keeps replay equal to what the writer saw either way).
        drop(self.entries.split_off(&index));
        self.entries.insert(index, e);
        Ok(())
    }
}

/// Reads every segment of `disk`. A torn tail of the last segment (an incomplete frame, or a
/// bad frame followed only by zero bytes) is cut off and logged; anything else that does not
/// decode is [`LogError::Corrupt`].
pub(super) fn replay(disk: &dyn Disk, group: &str) -> Result<Replayed, LogError> {
    let names = disk
        .list()
        .map_err(|e| LogError::io("list log directory", e))?;
    let mut seqs: Vec<u64> = names.iter().filter_map(|n| segment_seq(n)).collect();
    seqs.sort_unstable();
    let mut state = Replayed::default();
    for (i, &seq) in seqs.iter().enumerate() {
        let is_last = i + 1 == seqs.len();
        let seg = replay_segment(disk, group, seq, is_last, &mut state)?;
        state.segments.push(seg);
    }
    Ok(state)
}

fn replay_segment(
    disk: &dyn Disk,
    group: &str,
    seq: u64,
    is_last: bool,
    state: &mut Replayed,
) -> Result<Segment, LogError> {
    let mut seg = Segment::new(seq);
    let data = disk
        .read(&seg.name)
        .map_err(|e| LogError::io(format!("read {}", seg.name), e))?;
    let corrupt = |offset: usize, reason: String| LogError::Corrupt {
        file: segment_name(seq),
        offset: offset as u64,
        reason,
    };
    let mut at = 0;
    while at < data.len() {
        match decode(&data[at..]) {
            Ok(Some((rec, n))) => {
                if let LogRecord::Entry(e) = &rec {
                    seg.max_index = seg.max_index.max(Some(e.log_id.index));
                }
                state.apply(rec).map_err(|r| corrupt(at, r))?;
                at += n;
            }
            Ok(None) if is_last => break,
            Err(_) if is_last && data[at..].iter().all(|&b| b == 0) => break,
            Ok(None) => return Err(corrupt(at, "incomplete record in a sealed segment".into())),
            Err(e) => return Err(corrupt(at, e.to_string())),
        }
    }
    if at < data.len() {
        tracing::warn!(
            group,
            segment = %seg.name,
            valid_bytes = at,
            dropped_bytes = data.len() - at,
            "raft log: torn tail after a crash, keeping the valid prefix"
        );
        disk.truncate(&seg.name, at as u64)
            .map_err(|e| LogError::io(format!("truncate torn tail of {}", seg.name), e))?;
    }
    seg.bytes = at as u64;
    Ok(seg)
}
