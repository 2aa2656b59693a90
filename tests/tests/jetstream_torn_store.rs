//! A file store left damaged by a crash reopens: the server starts, keeps every valid record,
//! drops and logs what is torn or corrupt, and carries on with the next sequence.
//!
//! These tests damage Rill's own segment files (`<store_dir>/jetstream/streams/<name>/msgs/`),
//! so they do not apply to nats-server, whose files differ: under `RILL_SERVER_BIN=nats-server`
//! they return early.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_nats::jetstream::{self, stream};
use rill_tests::server::reference_server;
use rill_tests::{ServerBuilder, TempDir, TestServer};

const MSGS: u64 = 50;

fn start(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

/// Publishes `MSGS` acknowledged messages to stream `LOG`, then kills the server.
async fn fill_and_kill(store: &TempDir) {
    let mut server = start(store);
    let js = jetstream::new(server.connect().await);
    let cfg = stream::Config {
        name: "LOG".into(),
        subjects: vec!["log.>".into()],
        ..Default::default()
    };
    js.create_stream(cfg).await.expect("create stream");
    for i in 1..=MSGS {
        js.publish(format!("log.{}", i % 4), format!("entry {i:04}").into())
            .await
            .expect("publish")
            .await
            .expect("ack");
    }
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(10)).expect("killed");
}

/// The stream's segment files, oldest first.
fn segments(store: &TempDir) -> Vec<PathBuf> {
    let dir = store.path().join("jetstream/streams/LOG/msgs");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "blk"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no segment in {}", dir.display());
    files
}

/// Byte offset in `file` where the record of the message with payload `needle` starts
/// (searching for its subject, which precedes the payload inside the record).
fn find(file: &Path, needle: &[u8]) -> usize {
    let data = fs::read(file).expect("read segment");
    data.windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{:?} not in {}", needle, file.display()))
}

/// Checks the reopened stream holds exactly messages `1..=kept`, readable, and that the
/// next publish continues at `kept + 1`.
async fn check_reopened(server: &TestServer, kept: u64) {
    let js = jetstream::new(server.connect().await);
    let mut s = js.get_stream("LOG").await.expect("stream reopens");
    let info = s.info().await.expect("info");
    assert_eq!(
        (info.state.messages, info.state.last_sequence),
        (kept, kept)
    );
    for seq in [1, kept / 2, kept] {
        let m = s.get_raw_message(seq).await.expect("kept message");
        assert_eq!(m.payload, format!("entry {seq:04}").as_bytes());
    }
    let ack = js
        .publish("log.0", "after".into())
        .await
        .expect("publish")
        .await
        .expect("ack");
    assert_eq!(ack.sequence, kept + 1);
}

#[tokio::test]
async fn a_torn_last_record_is_cut_off_and_the_rest_kept() {
    if reference_server() {
        return;
    }
    let store = TempDir::new();
    fill_and_kill(&store).await;
    // A write torn by the crash: the last record ends halfway.
    let last = segments(&store).pop().expect("segment");
    let len = fs::metadata(&last).expect("stat").len();
    let cut_at = find(&last, format!("entry {MSGS:04}").as_bytes()) as u64;
    assert!(cut_at < len);
    let f = OpenOptions::new().write(true).open(&last).expect("open");
    f.set_len(cut_at).expect("truncate");
    drop(f);

    let server = start(&store);
    check_reopened(&server, MSGS - 1).await;
    assert!(
        server.wait_for_log("incomplete write", Duration::from_secs(2)),
        "the cut is logged:\n{}",
        server.log()
    );
}

#[tokio::test]
async fn a_corrupt_record_ends_its_segment_and_is_saved_aside() {
    if reference_server() {
        return;
    }
    let store = TempDir::new();
    fill_and_kill(&store).await;
    // A flipped byte inside message 40's payload: its checksum no longer matches.
    let last = segments(&store).pop().expect("segment");
    let at = find(&last, b"entry 0040");
    let mut data = fs::read(&last).expect("read");
    data[at + 6] ^= 0x55;
    fs::write(&last, &data).expect("write");

    let server = start(&store);
    check_reopened(&server, 39).await;
    assert!(
        server.wait_for_log("corrupt record", Duration::from_secs(2)),
        "the corruption is logged:\n{}",
        server.log()
    );
    let aside = fs::read_dir(last.parent().expect("dir"))
        .expect("list")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with(".corrupt"));
    assert!(aside, "the dropped bytes are kept in a .corrupt file");
}

#[tokio::test]
async fn garbage_in_place_of_a_segment_does_not_stop_the_server() {
    if reference_server() {
        return;
    }
    let store = TempDir::new();
    fill_and_kill(&store).await;
    // A stray file with a segment name but no valid header, newer than the real one.
    let last = segments(&store).pop().expect("segment");
    let stray = last.with_file_name("0000009999.blk");
    fs::write(&stray, b"this is not a segment at all").expect("write stray");
    // A name beyond the segment id range is not read at all, but reported.
    let alien = last.with_file_name("9999999999.blk");
    fs::write(&alien, b"???").expect("write alien");

    let server = start(&store);
    check_reopened(&server, MSGS).await;
    assert!(!stray.exists(), "the stray file is moved aside");
    assert!(
        server.wait_for_log("not a segment", Duration::from_secs(2)),
        "the unknown file is reported:\n{}",
        server.log()
    );
}
