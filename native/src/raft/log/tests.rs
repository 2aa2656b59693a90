//! Log store units: append, read, truncate, purge, vote, reopen, torn tail, corruption.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use openraft::storage::{RaftLogStorage, RaftLogStorageExt};
use openraft::{CommittedLeaderId, EntryPayload, RaftLogReader};

use super::LogStore;
use crate::raft::types::{Command, Entry, LogId, Vote};
use crate::raft::{Disk, LogError, MemDisk};

fn id(term: u64, index: u64) -> LogId {
    LogId::new(CommittedLeaderId::new(term, 1), index)
}

fn entry(term: u64, index: u64) -> Entry {
    Entry {
        log_id: id(term, index),
        payload: EntryPayload::Normal(Command(vec![index.to_le_bytes().to_vec()])),
    }
}

async fn open(disk: &MemDisk, floor: u64) -> Result<LogStore, LogError> {
    LogStore::open(
        disk.handle(),
        "t",
        None,
        Arc::new(AtomicU64::new(floor)),
        Arc::default(),
        4096,
    )
    .await
}

async fn indexes(store: &mut LogStore) -> Vec<u64> {
    let all = store.try_get_log_entries(..).await.unwrap();
    all.iter().map(|e| e.log_id.index).collect()
}

#[tokio::test]
async fn raft_log_append_truncate_purge_vote_survive_reopen() {
    let disk = MemDisk::new();
    let mut s = open(&disk, u64::MAX).await.unwrap();
    s.blocking_append((0..10).map(|i| entry(1, i)))
        .await
        .unwrap();
    s.truncate(id(1, 7)).await.unwrap();
    s.blocking_append((7..12).map(|i| entry(2, i)))
        .await
        .unwrap();
    s.purge(id(1, 3)).await.unwrap();
    let mut vote = Vote::new(2, 3);
    vote.commit();
    s.save_vote(&vote).await.unwrap();
    s.save_committed(Some(id(2, 9))).await.unwrap();
    s.blocking_append([entry(2, 12)]).await.unwrap();
    assert_eq!(indexes(&mut s).await, (4..13).collect::<Vec<_>>());
    drop(s);

    let mut s = open(&disk, u64::MAX).await.unwrap();
    assert_eq!(indexes(&mut s).await, (4..13).collect::<Vec<_>>());
    let got = s.try_get_log_entries(7..9).await.unwrap();
    assert_eq!(got, vec![entry(2, 7), entry(2, 8)]);
    assert_eq!(s.read_vote().await.unwrap(), Some(vote));
    assert_eq!(s.read_committed().await.unwrap(), Some(id(2, 9)));
    let st = s.get_log_state().await.unwrap();
    assert_eq!(st.last_purged_log_id, Some(id(1, 3)));
    assert_eq!(st.last_log_id, Some(id(2, 12)));
}

#[tokio::test]
async fn raft_log_segments_rotate_and_purged_ones_are_deleted() {
    let disk = MemDisk::new();
    let mut s = open(&disk, u64::MAX).await.unwrap();
    for i in 0..1000 {
        s.blocking_append([entry(1, i)]).await.unwrap();
    }
    let before = disk.handle().list().unwrap().len();
    assert!(before > 3, "4 KiB segments rotate ({before} files)");
    s.purge(id(1, 980)).await.unwrap();
    let after = disk.handle().list().unwrap().len();
    assert!(
        after < before,
        "purged segments deleted ({before} -> {after})"
    );
    drop(s);
    let mut s = open(&disk, u64::MAX).await.unwrap();
    assert_eq!(indexes(&mut s).await, (981..1000).collect::<Vec<_>>());
    assert_eq!(
        s.get_log_state().await.unwrap().last_purged_log_id,
        Some(id(1, 980))
    );
}

#[tokio::test]
async fn raft_log_torn_tail_keeps_valid_prefix() {
    let disk = MemDisk::new();
    let mut s = open(&disk, u64::MAX).await.unwrap();
    s.blocking_append((0..5).map(|i| entry(1, i)))
        .await
        .unwrap();
    // Written but never synced: a crash keeps part of it.
    s.truncate(id(1, 5)).await.unwrap();
    drop(s);
    disk.crash(|unsynced| unsynced / 2);
    let mut s = open(&disk, u64::MAX).await.unwrap();
    assert_eq!(indexes(&mut s).await, vec![0, 1, 2, 3, 4]);
    s.blocking_append([entry(1, 5)]).await.unwrap();
    drop(s);
    let mut s = open(&disk, u64::MAX).await.unwrap();
    assert_eq!(indexes(&mut s).await, vec![0, 1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn raft_log_unsynced_appends_are_lost_on_crash_but_synced_ones_stay() {
    let disk = MemDisk::new();
    let mut s = open(&disk, u64::MAX).await.unwrap();
    s.blocking_append((0..3).map(|i| entry(1, i)))
        .await
        .unwrap();
    // Truncate is not synced on its own: the crash may drop it (here: fully).
    s.truncate(id(1, 1)).await.unwrap();
    drop(s);
    disk.crash(|_| 0);
    let mut s = open(&disk, u64::MAX).await.unwrap();
    assert_eq!(indexes(&mut s).await, vec![0, 1, 2]);
}

#[tokio::test]
async fn raft_log_corrupt_record_is_an_error_not_a_panic() {
    let disk = MemDisk::new();
    let mut s = open(&disk, u64::MAX).await.unwrap();
    s.blocking_append((0..5).map(|i| entry(1, i)))
        .await
        .unwrap();
    drop(s);
    let h = disk.handle();
    let name = h.list().unwrap()[0].clone();
    let mut bytes = h.read(&name).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    h.write_atomic(&name, bytes).await.unwrap();
    match open(&disk, u64::MAX).await {
        Err(LogError::Corrupt { file, .. }) => assert_eq!(file, name),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("corruption not detected"),
    }
}

#[tokio::test]
async fn raft_log_purge_never_passes_the_durable_checkpoint() {
    let disk = MemDisk::new();
    let mut s = open(&disk, 4).await.unwrap();
    s.blocking_append((0..10).map(|i| entry(1, i)))
        .await
        .unwrap();
    s.purge(id(1, 8)).await.unwrap();
    assert_eq!(indexes(&mut s).await, (4..10).collect::<Vec<_>>());
    assert_eq!(s.purged(), Some(id(1, 3)));
}

#[tokio::test]
async fn raft_log_gap_after_installed_snapshot_is_repaired_from_the_checkpoint() {
    let disk = MemDisk::new();
    let mut s = open(&disk, u64::MAX).await.unwrap();
    s.blocking_append((0..5).map(|i| entry(1, i)))
        .await
        .unwrap();
    // A snapshot up to 9 was installed; entries past it arrive before the purge.
    s.blocking_append((10..12).map(|i| entry(2, i)))
        .await
        .unwrap();
    drop(s);
    let floor = Arc::new(AtomicU64::new(10));
    assert!(matches!(
        LogStore::open(
            disk.handle(),
            "t",
            None,
            floor.clone(),
            Arc::default(),
            4096
        )
        .await,
        Err(LogError::Corrupt { .. })
    ));
    let cp = Some(id(2, 9));
    let mut s = LogStore::open(disk.handle(), "t", cp, floor.clone(), Arc::default(), 4096)
        .await
        .unwrap();
    assert_eq!(indexes(&mut s).await, vec![10, 11]);
    assert_eq!(s.purged(), cp);
    drop(s);
    let mut s = LogStore::open(disk.handle(), "t", None, floor, Arc::default(), 4096)
        .await
        .unwrap();
    assert_eq!(indexes(&mut s).await, vec![10, 11], "the repair is durable");
}
