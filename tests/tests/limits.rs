//! Configured limits: max_payload, max_connections, max_subscriptions, max_pending (slow
//! consumers), and the startup check that max_payload may not exceed max_pending.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use rill_tests::{
    next_msg, run_to_exit, sync, within, RawClient, ServerBuilder, TempDir, TestServer,
};

const CLOSE_WAIT: Duration = Duration::from_secs(2);

#[tokio::test]
async fn max_payload_is_advertised_and_async_nats_refuses_larger_messages() {
    let server = TestServer::with_config("max_payload: 1KB\n");
    let client = server.connect().await;
    assert_eq!(client.server_info().max_payload, 1024);
    assert_eq!(client.max_payload(), 1024);
    let mut sub = client.subscribe("big").await.expect("subscribe");

    // async-nats checks the advertised limit itself, so the 2 KB message never leaves the client.
    let err = client
        .publish("big", Bytes::from(vec![b'x'; 2048]))
        .await
        .expect_err("2 KB publish must fail");
    assert_eq!(
        err.kind(),
        async_nats::PublishErrorKind::MaxPayloadExceeded,
        "{err}"
    );

    // Exactly max_payload is allowed and the connection is still fine.
    client
        .publish("big", Bytes::from(vec![b'y'; 1024]))
        .await
        .expect("1 KB publish");
    sync(&client).await;
    assert_eq!(next_msg(&mut sub).await.payload.len(), 1024);
}

#[tokio::test]
async fn oversized_publish_gets_maximum_payload_violation_and_close() {
    let server = TestServer::with_config("max_payload: 1KB\n");
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    assert_eq!(c.info["max_payload"], 1024);
    // Only the control line: the server rejects on the declared size, before reading the payload.
    c.send("PUB foo 2048\r\n").await;
    c.expect_exact("-ERR 'Maximum Payload Violation'").await;
    c.expect_closed(CLOSE_WAIT).await;
}

#[tokio::test]
async fn oversized_hpub_total_gets_maximum_payload_violation() {
    let server = TestServer::with_config("max_payload: 1KB\n");
    let mut c =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"headers":true}"#).await;
    c.send("HPUB foo 12 1025\r\n").await;
    c.expect_exact("-ERR 'Maximum Payload Violation'").await;
    c.expect_closed(CLOSE_WAIT).await;
}

#[tokio::test]
async fn max_connections_rejects_the_extra_connection_after_info() {
    let server = TestServer::with_config("max_connections: 2\n");
    let _first = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    let _second = server.connect().await;

    // The third connection still gets an INFO, then the error, then the close.
    let mut third = RawClient::connect(&server.addr()).await;
    third
        .expect_exact("-ERR 'maximum connections exceeded'")
        .await;
    third.expect_closed(CLOSE_WAIT).await;

    let err = server
        .connect_with(async_nats::ConnectOptions::new())
        .await
        .expect_err("async-nats connect beyond max_connections must fail");
    let text = err.to_string();
    assert!(
        text.contains("maximum connections exceeded"),
        "{:?}: {text}",
        err.kind()
    );
}

#[tokio::test]
async fn max_connections_frees_a_slot_when_a_client_leaves() {
    let server = TestServer::with_config("max_connections: 1\n");
    let first = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    drop(first);
    // The server notices the close asynchronously: retry briefly.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut c = RawClient::connect(&server.addr()).await;
        c.send("CONNECT {\"verbose\":false}\r\nPING\r\n").await;
        let line = c.expect_line().await;
        if line == "PONG" {
            break;
        }
        assert_eq!(line, "-ERR 'maximum connections exceeded'");
        assert!(Instant::now() < deadline, "slot never freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn max_subscriptions_rejects_extra_subscription_but_keeps_connection() {
    let server = TestServer::with_config("max_subscriptions: 3\n");
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nSUB d 4\r\n").await;
    c.expect_exact("-ERR 'maximum subscriptions exceeded'")
        .await;
    // Still open; the 4th subscription does not exist, the first three do.
    c.send("PUB d 1\r\nx\r\nPUB c 1\r\ny\r\n").await;
    let msg = c.expect_msg().await;
    assert_eq!((msg.subject.as_str(), msg.sid.as_str()), ("c", "3"));
    c.ping_pong().await;
}

#[tokio::test]
async fn max_payload_above_max_pending_refuses_to_start() {
    let dir = TempDir::new();
    let conf = dir.write("bad.conf", "max_pending: 256KB\n");
    let conf = conf.to_str().expect("utf8 path");
    let out = run_to_exit(
        &["-a", "127.0.0.1", "-p", "-1", "-c", conf],
        Duration::from_secs(10),
    );
    assert!(
        !out.status.success(),
        "server started with max_payload 1MB > max_pending 256KB"
    );
    assert!(
        out.stderr.contains("max_payload") && out.stderr.contains("max_pending"),
        "error should name both limits: {}",
        out.stderr
    );
}

/// One raw subscriber never reads; with `max_pending: 256KB` the server must cut it off while a
/// subscriber that keeps up receives every message. The publisher is paced by the good
/// subscriber (never more than 192 KiB ahead), so only the stuck one can exceed max_pending.
#[tokio::test]
async fn slow_consumer_is_disconnected_while_fast_one_receives_everything() {
    let server = ServerBuilder::new()
        .config("max_pending: 256KB\nmax_payload: 64KB\n")
        .start();
    const MSG_BYTES: usize = 32 * 1024;
    const TOTAL_BYTES: usize = 50 * 1024 * 1024;
    const COUNT: usize = TOTAL_BYTES / MSG_BYTES;
    const WINDOW: usize = 6; // 192 KiB in flight at most, below max_pending

    let mut stuck = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    stuck.send("SUB firehose 1\r\n").await;
    stuck.ping_pong().await;

    let good = server.connect().await;
    let mut good_sub = good.subscribe("firehose").await.expect("subscribe");
    sync(&good).await;
    let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let reader = tokio::spawn(async move {
        for i in 0..COUNT {
            let msg = within(
                Duration::from_secs(10),
                "fast subscriber message",
                good_sub.next(),
            )
            .await
            .expect("fast subscriber's subscription ended");
            assert_eq!(msg.payload.len(), MSG_BYTES);
            assert_eq!(
                &msg.payload[..8],
                &(i as u64).to_be_bytes(),
                "message {i} out of order"
            );
            let _ = progress_tx.send(i + 1);
        }
    });

    let publisher = server.connect().await;
    let started = Instant::now();
    let mut received = 0;
    for i in 0..COUNT {
        while i >= received + WINDOW {
            received = within(
                Duration::from_secs(10),
                "fast subscriber progress",
                progress_rx.recv(),
            )
            .await
            .expect("fast subscriber task stopped");
        }
        let mut payload = vec![0u8; MSG_BYTES];
        payload[..8].copy_from_slice(&(i as u64).to_be_bytes());
        publisher
            .publish("firehose", payload.into())
            .await
            .expect("publish");
    }
    sync(&publisher).await;
    within(Duration::from_secs(30), "fast subscriber to finish", reader)
        .await
        .expect("fast subscriber task failed");
    let publish_time = started.elapsed();

    // The stuck reader now drains what the kernel buffered, then must hit EOF/reset.
    let mut buffered = 0;
    let closed = loop {
        let (bytes, closed) = stuck.read_for(Duration::from_secs(3)).await;
        buffered += bytes.len();
        if closed || bytes.is_empty() {
            break closed;
        }
    };
    assert!(
        closed,
        "slow consumer still connected after {buffered} bytes"
    );
    assert!(
        buffered < TOTAL_BYTES,
        "slow consumer received all {buffered} bytes: it was never cut off"
    );
    // The fast subscriber's connection is unaffected.
    sync(&good).await;
    eprintln!("published {TOTAL_BYTES} bytes in {publish_time:?}; stuck reader got {buffered}");
}

#[tokio::test]
async fn max_payload_over_8mb_starts_with_a_warning() {
    let server = TestServer::with_config("max_payload: 16MB\n");
    let c = RawClient::connect(&server.addr()).await;
    assert_eq!(c.info["max_payload"], 16 * 1024 * 1024);
    assert!(
        server.wait_for_log("[WRN]", Duration::from_secs(2)),
        "no warning logged; log:\n{}",
        server.log()
    );
    let warnings = server.log_lines_with("[WRN]");
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("Maximum payloads over 8.00 MB")),
        "warnings: {warnings:?}"
    );
}
