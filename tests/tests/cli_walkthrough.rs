//! The seed's walkthrough ("NATS 集群实践") end to end with `rill`, as a person at a terminal
//! does it, against one spawned server: save and select a context, list contexts, add the
//! stream (by prompts on a pseudo-terminal when `script` is available, and by flags), publish
//! 1000 messages, add a pull consumer, take all 1000 with `consumer next` (acked), take
//! another 1000 with two `consumer next` processes at once (each message to one of them), and
//! see 2000 messages in `stream info`. Every later command finds the server through the
//! selected context alone.

use std::collections::BTreeSet;
use std::time::Duration;

use rill_tests::tool::{have_script, on_terminal_typing, Tool};
use rill_tests::{ServerBuilder, TempDir, TestServer};

fn js_server(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

/// The stream sequences a `consumer next` run printed (`... / str seq: N / ...`).
fn stream_seqs(stdout: &str) -> BTreeSet<u64> {
    stdout
        .lines()
        .filter_map(|l| l.split("str seq: ").nth(1))
        .filter_map(|rest| rest.split(" /").next())
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

/// The seed's stream: subject `foo`, file storage, one replica (one node), the rest defaults.
fn add_stream(tool: &Tool) {
    if have_script() {
        // The seed's answers, typed: subjects, storage, replicas, then Enter for the defaults.
        let screen = on_terminal_typing(
            tool,
            "stream add my_stream",
            "foo\nfile\n1\n\n\n\n\n\n\n\n\n\n\n\n\n",
        );
        assert!(screen.contains("Stream my_stream was created"), "{screen}");
        assert!(
            screen.contains("Information for Stream my_stream"),
            "{screen}"
        );
    } else {
        eprintln!("note: `script` is not on PATH: the stream is added by flags only");
        let out = tool.run(&[
            "stream",
            "add",
            "my_stream",
            "--subjects",
            "foo",
            "--storage",
            "file",
            "--replicas",
            "1",
            "--defaults",
        ]);
        out.assert_ok();
        assert!(
            out.stdout.contains("Stream my_stream was created"),
            "{}",
            out.stdout
        );
    }
}

#[tokio::test]
async fn the_seed_walkthrough_end_to_end() {
    let store = TempDir::new();
    let server = js_server(&store);
    let tool = Tool::new();

    // 创建context: save, select, list.
    let out = tool.run(&[
        "context",
        "save",
        "computenest-nats",
        "--server",
        &server.url(),
        "--description",
        "ComputeNest NATS Cluster",
        "--select",
    ]);
    out.assert_ok();
    assert!(out.stdout.contains("Connection: OK"), "{}", out.stdout);
    let ls = tool.run(&["context", "ls"]);
    ls.assert_ok();
    assert!(ls.stdout.contains("computenest-nats*"), "{}", ls.stdout);
    assert!(
        ls.stdout.contains("ComputeNest NATS Cluster"),
        "{}",
        ls.stdout
    );

    // 创建流, then a second copy of the same config by flags (idempotent create is refused
    // only when it differs: the same flags give the same stream).
    add_stream(&tool);
    let again = tool.run(&[
        "stream",
        "add",
        "my_stream",
        "--subjects",
        "foo",
        "--storage",
        "file",
        "--replicas",
        "1",
        "--defaults",
    ]);
    again.assert_ok();

    // 发布消息: 1000 publications.
    tool.run(&["pub", "foo", "publication #{{Count}}", "--count", "1000"])
        .assert_ok();
    let info = tool.run(&["stream", "info", "my_stream"]);
    info.assert_ok();
    assert!(info.stdout.contains("Messages: 1,000"), "{}", info.stdout);

    // 创建消费者 and 消费消息: all 1000, acked.
    tool.run(&[
        "consumer",
        "add",
        "my_stream",
        "pull_consumer",
        "--pull",
        "--defaults",
    ])
    .assert_ok();
    let next = tool.run(&[
        "consumer",
        "next",
        "my_stream",
        "pull_consumer",
        "--count",
        "1000",
    ]);
    next.assert_ok();
    assert_eq!(stream_seqs(&next.stdout), (1..=1000).collect());
    assert_eq!(next.stdout.matches("Acknowledged message").count(), 1000);
    assert!(
        next.stdout.contains("publication #1000"),
        "bodies are printed"
    );

    // 多实例消费: two processes share the consumer; each message goes to one of them.
    tool.run(&["pub", "foo", "publication #{{Count}}", "--count", "1000"])
        .assert_ok();
    let a = tool.spawn(&[
        "consumer",
        "next",
        "my_stream",
        "pull_consumer",
        "--count",
        "500",
    ]);
    let b = tool.spawn(&[
        "consumer",
        "next",
        "my_stream",
        "pull_consumer",
        "--count",
        "500",
    ]);
    let (a, b) = (
        a.finish(Duration::from_secs(60)),
        b.finish(Duration::from_secs(60)),
    );
    a.assert_ok();
    b.assert_ok();
    let (sa, sb) = (stream_seqs(&a.stdout), stream_seqs(&b.stdout));
    assert!(sa.is_disjoint(&sb), "no message went to both workers");
    let all: BTreeSet<u64> = sa.union(&sb).copied().collect();
    assert_eq!(
        all,
        (1001..=2000).collect(),
        "together they took every message"
    );

    // 查看流信息: 2000 messages, and the consumer has nothing left.
    let info = tool.run(&["stream", "info", "my_stream"]);
    info.assert_ok();
    assert!(info.stdout.contains("Messages: 2,000"), "{}", info.stdout);
    let ci = tool.run(&["consumer", "info", "my_stream", "pull_consumer", "--json"]);
    ci.assert_ok();
    let ci: serde_json::Value = serde_json::from_str(&ci.stdout).expect("consumer info JSON");
    assert_eq!(ci["num_pending"].as_u64(), Some(0), "{ci}");
    assert_eq!(ci["ack_floor"]["stream_seq"].as_u64(), Some(2000), "{ci}");
}
