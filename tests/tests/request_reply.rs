//! Request/reply and the no-responders status (503 on the requester's inbox).

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use rill_tests::{next_msg, sync, within, RawClient, TestServer};

/// Spawns a responder answering every request on `subject` with `prefix` + request payload.
async fn spawn_responder(server: &TestServer, subject: &str, prefix: &'static str) {
    let client = server.connect().await;
    let mut sub = client
        .subscribe(subject.to_owned())
        .await
        .expect("subscribe");
    sync(&client).await;
    tokio::spawn(async move {
        while let Some(msg) = sub.next().await {
            let reply = msg.reply.expect("request without reply subject");
            let mut body = prefix.as_bytes().to_vec();
            body.extend_from_slice(&msg.payload);
            client
                .publish(reply, body.into())
                .await
                .expect("publish reply");
        }
    });
}

#[tokio::test]
async fn request_receives_reply_from_responder() {
    let server = TestServer::start();
    spawn_responder(&server, "svc.echo", "echo:").await;
    let client = server.connect().await;

    let reply = within(
        Duration::from_secs(5),
        "reply",
        client.request("svc.echo", "hi".into()),
    )
    .await
    .expect("request");
    assert_eq!(reply.payload, Bytes::from_static(b"echo:hi"));
}

#[tokio::test]
async fn concurrent_requests_each_get_their_own_reply() {
    let server = TestServer::start();
    spawn_responder(&server, "svc.many", "re:").await;
    let client = server.connect().await;

    let requests = (0..50).map(|i| {
        let client = client.clone();
        async move {
            let reply = client
                .request("svc.many", i.to_string().into())
                .await
                .expect("request");
            assert_eq!(reply.payload, Bytes::from(format!("re:{i}")));
        }
    });
    within(
        Duration::from_secs(10),
        "50 replies",
        futures::future::join_all(requests),
    )
    .await;
}

#[tokio::test]
async fn message_with_reply_subject_delivers_the_reply_subject() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("ask").await.expect("subscribe");
    client
        .publish_with_reply("ask", "my.reply.box", "q".into())
        .await
        .expect("publish");
    sync(&client).await;
    let msg = next_msg(&mut sub).await;
    assert_eq!(msg.reply.as_ref().map(|r| r.as_str()), Some("my.reply.box"));
}

#[tokio::test]
async fn request_without_responders_fails_fast_with_no_responders() {
    let server = TestServer::start();
    let client = server
        .connect_with(
            async_nats::ConnectOptions::new().request_timeout(Some(Duration::from_secs(10))),
        )
        .await
        .expect("connect");

    let started = Instant::now();
    let err = within(
        Duration::from_secs(5),
        "request error",
        client.request("nobody.home", "x".into()),
    )
    .await
    .expect_err("request with no responders must fail");
    assert_eq!(
        err.kind(),
        async_nats::RequestErrorKind::NoResponders,
        "{err}"
    );
    // The 503 comes from the server right away, long before the 10 s request timeout.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn request_to_silent_subscriber_times_out_instead_of_no_responders() {
    let server = TestServer::start();
    let listener = server.connect().await;
    let _sub = listener.subscribe("svc.silent").await.expect("subscribe");
    sync(&listener).await;
    let client = server
        .connect_with(
            async_nats::ConnectOptions::new().request_timeout(Some(Duration::from_millis(300))),
        )
        .await
        .expect("connect");

    let err = within(
        Duration::from_secs(5),
        "request error",
        client.request("svc.silent", "x".into()),
    )
    .await
    .expect_err("nobody replies");
    assert_eq!(err.kind(), async_nats::RequestErrorKind::TimedOut, "{err}");
}

/// The exact wire form of no responders: `HMSG <reply> <sid> n n` with a `NATS/1.0 503` status
/// line and a `Nats-Subject` header, sent to the requester's own matching subscription.
#[tokio::test]
async fn no_responders_status_is_sent_to_requesters_matching_subscription() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(
        &server.addr(),
        r#"{"verbose":false,"headers":true,"no_responders":true}"#,
    )
    .await;
    c.send("SUB _INBOX.> 7\r\nPUB nobody.here _INBOX.abc 2\r\nhi\r\n")
        .await;
    let msg = c.expect_msg().await;
    assert_eq!(msg.line, "HMSG _INBOX.abc 7 43 43");
    assert_eq!(
        msg.headers.as_deref(),
        Some(&b"NATS/1.0 503\r\nNats-Subject: nobody.here\r\n\r\n"[..])
    );
    assert!(msg.payload.is_empty());
    c.ping_pong().await;
}

#[tokio::test]
async fn no_responders_is_not_sent_without_the_connect_flag_or_a_matching_subscription() {
    let server = TestServer::start();
    let mut without_flag =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"headers":true}"#).await;
    without_flag
        .send("SUB _INBOX.x 1\r\nPUB nobody _INBOX.x 0\r\n\r\n")
        .await;
    without_flag.ping_pong().await;

    let mut without_sub = RawClient::connect_with(
        &server.addr(),
        r#"{"verbose":false,"headers":true,"no_responders":true}"#,
    )
    .await;
    without_sub.send("PUB nobody _INBOX.x 0\r\n\r\n").await;
    without_sub.ping_pong().await;
}

#[tokio::test]
async fn no_responders_without_headers_is_rejected_and_closed() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false,\"headers\":false,\"no_responders\":true}\r\nPING\r\n")
        .await;
    c.expect_exact("-ERR 'no responders requires headers support'")
        .await;
    c.expect_closed(Duration::from_secs(2)).await;
}
