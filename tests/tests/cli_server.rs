//! `rill server info | ping | list | check` and `rill account info` as processes.

use async_nats::jetstream;
use rill_tests::tool::{dead_url, Tool};
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

fn js_server(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

#[test]
fn server_info_describes_the_connected_server() {
    let store = TempDir::new();
    let server = js_server(&store);
    let tool = Tool::new();
    let url = server.url();
    let out = tool.run(&["server", "info", "--server", &url]);
    out.assert_ok();
    assert!(
        out.stdout.starts_with("Server information for "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\nProcess Details:\n\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(" JetStream: true\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains(" Maximum Payload: 1.0 MiB\n"),
        "{}",
        out.stdout
    );
    let json: Value = serde_json::from_str(
        &tool
            .run(&["server", "info", "--json", "--server", &url])
            .stdout,
    )
    .expect("json");
    let id = json["server_id"].as_str().expect("server_id").to_string();
    assert_eq!(json["port"].as_u64(), Some(u64::from(server.port())));
    tool.run(&["server", "info", &id, "--server", &url])
        .assert_ok();
    let out = tool.run(&["server", "info", "someone-else", "--server", &url]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr.contains("is not the connected server"),
        "{}",
        out.stderr
    );
}

#[test]
fn server_ping_and_list() {
    let server = TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    let out = tool.run(&["server", "ping", "--count", "3", "--server", &url]);
    out.assert_ok();
    assert_eq!(out.stdout.matches(" rtt=").count(), 3, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("---- ping statistics ----\n3 replies max: "),
        "{}",
        out.stdout
    );
    let out = tool.run(&["server", "list", "--server", &url]);
    out.assert_ok();
    assert!(out.stdout.starts_with("╭"), "{}", out.stdout);
    assert!(out.stdout.contains("Server Overview"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("127.0.0.1:{}", server.port()))
            || out.stdout.contains(&format!(":{} ", server.port())),
        "{}",
        out.stdout
    );
    let list: Value = serde_json::from_str(
        &tool
            .run(&["server", "ls", "--json", "--server", &url])
            .stdout,
    )
    .expect("json");
    assert_eq!(list[0]["port"].as_u64(), Some(u64::from(server.port())));
    let out = tool.run(&["server", "ping", "--server", &dead_url()]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.contains("connection refused"), "{}", out.stderr);
}

#[test]
fn check_connection_is_nagios_ok_or_critical() {
    let server = TestServer::start();
    let tool = Tool::new();
    let out = tool.run(&["server", "check", "connection", "--server", &server.url()]);
    assert_eq!(out.code(), 0, "{}", out.stdout);
    assert!(
        out.stdout.starts_with("OK Connection OK:connected to "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(" | connect_time="), "{}", out.stdout);
    assert_eq!(out.stdout.lines().count(), 1);
    let dead = dead_url();
    let out = tool.run(&["server", "check", "connection", "--server", &dead]);
    assert_eq!(out.code(), 2);
    assert_eq!(
        out.stdout,
        format!("CRITICAL Connection CRITICAL:cannot connect to {dead}: connection refused\n")
    );
    let out = tool.run(&[
        "server",
        "check",
        "connection",
        "--server",
        &server.url(),
        "--json",
    ]);
    let json: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(json["status"], "OK");
}

#[tokio::test]
async fn check_jetstream_and_account_info() {
    let store = TempDir::new();
    let server = js_server(&store);
    let js = jetstream::new(server.connect().await);
    js.create_stream(jetstream::stream::Config {
        name: "S".into(),
        subjects: vec!["s.>".into()],
        ..Default::default()
    })
    .await
    .expect("stream");
    let tool = Tool::new();
    let url = server.url();
    let out = tool.run(&["server", "check", "jetstream", "--server", &url]);
    assert_eq!(out.code(), 0, "{}", out.stdout);
    assert!(
        out.stdout
            .starts_with("OK JetStream OK:1 streams, 0 consumers"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("| memory=0B storage="),
        "{}",
        out.stdout
    );

    let out = tool.run(&["account", "info", "--server", &url]);
    out.assert_ok();
    assert!(
        out.stdout.starts_with("Account Information\n\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\nAccount Usage:\n\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(" Streams: 1\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains(" Streams: 1 of unlimited\n"),
        "{}",
        out.stdout
    );
    let json: Value = serde_json::from_str(
        &tool
            .run(&["account", "info", "--json", "--server", &url])
            .stdout,
    )
    .expect("json");
    assert_eq!(json["streams"].as_u64(), Some(1));
    assert_eq!(json["limits"]["max_streams"].as_i64(), Some(-1));
}

#[test]
fn without_jetstream_checks_are_critical_and_account_info_fails() {
    let server = TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    let out = tool.run(&["server", "check", "jetstream", "--server", &url]);
    assert_eq!(out.code(), 2, "{}", out.stdout);
    assert!(
        out.stdout.starts_with("CRITICAL JetStream CRITICAL:"),
        "{}",
        out.stdout
    );
    let out = tool.run(&["account", "info", "--server", &url]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.starts_with("rill: JetStream"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = tool.run(&[
        "server",
        "check",
        "connection",
        "--rtt-warn",
        "fast",
        "--server",
        &url,
    ]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr.contains("invalid value 'fast'"),
        "{}",
        out.stderr
    );
}
