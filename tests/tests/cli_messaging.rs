//! `rill pub | sub | req | reply` as processes against the server under test.

use std::time::Duration;

use async_nats::jetstream;
use futures::StreamExt;
use rill_tests::tool::{dead_url, Tool};
use rill_tests::{sync, within, ServerBuilder, TestServer};

const READY: Duration = Duration::from_secs(15);

#[tokio::test]
async fn pub_count_1000_reaches_a_subscriber_in_order_with_templates() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("foo").await.expect("subscribe");
    sync(&client).await;
    let tool = Tool::new();
    let out = tool.run(&[
        "pub",
        "foo",
        "--count=1000",
        "publication #{{Count}} @ {{TimeStamp}}",
        "-H",
        "Seq:{{Count}}",
        "--server",
        &server.url(),
    ]);
    out.assert_ok();
    assert!(
        out.stderr.contains("Published 1,000 messages"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "no bar or logs on stdout: {}",
        out.stdout
    );
    for n in 1..=1000u32 {
        let msg = within(Duration::from_secs(5), "a message", sub.next())
            .await
            .expect("subscription open");
        let body = String::from_utf8_lossy(&msg.payload).into_owned();
        assert!(
            body.starts_with(&format!("publication #{n} @ 20")),
            "{body}"
        );
        assert!(body.ends_with('Z'), "{body}");
        let seq = msg
            .headers
            .as_ref()
            .and_then(|h| h.get("Seq"))
            .map(|v| v.to_string());
        assert_eq!(seq, Some(n.to_string()));
    }
}

#[test]
fn sub_count_prints_messages_as_the_nats_cli_and_exits() {
    let server = TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    let mut sub = tool.spawn(&["sub", "greet.*", "--count", "2", "--server", &url]);
    sub.wait_stderr("Subscribing on greet.*", READY);
    tool.run(&["pub", "greet.a", "hello", "-H", "K:v", "--server", &url])
        .assert_ok();
    tool.run(&[
        "pub", "greet.b", "world", "--reply", "back", "--server", &url,
    ])
    .assert_ok();
    let out = sub.finish(Duration::from_secs(15));
    out.assert_ok();
    assert_eq!(
        out.stdout,
        "[#1] Received on \"greet.a\"\nK: v\n\nhello\n\n[#2] Received on \"greet.b\" with reply \"back\"\n\nworld\n\n"
    );
}

#[test]
fn sub_raw_prints_bodies_only_and_queue_groups_share() {
    let server = TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    let mut sub = tool.spawn(&[
        "sub", "q", "--queue", "workers", "--raw", "--count", "3", "--server", &url,
    ]);
    sub.wait_stderr("in group \"workers\"", READY);
    tool.run(&["pub", "q", "m{{Count}}", "--count", "3", "--server", &url])
        .assert_ok();
    let out = sub.finish(Duration::from_secs(15));
    out.assert_ok();
    assert_eq!(out.stdout, "m1\nm2\nm3\n");
}

#[test]
fn req_and_reply_between_two_rill_processes() {
    let server = TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    let mut replier = tool.spawn(&[
        "reply",
        "svc.echo",
        "echo: {{Request}} #{{Count}}",
        "--count",
        "2",
        "--server",
        &url,
    ]);
    replier.wait_stderr("Listening on \"svc.echo\"", READY);
    let first = tool.run(&["req", "svc.echo", "ping", "--server", &url]);
    first.assert_ok();
    assert_eq!(first.stdout, "echo: ping #1\n");
    assert!(
        first.stderr.contains("Received with rtt"),
        "{}",
        first.stderr
    );
    let second = tool.run(&["req", "svc.echo", "again", "--raw", "--server", &url]);
    second.assert_ok();
    assert_eq!(second.stdout, "echo: again #2\n");
    let out = replier.finish(Duration::from_secs(15));
    out.assert_ok();
    assert!(
        out.stdout
            .contains("[#1] Received on \"svc.echo\" with reply"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\n\nping\n\n"), "{}", out.stdout);
}

#[tokio::test]
async fn pub_jetstream_waits_for_and_prints_each_ack() {
    let store = rill_tests::TempDir::new();
    let server = ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start();
    let js = jetstream::new(server.connect().await);
    js.create_stream(jetstream::stream::Config {
        name: "ORDERS".into(),
        subjects: vec!["orders.>".into()],
        ..Default::default()
    })
    .await
    .expect("stream");
    let tool = Tool::new();
    let out = tool.run(&[
        "pub",
        "orders.new",
        "o{{Count}}",
        "--count",
        "3",
        "--jetstream",
        "--server",
        &server.url(),
    ]);
    out.assert_ok();
    assert_eq!(
        out.stdout,
        ">>> Stream: ORDERS Sequence: 1\n>>> Stream: ORDERS Sequence: 2\n>>> Stream: ORDERS Sequence: 3\n"
    );
    let out = tool.run(&[
        "pub",
        "nostream.x",
        "o",
        "--jetstream",
        "--server",
        &server.url(),
    ]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.starts_with("rill: "), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn messaging_errors_are_one_line_and_non_zero() {
    let server = TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    let dead = dead_url();
    for args in [
        &["pub", "foo", "x"][..],
        &["sub", "foo"],
        &["req", "foo", "x"],
        &["reply", "foo", "x"],
    ] {
        let mut full = args.to_vec();
        full.extend(["--server", dead.as_str()]);
        let out = tool.run(&full);
        assert_eq!(out.code(), 1, "{args:?}");
        assert_eq!(
            out.stderr,
            format!("rill: cannot connect to {dead}: connection refused\n"),
            "{args:?}"
        );
    }
    let out = tool.run(&["req", "nobody.home", "x", "--server", &url]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr
            .contains("rill: no responders are available for \"nobody.home\""),
        "{}",
        out.stderr
    );
    let out = tool.run(&["pub", "foo", "{{Nope}}", "--server", &url]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr
            .starts_with("rill: body: unknown template function \"Nope\""),
        "{}",
        out.stderr
    );
    let out = tool.run(&["pub", "foo", "x", "--count", "lots", "--server", &url]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr.contains("invalid value 'lots' for '--count"),
        "{}",
        out.stderr
    );
    let out = tool.run(&["pub", "foo", "x", "--timeout", "soon", "--server", &url]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("--timeout"), "{}", out.stderr);
    let out = tool.run(&["sub"]);
    assert_eq!(out.code(), 2);
}

#[tokio::test]
async fn timestamps_are_local_time_with_their_offset() {
    if !std::path::Path::new("/usr/share/zoneinfo/Asia/Shanghai").exists() {
        eprintln!("skipped: no zoneinfo for Asia/Shanghai");
        return;
    }
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("ts").await.expect("subscribe");
    sync(&client).await;
    let mut tool = Tool::new();
    tool.env("TZ", "Asia/Shanghai");
    tool.run(&["pub", "ts", "{{TimeStamp}}", "--server", &server.url()])
        .assert_ok();
    let msg = within(Duration::from_secs(5), "a message", sub.next())
        .await
        .expect("subscription open");
    let body = String::from_utf8_lossy(&msg.payload).into_owned();
    assert!(body.ends_with("+08:00"), "{body}");
    assert_eq!(body.len(), "2023-04-09T08:31:23+08:00".len(), "{body}");
}
