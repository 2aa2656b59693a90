//! Process lifecycle: shutdown on SIGTERM/SIGINT, lame duck mode on SIGUSR2, and `-t` config
//! checks (including the seed production config).

use std::time::{Duration, Instant};

use rill_tests::{run_to_exit, within, RawClient, TempDir, TestServer};

/// The production seed config. `-t` only: a real start would bind fixed ports (4222, 8222, 4248).
const SEED_CONFIG: &str = include_str!("../fixtures/seed.conf");

/// An async-nats client whose connection events are forwarded to a channel.
async fn client_with_events(
    server: &TestServer,
) -> (
    async_nats::Client,
    tokio::sync::mpsc::UnboundedReceiver<async_nats::Event>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let options = async_nats::ConnectOptions::new().event_callback(move |event| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(event);
        }
    });
    let client = server.connect_with(options).await.expect("connect");
    (client, rx)
}

/// Waits for an event matching `want`, skipping others.
async fn expect_event(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<async_nats::Event>,
    what: &str,
    want: impl Fn(&async_nats::Event) -> bool,
) {
    within(Duration::from_secs(5), what, async {
        loop {
            let event = events.recv().await.expect("event channel closed");
            if want(&event) {
                return;
            }
        }
    })
    .await
}

#[tokio::test]
async fn sigterm_exits_promptly_with_status_zero_and_disconnects_clients() {
    let mut server = TestServer::start();
    let mut raw = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    let (_client, mut events) = client_with_events(&server).await;

    let started = Instant::now();
    server.signal("TERM");
    raw.expect_closed(Duration::from_secs(5)).await;
    expect_event(&mut events, "Disconnected event", |e| {
        matches!(e, async_nats::Event::Disconnected)
    })
    .await;
    let status = server
        .wait_exit(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("still running 5 s after SIGTERM; log:\n{}", server.log()));
    assert!(
        status.success(),
        "exit status {status}; log:\n{}",
        server.log()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn sigint_exits_with_status_zero() {
    let mut server = TestServer::start();
    let mut raw = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    server.signal("INT");
    raw.expect_closed(Duration::from_secs(5)).await;
    let status = server
        .wait_exit(Duration::from_secs(5))
        .expect("still running after SIGINT");
    assert!(status.success(), "exit status {status}");
}

/// `lame_duck_duration` must be at least 30 s for nats-server; with one client the server closes
/// it right after the grace period and exits (about 1 s here).
#[tokio::test]
async fn lame_duck_mode_announces_ldm_refuses_new_clients_and_exits() {
    let mut server =
        TestServer::with_config("lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"\n");
    let mut raw = RawClient::connect(&server.addr()).await;
    // protocol 1: only clients that accept async INFO are told about lame duck mode.
    raw.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
        .await;
    raw.expect_pong_skipping_info().await;
    let (_client, mut events) = client_with_events(&server).await;

    let started = Instant::now();
    server.signal("USR2");
    let info = loop {
        let line = raw.expect_line().await;
        if let Some(json) = line.strip_prefix("INFO ") {
            let info: serde_json::Value = serde_json::from_str(json.trim()).expect("INFO json");
            if info["ldm"] == true {
                break info;
            }
        }
    };
    assert!(info["server_id"].is_string(), "{info}");
    expect_event(&mut events, "LameDuckMode event", |e| {
        matches!(e, async_nats::Event::LameDuckMode)
    })
    .await;

    // No new clients: the listener is closed (connect refused) or the connection gets no INFO.
    match tokio::net::TcpStream::connect(server.addr()).await {
        Err(_) => {}
        Ok(stream) => {
            let mut buf = [0u8; 16];
            let read = tokio::time::timeout(Duration::from_millis(500), stream.readable()).await;
            if read.is_ok() {
                let n = stream.try_read(&mut buf).unwrap_or(0);
                assert_eq!(
                    n,
                    0,
                    "new connection during lame duck got data: {:?}",
                    &buf[..n]
                );
            }
        }
    }

    raw.expect_closed(Duration::from_secs(10)).await;
    let status = server
        .wait_exit(Duration::from_secs(10))
        .unwrap_or_else(|| panic!("still running 10 s after SIGUSR2; log:\n{}", server.log()));
    assert!(status.success(), "exit status {status}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900),
        "exited after {elapsed:?}, before the 1 s grace period"
    );
}

#[tokio::test]
async fn lame_duck_duration_below_30s_is_rejected() {
    let dir = TempDir::new();
    let conf = dir.write("ldm.conf", "lame_duck_duration: \"5s\"\n");
    let out = run_to_exit(
        &[
            "-a",
            "127.0.0.1",
            "-p",
            "-1",
            "-c",
            conf.to_str().expect("utf8"),
        ],
        Duration::from_secs(10),
    );
    assert!(
        !out.status.success(),
        "started with a 5 s lame duck duration"
    );
    assert!(out.stderr.contains("lame_duck_duration"), "{}", out.stderr);
}

#[test]
fn seed_config_file_passes_config_test() {
    let dir = TempDir::new();
    let conf = dir.write("seed.conf", SEED_CONFIG);
    let conf = conf.to_str().expect("utf8 path");
    let out = run_to_exit(&["-t", "-c", conf], Duration::from_secs(10));
    assert!(
        out.status.success(),
        "exit {}; stderr:\n{}\nstdout:\n{}",
        out.status,
        out.stderr,
        out.stdout
    );
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("is valid"),
        "expected `configuration file ... is valid`: {all}"
    );
}

#[test]
fn broken_config_file_fails_config_test() {
    let dir = TempDir::new();
    for (name, text) in [
        ("unterminated.conf", "port: 4222\nx: [\n"),
        ("bad-size.conf", "max_payload: lots\n"),
    ] {
        let conf = dir.write(name, text);
        let out = run_to_exit(
            &["-t", "-c", conf.to_str().expect("utf8")],
            Duration::from_secs(10),
        );
        assert!(
            !out.status.success(),
            "{name} was accepted: {}{}",
            out.stdout,
            out.stderr
        );
    }
}

#[test]
fn missing_config_file_fails_config_test() {
    let dir = TempDir::new();
    let missing = dir.path().join("nope.conf");
    let out = run_to_exit(
        &["-t", "-c", missing.to_str().expect("utf8")],
        Duration::from_secs(10),
    );
    assert!(
        !out.status.success(),
        "missing file accepted: {}{}",
        out.stdout,
        out.stderr
    );
}
