//! Subject wildcards: `*` is exactly one token, `>` one or more trailing tokens, and both are
//! wildcards only as whole tokens.

use std::time::Duration;

use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use rill_tests::{assert_no_msg, next_msg, sync, RawClient, TestServer};

/// Publishes each subject (payload = subject) and returns the subjects a `filter` subscription
/// received, in order. A marker message on a second subscription of the same connection,
/// published last, proves every earlier match has already been delivered: no quiet-period wait.
async fn subjects_matching(server: &TestServer, filter: &str, subjects: &[&str]) -> Vec<String> {
    let client = server.connect().await;
    let mut sub = client
        .subscribe(filter.to_owned())
        .await
        .expect("subscribe");
    let mut marker = client
        .subscribe("_marker_")
        .await
        .expect("subscribe marker");
    sync(&client).await;
    let publisher = server.connect().await;
    for subject in subjects {
        let payload = Bytes::from(subject.to_string());
        publisher
            .publish(subject.to_string(), payload)
            .await
            .expect("publish");
    }
    publisher
        .publish("_marker_", Bytes::new())
        .await
        .expect("publish marker");
    sync(&publisher).await;
    next_msg(&mut marker).await;

    let mut got = Vec::new();
    while let Some(Some(msg)) = tokio::task::unconstrained(sub.next()).now_or_never() {
        let subject = msg.subject.as_str();
        if subject == "_marker_" || subject.starts_with("_INBOX.") {
            continue; // a `>` filter also matches the marker and the sync round trips
        }
        assert_eq!(msg.payload, Bytes::from(msg.subject.to_string()));
        got.push(msg.subject.to_string());
    }
    got
}

#[tokio::test]
async fn star_matches_exactly_one_token() {
    let server = TestServer::start();
    let got = subjects_matching(
        &server,
        "orders.*.created",
        &[
            "orders.1.created",
            "orders.created",
            "orders.1.2.created",
            "orders.abc.created",
            "orders.1.deleted",
        ],
    )
    .await;
    assert_eq!(got, ["orders.1.created", "orders.abc.created"]);
}

#[tokio::test]
async fn star_in_last_position_does_not_match_deeper_subjects() {
    let server = TestServer::start();
    let got = subjects_matching(&server, "a.*", &["a", "a.b", "a.b.c", "b.a", "a.c"]).await;
    assert_eq!(got, ["a.b", "a.c"]);
}

#[tokio::test]
async fn greater_than_matches_one_or_more_trailing_tokens() {
    let server = TestServer::start();
    let got = subjects_matching(
        &server,
        "events.>",
        &["events", "events.a", "events.a.b.c", "other.a", "eventsx.a"],
    )
    .await;
    assert_eq!(got, ["events.a", "events.a.b.c"]);
}

#[tokio::test]
async fn lone_greater_than_matches_every_subject() {
    let server = TestServer::start();
    let got = subjects_matching(&server, ">", &["a", "a.b", "x.y.z"]).await;
    assert_eq!(got, ["a", "a.b", "x.y.z"]);
}

#[tokio::test]
async fn mixed_wildcards_combine() {
    let server = TestServer::start();
    let got = subjects_matching(
        &server,
        "*.b.>",
        &["a.b", "a.b.c", "x.b.c.d", "a.c.c", "a.x.b.c"],
    )
    .await;
    assert_eq!(got, ["a.b.c", "x.b.c.d"]);
}

#[tokio::test]
async fn overlapping_subscriptions_on_one_connection_each_get_a_copy() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut exact = client.subscribe("x.y").await.expect("subscribe");
    let mut star = client.subscribe("x.*").await.expect("subscribe");
    let mut gt = client.subscribe("x.>").await.expect("subscribe");
    client.publish("x.y", "m".into()).await.expect("publish");
    sync(&client).await;
    for sub in [&mut exact, &mut star, &mut gt] {
        assert_eq!(next_msg(sub).await.payload, Bytes::from_static(b"m"));
        assert_no_msg(sub, Duration::from_millis(100)).await;
    }
}

/// `foo*` and `b>` are literal tokens, not wildcards (raw TCP: clients may refuse such subjects).
#[tokio::test]
async fn wildcard_characters_inside_a_token_are_literal() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send(
        "SUB foo*.bar 1\r\nSUB a.b> 2\r\n\
         PUB fooX.bar 1\r\n1\r\nPUB foo*.bar 1\r\n2\r\nPUB a.b> 1\r\n3\r\nPUB a.b.c 1\r\n4\r\n",
    )
    .await;
    let first = c.expect_msg().await;
    assert_eq!(
        (first.subject.as_str(), first.sid.as_str()),
        ("foo*.bar", "1")
    );
    assert_eq!(first.payload, b"2");
    let second = c.expect_msg().await;
    assert_eq!(
        (second.subject.as_str(), second.sid.as_str()),
        ("a.b>", "2")
    );
    assert_eq!(second.payload, b"3");
    c.ping_pong().await;
}
