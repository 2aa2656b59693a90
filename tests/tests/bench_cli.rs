//! `rill bench` as a process against the server under test: the JetStream modes store and
//! consume exactly what they report, and a consume without a stream fails with a message.

use std::path::Path;
use std::process::{Command, Output};

use async_nats::jetstream;
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

fn start(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

fn bench(server: &TestServer, args: &[&str]) -> Output {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/rill");
    assert!(bin.exists(), "build it: cargo build -p rill --bins");
    Command::new(bin)
        .arg("bench")
        .args(args)
        .args([
            "--server",
            &server.url(),
            "--no-progress",
            "--timeout",
            "10s",
        ])
        .output()
        .expect("run rill bench")
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "rill bench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[tokio::test]
async fn js_publish_then_consume_stores_and_acks_every_message() {
    let store = TempDir::new();
    let server = start(&store);
    let out = bench(
        &server,
        &[
            "bench.js", "--js", "--pub", "2", "--sub", "2", "--msgs", "3000", "--size", "64",
            "--window", "50", "--batch", "40", "--json",
        ],
    );
    let report = json_of(&out);
    assert_eq!(report["mode"], "js-pub-consume");
    assert_eq!(report["pub"]["msgs"].as_u64(), Some(3000));
    assert_eq!(report["sub"]["msgs"].as_u64(), Some(3000));

    let js = jetstream::new(server.connect().await);
    let mut stream = js.get_stream("benchstream").await.expect("stream made");
    let info = stream.info().await.expect("info");
    assert_eq!(info.state.messages, 3000);
    assert_eq!(info.config.subjects, vec!["bench.js".to_string()]);
    let mut consumer: jetstream::consumer::PullConsumer =
        stream.get_consumer("rill-bench").await.expect("consumer");
    let ci = consumer.info().await.expect("consumer info");
    assert_eq!(ci.delivered.stream_sequence, 3000);
    assert_eq!(ci.num_pending, 0);

    // A second consume run starts over on a fresh consumer.
    let again = json_of(&bench(
        &server,
        &["bench.js", "--js", "--sub", "1", "--msgs", "3000", "--json"],
    ));
    assert_eq!(again["mode"], "js-consume");
    assert_eq!(again["sub"]["msgs"].as_u64(), Some(3000));
}

#[tokio::test]
async fn consuming_a_missing_or_short_stream_fails_with_a_message() {
    let store = TempDir::new();
    let server = start(&store);
    let out = bench(&server, &["bench.js", "--js", "--sub", "1", "--msgs", "10"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not found"), "stderr: {err}");

    let ok = bench(&server, &["bench.js", "--js", "--msgs", "5", "--json"]);
    assert_eq!(json_of(&ok)["pub"]["msgs"].as_u64(), Some(5));
    let short = bench(&server, &["bench.js", "--js", "--sub", "1", "--msgs", "10"]);
    assert!(!short.status.success());
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(err.contains("holds 5 messages"), "stderr: {err}");
}

#[tokio::test]
async fn bench_finds_the_server_like_every_other_command() {
    let store = TempDir::new();
    let server = start(&store);
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/rill");
    // NATS_URL, no --server.
    let out = Command::new(&bin)
        .args([
            "bench",
            "bench.env",
            "--msgs",
            "100",
            "--json",
            "--no-progress",
        ])
        .env("NATS_URL", server.url())
        .env("XDG_CONFIG_HOME", store.path())
        .output()
        .expect("run rill bench");
    let report = json_of(&out);
    assert_eq!(report["server_url"], server.url());
    assert_eq!(report["pub"]["msgs"].as_u64(), Some(100));
    // Connection flags before the command.
    let out = Command::new(&bin)
        .args([
            "--server",
            &server.url(),
            "bench",
            "bench.flag",
            "--msgs",
            "50",
            "--json",
        ])
        .env("XDG_CONFIG_HOME", store.path())
        .env_remove("NATS_URL")
        .output()
        .expect("run rill bench");
    assert_eq!(json_of(&out)["pub"]["msgs"].as_u64(), Some(50));
    // A server that is not there: one line and a non-zero exit.
    let dead = rill_tests::tool::dead_url();
    let out = Command::new(&bin)
        .args(["bench", "bench.dead", "--msgs", "1", "--server", &dead])
        .env("XDG_CONFIG_HOME", store.path())
        .output()
        .expect("run rill bench");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect"), "stderr: {err}");
}
