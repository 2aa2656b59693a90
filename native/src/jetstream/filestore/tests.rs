//! Tests of the file store: the core conformance suite and model checks, then what only a
//! file store has (recovery from torn and corrupt files, segment roll, deletion, compaction,
//! sticky failure), and throughput printed for the record.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use rill_core::jetstream::store::conformance::{
    apply_and_compare_in, assert_same_contents, random_op, run_all, run_persistence, Model, OpRng,
    StoreOp,
};
use rill_core::jetstream::store::record::{decode, msg_record_bytes, RecordRef};
use rill_core::jetstream::store::{MemStore, MsgStore, PurgeRequest, StoreError};

use super::{CutReason, FileStore, FileStoreConfig};

/// A directory under the system temp dir, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new(tag: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("rill-filestore-{tag}-{}-{n}-{nanos}", std::process::id());
        TempDir(std::env::temp_dir().join(name))
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if fs::remove_dir_all(&self.0).is_err() {
            let _ = fs::remove_file(&self.0);
        }
    }
}

/// Smallest segments and no cache: every path (roll, delete, compact, pread) gets exercised.
fn tiny() -> FileStoreConfig {
    FileStoreConfig {
        segment_bytes_max: 4096,
        cache_bytes_max: 0,
    }
}

fn open(dir: &Path, cfg: FileStoreConfig) -> FileStore {
    FileStore::open(dir, cfg).unwrap()
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "blk"))
        .collect();
    files.sort();
    files
}

fn files_with_suffix(dir: &Path, suffix: &str) -> usize {
    fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(suffix)
        })
        .count()
}

fn append_n(store: &mut FileStore, n: u64, payload_len: usize) {
    for i in 0..n {
        let subject = Bytes::from(format!("orders.{}", i % 7));
        store
            .append(
                subject,
                None,
                Bytes::from(vec![b'p'; payload_len]),
                i as i64,
            )
            .unwrap();
    }
}

/// Frame boundaries of a segment file: `(start, end, message seq if any)`.
fn frames(data: &[u8]) -> Vec<(usize, usize, Option<u64>)> {
    let mut at = 8;
    let mut out = Vec::new();
    while let Ok(Some((rec, n))) = decode(&data[at..]) {
        let seq = match rec {
            RecordRef::Msg(m) => Some(m.seq),
            _ => None,
        };
        out.push((at, at + n, seq));
        at += n;
    }
    assert_eq!(
        at,
        data.len(),
        "test setup: segment does not decode to its end"
    );
    out
}

#[test]
fn conformance_suite_passes_with_default_and_tiny_segments() {
    for cfg in [FileStoreConfig::default(), tiny()] {
        let mut dirs = Vec::new();
        run_all(&mut || {
            let dir = TempDir::new("conf");
            let store = open(dir.path(), cfg);
            dirs.push(dir);
            store
        });
    }
}

#[test]
fn conformance_persistence_passes() {
    for cfg in [FileStoreConfig::default(), tiny()] {
        let root = TempDir::new("persist");
        run_persistence(&mut |name| open(&root.path().join(name), cfg));
    }
}

/// Random operations compared with the model after every step, with segments small enough
/// to roll, delete and compact all the time, and a sync + reopen every few dozen steps.
#[test]
fn random_operations_match_the_model_across_reopens() {
    for seed in 1..=12u64 {
        let dir = TempDir::new("model");
        let mut store = open(dir.path(), tiny());
        let mut model = Model::new();
        let mut rng = OpRng::new(seed);
        for step in 0..1500 {
            let mut op = random_op(&mut rng, &model);
            if let StoreOp::Append { payload, .. } = &mut op {
                // Bigger payloads: more segments.
                *payload = Bytes::from(vec![b'x'; payload.len() * 10]);
            }
            apply_and_compare_in(
                &mut store,
                &mut model,
                &op,
                &format!(" (seed {seed}, step {step})"),
            );
            if step % 50 == 49 {
                store.sync().unwrap();
                drop(store);
                store = open(dir.path(), tiny());
                assert!(store.recovery_cuts().is_empty(), "seed {seed} step {step}");
                assert_same_contents(
                    &model,
                    &store,
                    &format!(" reopened (seed {seed}, step {step})"),
                );
                assert_eq!(segment_files(dir.path()).len(), store.segment_count());
            }
        }
    }
}

#[test]
fn reopen_after_sync_keeps_messages_gaps_purges_and_skip_to() {
    let dir = TempDir::new("reopen");
    let mut store = open(dir.path(), FileStoreConfig::default());
    store.skip_to(100).unwrap();
    append_n(&mut store, 20, 10);
    store
        .append(
            Bytes::from_static(b"h"),
            Some(Bytes::new()),
            Bytes::new(),
            5,
        )
        .unwrap();
    store.remove(105).unwrap();
    store
        .purge(&PurgeRequest {
            up_to_seq: Some(103),
            ..Default::default()
        })
        .unwrap();
    let filter = Some(Bytes::from_static(b"orders.3"));
    store
        .purge(&PurgeRequest {
            filter,
            ..Default::default()
        })
        .unwrap();
    store.sync().unwrap();
    let want = Model::copy_of(&store).unwrap();
    let state = store.state();
    drop(store);
    let mut store = open(dir.path(), FileStoreConfig::default());
    assert_same_contents(&want, &store, " after reopen");
    assert_eq!(store.state(), state);
    assert_eq!(store.get(120).unwrap().unwrap().headers, Some(Bytes::new()));
    store.purge(&PurgeRequest::default()).unwrap();
    store.skip_to(500).unwrap();
    store.sync().unwrap();
    drop(store);
    let mut store = open(dir.path(), FileStoreConfig::default());
    assert_eq!(
        (store.state().first_seq, store.state().last_seq),
        (500, 499)
    );
    assert_eq!(
        store
            .append(Bytes::from_static(b"a"), None, Bytes::new(), 1)
            .unwrap(),
        500
    );
}

#[test]
fn truncation_at_every_offset_keeps_exactly_the_complete_records() {
    let src = TempDir::new("trunc-src");
    let mut store = open(src.path(), FileStoreConfig::default());
    append_n(&mut store, 6, 30);
    store.remove(2).unwrap();
    store.sync().unwrap();
    drop(store);
    let seg = segment_files(src.path()).remove(0);
    let data = fs::read(&seg).unwrap();
    let bounds = frames(&data);
    for cut in 0..=data.len() {
        let dir = TempDir::new("trunc");
        fs::create_dir_all(dir.path()).unwrap();
        fs::write(dir.path().join(seg.file_name().unwrap()), &data[..cut]).unwrap();
        let mut store = open(dir.path(), FileStoreConfig::default());
        let complete: Vec<_> = bounds.iter().filter(|f| f.1 <= cut).collect();
        let last_seq = complete.iter().filter_map(|f| f.2).max().unwrap_or(0);
        let removed_2 = complete.len() == bounds.len();
        let held = complete.iter().filter(|f| f.2.is_some()).count() - usize::from(removed_2);
        let ctx = format!("cut at {cut} of {}", data.len());
        assert_eq!(store.state().messages, held as u64, "{ctx}");
        assert_eq!(store.state().last_seq, last_seq, "{ctx}");
        let torn = cut >= 8 && !bounds.iter().any(|f| f.1 == cut) && cut != 8;
        assert_eq!(store.recovery_cuts().len(), usize::from(torn), "{ctx}");
        if torn {
            assert_eq!(store.recovery_cuts()[0].reason, CutReason::Torn, "{ctx}");
        }
        // The store goes on: the next append continues the sequence and survives a reopen.
        let next = store
            .append(Bytes::from_static(b"x"), None, Bytes::new(), 0)
            .unwrap();
        assert_eq!(next, last_seq + 1, "{ctx}");
        store.sync().unwrap();
        drop(store);
        let store = open(dir.path(), FileStoreConfig::default());
        assert!(store.recovery_cuts().is_empty(), "{ctx}");
        assert_eq!(store.state().last_seq, next, "{ctx}");
    }
}

#[test]
fn a_corrupt_byte_keeps_the_records_before_it_at_every_offset() {
    let src = TempDir::new("corrupt-src");
    let mut store = open(src.path(), FileStoreConfig::default());
    append_n(&mut store, 5, 20);
    store.sync().unwrap();
    drop(store);
    let seg = segment_files(src.path()).remove(0);
    let data = fs::read(&seg).unwrap();
    let bounds = frames(&data);
    for at in 0..data.len() {
        let dir = TempDir::new("corrupt");
        fs::create_dir_all(dir.path()).unwrap();
        let mut bad = data.clone();
        bad[at] ^= 0x10;
        fs::write(dir.path().join(seg.file_name().unwrap()), &bad).unwrap();
        let store = open(dir.path(), FileStoreConfig::default());
        let before: Vec<u64> = bounds
            .iter()
            .filter(|f| f.1 <= at)
            .filter_map(|f| f.2)
            .collect();
        let held: Vec<u64> = (1..=5)
            .filter(|&s| store.get(s).unwrap().is_some())
            .collect();
        assert_eq!(held, if at < 8 { vec![] } else { before }, "flip at {at}");
        assert_eq!(store.recovery_cuts().len(), 1, "flip at {at}");
        assert_eq!(
            files_with_suffix(dir.path(), ".corrupt"),
            1 - usize::from(matches!(
                store.recovery_cuts()[0].reason,
                CutReason::Torn | CutReason::Zeros
            ))
        );
    }
}

#[test]
fn corruption_in_a_middle_segment_keeps_later_segments() {
    let dir = TempDir::new("corrupt-mid");
    let mut store = open(dir.path(), tiny());
    append_n(&mut store, 300, 40);
    store.sync().unwrap();
    drop(store);
    let files = segment_files(dir.path());
    assert!(files.len() >= 4, "{} segments", files.len());
    let victim = &files[1];
    let data = fs::read(victim).unwrap();
    let bounds = frames(&data);
    let (start, end, _) = bounds[bounds.len() / 2];
    let lost: Vec<u64> = bounds
        .iter()
        .filter(|f| f.0 >= start)
        .filter_map(|f| f.2)
        .collect();
    let mut bad = data.clone();
    bad[(start + end) / 2] ^= 0xff;
    fs::write(victim, &bad).unwrap();
    let store = open(dir.path(), tiny());
    assert!(matches!(
        store.recovery_cuts()[0].reason,
        CutReason::Corrupt(_)
    ));
    for seq in 1..=300 {
        assert_eq!(
            store.get(seq).unwrap().is_some(),
            !lost.contains(&seq),
            "seq {seq}"
        );
    }
    assert_eq!(store.state().last_seq, 300);
    assert_eq!(store.state().messages, 300 - lost.len() as u64);
    assert_eq!(fs::metadata(victim).unwrap().len(), start as u64);
}

#[test]
fn a_record_damaged_after_opening_reads_as_corrupt() {
    let dir = TempDir::new("bitrot");
    let mut store = open(dir.path(), tiny());
    append_n(&mut store, 3, 20);
    store.sync().unwrap();
    let seg = segment_files(dir.path()).remove(0);
    let mut data = fs::read(&seg).unwrap();
    let (start, end, _) = frames(&data)[2]; // message 2
    data[(start + end) / 2] ^= 1;
    fs::write(&seg, &data).unwrap();
    assert!(matches!(store.get(2), Err(StoreError::Corrupt(_))));
    assert_eq!(store.get(1).unwrap().unwrap().seq, 1);
}

#[test]
fn segments_roll_and_fully_removed_segments_are_deleted() {
    let dir = TempDir::new("roll");
    let mut store = open(dir.path(), tiny());
    append_n(&mut store, 1000, 40);
    store.sync().unwrap();
    let rolled = segment_files(dir.path()).len();
    assert!(rolled > 10, "{rolled} segments");
    for file in segment_files(dir.path()) {
        assert!(fs::metadata(file).unwrap().len() <= 4096);
    }
    store
        .purge(&PurgeRequest {
            up_to_seq: Some(990),
            ..Default::default()
        })
        .unwrap();
    store.sync().unwrap();
    let left = segment_files(dir.path()).len();
    assert!(left <= 2, "{left} segments left of {rolled}");
    assert_eq!(left, store.segment_count());
    let want = Model::copy_of(&store).unwrap();
    drop(store);
    assert_same_contents(&want, &open(dir.path(), tiny()), " after reopen");
}

#[test]
fn acks_from_the_front_delete_segments_and_their_tombstones() {
    // A work queue: every message removed one by one, tombstones landing in newer segments.
    let dir = TempDir::new("acks");
    let mut store = open(dir.path(), tiny());
    let mut next_ack = 1;
    for round in 0..40 {
        append_n(&mut store, 50, 40);
        let last = store.state().last_seq;
        let upto = if round == 39 { last } else { last - 20 };
        while next_ack <= upto {
            assert!(store.remove(next_ack).unwrap());
            next_ack += 1;
        }
        store.sync().unwrap();
    }
    for _ in 0..5 {
        store.sync().unwrap();
    }
    assert_eq!(store.state().messages, 0);
    let left = segment_files(dir.path()).len();
    assert!(left <= 3, "{left} segments left for an empty stream");
    let state = store.state();
    drop(store);
    let store = open(dir.path(), tiny());
    assert_eq!(store.state(), state);
}

#[test]
fn compaction_rewrites_mostly_removed_segments() {
    let dir = TempDir::new("compact");
    let mut store = open(dir.path(), tiny());
    append_n(&mut store, 600, 40);
    store.sync().unwrap();
    let before: u64 = segment_files(dir.path())
        .iter()
        .map(|f| fs::metadata(f).unwrap().len())
        .sum();
    for seq in 1..=600u64 {
        if seq % 4 != 0 {
            store.remove(seq).unwrap();
        }
    }
    for _ in 0..40 {
        store.sync().unwrap();
    }
    let after: u64 = segment_files(dir.path())
        .iter()
        .map(|f| fs::metadata(f).unwrap().len())
        .sum();
    assert!(
        store.stats().segments_compacted >= 10,
        "{:?}",
        store.stats()
    );
    assert!(after * 2 < before, "{before} bytes before, {after} after");
    assert_eq!(files_with_suffix(dir.path(), ".tmp"), 0);
    for seq in (4..=600u64).step_by(4) {
        assert_eq!(store.get(seq).unwrap().unwrap().seq, seq);
    }
    let want = Model::copy_of(&store).unwrap();
    drop(store);
    let store = open(dir.path(), tiny());
    assert!(store.recovery_cuts().is_empty());
    assert_same_contents(&want, &store, " after compaction and reopen");
}

#[test]
fn a_tombstone_outlives_compaction_while_its_message_is_on_disk() {
    let dir = TempDir::new("ghost");
    let mut store = open(dir.path(), tiny());
    append_n(&mut store, 60, 40); // the first segments, kept alive by their other messages
    store.sync().unwrap();
    // Removed from the middle, so no floor covers it: only the tombstone hides it.
    store.remove(30).unwrap();
    append_n(&mut store, 200, 40);
    let last = store.state().last_seq;
    for seq in 61..=last - 5 {
        store.remove(seq).unwrap(); // makes the tombstone's segment mostly dead
    }
    for _ in 0..40 {
        store.sync().unwrap();
    }
    let stats = store.stats();
    assert!(
        stats.segments_compacted > 0 && stats.segments_deleted > 0,
        "{stats:?}"
    );
    drop(store);
    let store = open(dir.path(), tiny());
    assert_eq!(store.get(30).unwrap(), None, "removed message came back");
    assert_eq!(store.get(29).unwrap().unwrap().seq, 29);
    assert_eq!(store.state().messages, 59 + 5);
}

/// Removals by tombstone only (unfiltered purges replaced), so that nothing but tombstones
/// hides removed messages, across syncs, compactions and reopens.
#[test]
fn random_removals_without_floors_match_the_model_across_reopens() {
    for seed in 100..=103u64 {
        let dir = TempDir::new("model-tombs");
        let mut store = open(dir.path(), tiny());
        let mut model = Model::new();
        let mut rng = OpRng::new(seed);
        let (mut compacted, mut deleted) = (0, 0);
        for step in 0..2000 {
            let op = match random_op(&mut rng, &model) {
                StoreOp::Purge(req) if req.filter.is_none() => StoreOp::Sync,
                StoreOp::Append {
                    subject,
                    headers,
                    time,
                    ..
                } => StoreOp::Append {
                    subject,
                    headers,
                    payload: Bytes::from(vec![b'x'; 60]),
                    time,
                },
                op => op,
            };
            apply_and_compare_in(
                &mut store,
                &mut model,
                &op,
                &format!(" (seed {seed}, step {step})"),
            );
            if step % 100 == 99 {
                store.sync().unwrap();
                compacted += store.stats().segments_compacted;
                deleted += store.stats().segments_deleted;
                drop(store);
                store = open(dir.path(), tiny());
                assert_same_contents(
                    &model,
                    &store,
                    &format!(" reopened (seed {seed}, step {step})"),
                );
            }
        }
        assert!(
            compacted > 0 && deleted > 0,
            "seed {seed}: {compacted} compacted, {deleted} deleted"
        );
    }
}

#[test]
fn unsynced_changes_are_readable_drop_syncs_and_abandon_loses_them() {
    let dir = TempDir::new("unsynced");
    let mut store = open(dir.path(), tiny());
    append_n(&mut store, 3, 5);
    assert_eq!(
        store.get(2).unwrap().unwrap().payload,
        Bytes::from_static(b"ppppp")
    );
    drop(store);
    let mut store = open(dir.path(), tiny());
    assert_eq!(store.state().messages, 3);
    append_n(&mut store, 3, 5);
    store.abandon();
    let store = open(dir.path(), tiny());
    assert_eq!(store.state().messages, 3);
}

#[test]
fn leftovers_are_cleaned_and_headerless_files_moved_aside() {
    let dir = TempDir::new("leftovers");
    let mut store = open(dir.path(), FileStoreConfig::default());
    append_n(&mut store, 3, 5);
    store.sync().unwrap();
    drop(store);
    fs::write(dir.path().join("0000000001.tmp"), b"half a rewrite").unwrap();
    fs::write(dir.path().join("0000000002.blk"), b"garbage!!").unwrap();
    fs::write(dir.path().join("0000000003.blk"), b"RILL").unwrap();
    let mut store = open(dir.path(), FileStoreConfig::default());
    assert_eq!(store.state().messages, 3);
    assert_eq!(store.recovery_cuts()[0].reason, CutReason::BadHeader);
    assert_eq!(files_with_suffix(dir.path(), ".tmp"), 0);
    assert_eq!(files_with_suffix(dir.path(), ".blk.corrupt"), 1);
    assert_eq!(segment_files(dir.path()).len(), 1);
    assert_eq!(
        store
            .append(Bytes::from_static(b"a"), None, Bytes::new(), 0)
            .unwrap(),
        4
    );
}

#[test]
fn a_failed_write_is_fatal_and_sticky() {
    let dir = TempDir::new("fatal");
    let mut store = open(dir.path(), tiny());
    append_n(&mut store, 5, 40);
    store.sync().unwrap();
    // Replace the directory with a file: the next segment cannot be created.
    fs::remove_dir_all(dir.path()).unwrap();
    fs::write(dir.path(), b"not a directory").unwrap();
    let mut result = Ok(0);
    for _ in 0..200 {
        result = store.append(Bytes::from_static(b"a"), None, Bytes::from(vec![0; 40]), 0);
        if result.is_err() {
            break;
        }
    }
    assert!(matches!(result, Err(StoreError::Fatal(_))), "{result:?}");
    assert!(matches!(store.sync(), Err(StoreError::Fatal(_))));
    assert!(matches!(store.remove(1), Err(StoreError::Fatal(_))));
    assert!(matches!(store.skip_to(10_000), Err(StoreError::Fatal(_))));
}

#[test]
fn a_record_beyond_the_limits_is_refused_without_harm() {
    let dir = TempDir::new("limits");
    let mut store = open(dir.path(), FileStoreConfig::default());
    let subject = Bytes::from(vec![b's'; 70_000]);
    assert!(store.append(subject, None, Bytes::new(), 0).is_err());
    assert_eq!(
        store
            .append(Bytes::from_static(b"ok"), None, Bytes::new(), 0)
            .unwrap(),
        1
    );
    store.sync().unwrap();
}

fn throughput(store: &mut dyn MsgStore, n: u64, batch: u64) -> f64 {
    let payload = Bytes::from(vec![b'p'; 128]);
    let subject = Bytes::from_static(b"bench.orders");
    let started = Instant::now();
    for i in 0..n {
        store
            .append(subject.clone(), None, payload.clone(), i as i64)
            .unwrap();
        if i % batch == batch - 1 {
            store.sync().unwrap();
        }
    }
    store.sync().unwrap();
    n as f64 / started.elapsed().as_secs_f64()
}

/// Resident memory of this process in KiB (0 where /proc is missing).
fn rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap_or("");
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Reopens the (synced) store in `dir` a second time, read only, and prints disk use,
/// reopen time and the memory the reopened index takes.
fn report(label: &str, n: u64, dir: &Path) {
    let dir_bytes: u64 = segment_files(dir)
        .iter()
        .map(|f| fs::metadata(f).unwrap().len())
        .sum();
    let rss_before = rss_kib();
    let started = Instant::now();
    let store = open(dir, FileStoreConfig::default());
    let reopen = started.elapsed();
    let rss_growth_kib = rss_kib().saturating_sub(rss_before);
    assert_eq!(store.state().messages, n);
    println!(
        "{label}: {n} msgs, {:.1} MB on disk ({} B/record, frame {} B), reopened in {:.0} ms, \
         RSS +{:.1} MB after reopening ({} B/message)",
        dir_bytes as f64 / 1e6,
        dir_bytes / n,
        msg_record_bytes(12, 0, 128),
        reopen.as_secs_f64() * 1e3,
        rss_growth_kib as f64 / 1024.0,
        rss_growth_kib * 1024 / n,
    );
}

#[test]
fn append_and_sync_100k_messages_prints_throughput() {
    let dir = TempDir::new("100k");
    let mut store = open(dir.path(), FileStoreConfig::default());
    let rate = throughput(&mut store, 100_000, 1000);
    println!("filestore: 100k x 128 B, sync every 1000: {rate:.0} records/s");
    report("filestore 100k", 100_000, dir.path());
}

/// `cargo test -p rill --release --lib filestore_append_throughput -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run by hand with --release"]
fn filestore_append_throughput() {
    const N: u64 = 1_000_000;
    let dir = TempDir::new("bench");
    let mut store = open(dir.path(), FileStoreConfig::default());
    let file_rate = throughput(&mut store, N, 1000);
    println!("filestore: 1M x 128 B, sync every 1000: {file_rate:.0} records/s");
    // Measured while the writer is still alive, so freed memory cannot hide the growth.
    report("filestore 1M", N, dir.path());
    drop(store);
    let dir1 = TempDir::new("bench1");
    let mut store = open(dir1.path(), FileStoreConfig::default());
    let every_rate = throughput(&mut store, 20_000, 1);
    println!("filestore: 20k x 128 B, sync every append: {every_rate:.0} records/s");
    let dir2 = TempDir::new("bench2");
    let mut store = open(dir2.path(), FileStoreConfig::default());
    let cpu_rate = throughput(&mut store, N, N);
    println!("filestore: 1M x 128 B, one sync at the end: {cpu_rate:.0} records/s");
    let mem_rate = throughput(&mut MemStore::new(), N, 1000);
    println!("memstore:  1M x 128 B: {mem_rate:.0} records/s");
}

#[test]
fn a_file_store_can_be_owned_by_any_task() {
    fn owned_anywhere<T: Send + Sync + 'static>() {}
    owned_anywhere::<FileStore>();
}
