//! Checkpoint mode: a store that is the applied state of a replicated (Raft) log.
//!
//! A replica of a Raft-replicated stream applies committed log entries to its store without
//! syncing each one: the Raft log is the write-ahead log. Now and then it calls
//! [`FileStore::checkpoint`], which appends a `Checkpoint { index }` record after the changes
//! and syncs them together (one write, one fdatasync). Opened with
//! [`FileStore::open_checkpointed`], the store comes back as of its last durable checkpoint:
//! every record after the last checkpoint record (changes written to the file but not yet
//! covered by a checkpoint, or half written) is cut off first, so the store never holds an
//! effect of a log entry it does not count as applied, and replaying the log from
//! [`FileStore::checkpoint_index`]` + 1` applies every later entry exactly once.
//!
//! Only the newest segment's last checkpoint matters: a checkpoint is the last record of
//! its sync, so it always sits in the newest segment, and compaction (which never touches
//! the newest segment) drops older checkpoint records as dead bytes.

use std::fs;
use std::path::Path;

use rill_core::jetstream::store::record::{decode, RecordRef, CHECKPOINT_RECORD_BYTES};
use rill_core::jetstream::store::{MsgStore, StoreError};

use super::segment::{self, HEADER_BYTES, MAGIC};
use super::{FileStore, FileStoreConfig};

/// Where the last checkpoint record of a store ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    segment: u32,
    end: u64,
    index: u64,
}

fn io_fatal(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Fatal(format!("{what} {}: {e}", path.display()))
}

/// Finds the last checkpoint record, reading segments in id order.
fn last_mark(dir: &Path, ids: &[u32]) -> Result<Option<Mark>, StoreError> {
    let mut mark = None;
    for &id in ids {
        let path = segment::segment_path(dir, id);
        let data = fs::read(&path).map_err(|e| io_fatal("reading", &path, e))?;
        if data.len() < HEADER_BYTES as usize || data[..HEADER_BYTES as usize] != MAGIC[..] {
            continue;
        }
        let mut at = HEADER_BYTES as usize;
        while let Ok(Some((rec, n))) = decode(&data[at..]) {
            at += n;
            if let RecordRef::Checkpoint { index } = rec {
                mark = Some(Mark {
                    segment: id,
                    end: at as u64,
                    index,
                });
            }
        }
    }
    Ok(mark)
}

/// Cuts every record after `mark` (all of them when there is no checkpoint).
fn cut_after(dir: &Path, ids: &[u32], mark: Option<Mark>) -> Result<(), StoreError> {
    for &id in ids {
        let path = segment::segment_path(dir, id);
        match mark {
            Some(m) if id < m.segment => {}
            Some(m) if id == m.segment => {
                let len = fs::metadata(&path)
                    .map_err(|e| io_fatal("reading", &path, e))?
                    .len();
                if len > m.end {
                    tracing::info!(dir = %dir.display(), segment = id, bytes = len - m.end, index = m.index,
                        "filestore: cutting changes made after the last checkpoint");
                    fs::OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .and_then(|f| {
                            f.set_len(m.end)?;
                            f.sync_all()
                        })
                        .map_err(|e| io_fatal("truncating", &path, e))?;
                }
            }
            _ => {
                tracing::info!(dir = %dir.display(), segment = id, "filestore: removing a segment written after the last checkpoint");
                fs::remove_file(&path).map_err(|e| io_fatal("removing", &path, e))?;
            }
        }
    }
    let removed = mark.map_or(!ids.is_empty(), |m| ids.iter().any(|&id| id > m.segment));
    if removed {
        segment::sync_dir(dir).map_err(|e| io_fatal("syncing", dir, e))?;
    }
    Ok(())
}

fn segment_ids(dir: &Path) -> Result<Vec<u32>, StoreError> {
    let mut ids = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ids),
        Err(e) => return Err(io_fatal("listing", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| io_fatal("listing", dir, e))?;
        if let Some(id) = entry
            .file_name()
            .to_str()
            .and_then(segment::parse_segment_name)
        {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

impl FileStore {
    /// Opens the store as of its last durable checkpoint (see the module docs); a store
    /// without any checkpoint opens empty.
    pub fn open_checkpointed(
        dir: impl AsRef<Path>,
        cfg: FileStoreConfig,
    ) -> Result<FileStore, StoreError> {
        let dir = dir.as_ref();
        let ids = segment_ids(dir)?;
        let mark = last_mark(dir, &ids)?;
        cut_after(dir, &ids, mark)?;
        let mut store = FileStore::open(dir, cfg)?;
        store.checkpoint_index = mark.map_or(0, |m| m.index);
        Ok(store)
    }

    /// Makes every change so far durable as the state after log entry `index`.
    pub fn checkpoint(&mut self, index: u64) -> Result<(), StoreError> {
        self.check_usable()?;
        let (seg, _) = self.ensure_room(CHECKPOINT_RECORD_BYTES)?;
        self.put_record(&RecordRef::Checkpoint { index })?;
        self.segs.entry(seg).or_default().dead_bytes += CHECKPOINT_RECORD_BYTES as u64;
        self.sync()?;
        self.checkpoint_index = index;
        Ok(())
    }

    /// The log index of the last checkpoint (0: none).
    pub fn checkpoint_index(&self) -> u64 {
        self.checkpoint_index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    use super::super::tests::TempDir;

    fn put(s: &mut FileStore, n: u64) {
        for i in 0..n {
            s.append(
                Bytes::from(format!("s.{i}")),
                None,
                Bytes::from(vec![b'x'; 100]),
                1,
            )
            .unwrap();
        }
    }

    fn small() -> FileStoreConfig {
        FileStoreConfig {
            segment_bytes_max: 4096,
            cache_bytes_max: 0,
        }
    }

    #[test]
    fn changes_after_the_last_checkpoint_are_cut_on_open() {
        let tmp = TempDir::new("ckpt");
        let dir = tmp.path();
        {
            let mut s = FileStore::open_checkpointed(dir, small()).unwrap();
            put(&mut s, 10);
            s.checkpoint(7).unwrap();
            put(&mut s, 100); // spans several segments, synced but not checkpointed
            s.sync().unwrap();
            s.remove(3).unwrap();
            s.sync().unwrap();
        }
        let s = FileStore::open_checkpointed(dir, small()).unwrap();
        assert_eq!(s.checkpoint_index(), 7);
        let st = s.state();
        assert_eq!((st.messages, st.last_seq), (10, 10));
        assert!(s.get(3).unwrap().is_some());
    }

    #[test]
    fn a_store_without_checkpoint_opens_empty() {
        let tmp = TempDir::new("ckpt");
        let dir = tmp.path();
        {
            let mut s = FileStore::open_checkpointed(dir, small()).unwrap();
            put(&mut s, 5);
            s.sync().unwrap();
        }
        let s = FileStore::open_checkpointed(dir, small()).unwrap();
        assert_eq!(s.checkpoint_index(), 0);
        assert_eq!(s.state().messages, 0);
    }

    #[test]
    fn checkpoints_survive_compaction_and_rolls() {
        let tmp = TempDir::new("ckpt");
        let dir = tmp.path();
        {
            let mut s = FileStore::open_checkpointed(dir, small()).unwrap();
            for round in 1..=20u64 {
                put(&mut s, 20);
                // Remove most of the older messages so compaction and deletion kick in.
                let last = s.state().last_seq;
                for seq in last.saturating_sub(20)..last.saturating_sub(2) {
                    let _ = s.remove(seq);
                }
                s.checkpoint(round).unwrap();
            }
        }
        let s = FileStore::open_checkpointed(dir, small()).unwrap();
        assert_eq!(s.checkpoint_index(), 20);
        assert_eq!(s.state().last_seq, 400);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Append(u8),
        Remove(u64),
        Purge(u64),
        Checkpoint,
        Sync,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            6 => (0u8..4).prop_map(Op::Append),
            2 => (1u64..60).prop_map(Op::Remove),
            1 => (1u64..60).prop_map(Op::Purge),
            2 => Just(Op::Checkpoint),
            1 => Just(Op::Sync),
        ]
    }

    fn apply<S: MsgStore>(s: &mut S, op: &Op) {
        match op {
            Op::Append(subj) => {
                s.append(
                    Bytes::from(format!("s.{subj}")),
                    None,
                    Bytes::from_static(b"payload"),
                    5,
                )
                .unwrap();
            }
            Op::Remove(seq) => {
                let _ = s.remove(*seq);
            }
            Op::Purge(up_to) => {
                let req = rill_core::jetstream::store::PurgeRequest {
                    up_to_seq: Some(*up_to),
                    ..Default::default()
                };
                let _ = s.purge(&req);
            }
            Op::Checkpoint | Op::Sync => {}
        }
    }

    fn contents<S: MsgStore>(s: &S) -> Vec<(u64, Bytes)> {
        let mut out = Vec::new();
        let mut seq = 1;
        while let Ok(Some(m)) = s.next_matching(seq, None) {
            seq = m.seq + 1;
            out.push((m.seq, m.subject));
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn reopen_returns_exactly_the_last_checkpoint(ops in proptest::collection::vec(op(), 1..120)) {
            let tmp = TempDir::new("ckpt-prop");
            let dir = tmp.path();
            let mut model = rill_core::jetstream::store::MemStore::new();
            let mut at_checkpoint = (0u64, Vec::new(), model.state());
            let mut index = 0;
            {
                let mut s = FileStore::open_checkpointed(dir, small()).unwrap();
                for op in &ops {
                    index += 1;
                    apply(&mut s, op);
                    apply(&mut model, op);
                    match op {
                        Op::Checkpoint => {
                            s.checkpoint(index).unwrap();
                            at_checkpoint = (index, contents(&model), model.state());
                        }
                        Op::Sync => s.sync().unwrap(),
                        _ => {}
                    }
                }
                s.sync().unwrap();
            }
            let s = FileStore::open_checkpointed(dir, small()).unwrap();
            proptest::prop_assert_eq!(s.checkpoint_index(), at_checkpoint.0);
            proptest::prop_assert_eq!(contents(&s), at_checkpoint.1);
            proptest::prop_assert_eq!(s.state().last_seq, at_checkpoint.2.last_seq);
        }
    }
}
