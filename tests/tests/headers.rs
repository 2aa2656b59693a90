//! Message headers: round trip through async-nats, exact HPUB/HMSG framing, and stripping for
//! subscribers that did not negotiate headers.

use std::time::Duration;

use bytes::Bytes;
use rill_tests::{next_msg, sync, RawClient, TestServer};

#[tokio::test]
async fn headers_round_trip_with_repeated_values() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("hdr").await.expect("subscribe");

    let mut headers = async_nats::HeaderMap::new();
    headers.insert("X-Single", "one");
    headers.append("X-Multi", "first");
    headers.append("X-Multi", "second");
    headers.append("X-Multi", "third");
    headers.insert("Content-Type", "text/plain; charset=utf-8");
    client
        .publish_with_headers("hdr", headers, "body".into())
        .await
        .expect("publish");
    sync(&client).await;

    let msg = next_msg(&mut sub).await;
    assert_eq!(msg.payload, Bytes::from_static(b"body"));
    let got = msg.headers.expect("headers delivered");
    assert_eq!(got.get("X-Single").map(|v| v.as_str()), Some("one"));
    let multi: Vec<&str> = got.get_all("X-Multi").map(|v| v.as_str()).collect();
    assert_eq!(multi, ["first", "second", "third"]);
    assert_eq!(
        got.get("Content-Type").map(|v| v.as_str()),
        Some("text/plain; charset=utf-8")
    );
    // A plain NATS/1.0 header block: no status, no description.
    assert!(msg.status.is_none(), "status {:?}", msg.status);
    assert!(
        msg.description.is_none(),
        "description {:?}",
        msg.description
    );
}

#[tokio::test]
async fn headers_with_empty_payload_and_reply_round_trip() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("hdr.reply").await.expect("subscribe");
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Trace-Id", "abc123");
    client
        .publish_with_reply_and_headers("hdr.reply", "inbox.1", headers, Bytes::new())
        .await
        .expect("publish");
    sync(&client).await;

    let msg = next_msg(&mut sub).await;
    assert!(msg.payload.is_empty());
    assert_eq!(msg.reply.as_ref().map(|r| r.as_str()), Some("inbox.1"));
    let got = msg.headers.expect("headers");
    assert_eq!(got.get("Trace-Id").map(|v| v.as_str()), Some("abc123"));
}

/// HPUB in, HMSG out, byte for byte (header block `NATS/1.0\r\nA: b\r\n\r\n` is 18 bytes).
#[tokio::test]
async fn hpub_is_delivered_as_hmsg_with_exact_sizes() {
    let server = TestServer::start();
    let mut sub =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"headers":true}"#).await;
    sub.send("SUB foo 1\r\n").await;
    sub.ping_pong().await;
    let mut publisher =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"headers":true}"#).await;
    publisher
        .send("HPUB foo r.1 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n")
        .await;
    publisher.ping_pong().await;

    let msg = sub.expect_msg().await;
    assert_eq!(msg.line, "HMSG foo 1 r.1 18 23");
    assert_eq!(
        msg.headers.as_deref(),
        Some(&b"NATS/1.0\r\nA: b\r\n\r\n"[..])
    );
    assert_eq!(msg.payload, b"hello");
}

#[tokio::test]
async fn headers_are_stripped_for_subscriber_without_header_support() {
    let server = TestServer::start();
    let mut plain =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"headers":false}"#).await;
    plain.send("SUB foo 1\r\n").await;
    plain.ping_pong().await;
    let mut publisher =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"headers":true}"#).await;
    publisher
        .send("HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\n")
        .await;
    publisher.ping_pong().await;

    let msg = plain.expect_msg().await;
    assert_eq!(msg.line, "MSG foo 1 5");
    assert_eq!(msg.payload, b"hello");
}

#[tokio::test]
async fn async_nats_subscriber_sees_headers_from_raw_hpub() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("mixed").await.expect("subscribe");
    sync(&client).await;
    let mut publisher =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"headers":true}"#).await;
    let block = "NATS/1.0\r\nK: v1\r\nK: v2\r\n\r\n";
    publisher
        .send(format!(
            "HPUB mixed {} {}\r\n{block}xyz\r\n",
            block.len(),
            block.len() + 3
        ))
        .await;
    publisher.ping_pong().await;

    let msg = next_msg(&mut sub).await;
    assert_eq!(msg.payload, Bytes::from_static(b"xyz"));
    let headers = msg.headers.expect("headers");
    let values: Vec<&str> = headers.get_all("K").map(|v| v.as_str()).collect();
    assert_eq!(values, ["v1", "v2"]);
}

/// nats-server 2.15 closes the connection without an `-ERR` line in this case.
#[tokio::test]
async fn hpub_without_negotiated_headers_closes_connection() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("HPUB foo 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nhello\r\nPING\r\n")
        .await;
    let rest = c.expect_closed(Duration::from_secs(2)).await;
    let text = String::from_utf8_lossy(&rest);
    assert!(
        !text.contains("PONG"),
        "PING after the HPUB was answered: {text:?}"
    );
}
