//! Core publish/subscribe through async-nats: delivery, fan-out, ordering, payload fidelity,
//! unsubscribe and auto-unsubscribe, many subscriptions, echo.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use rill_tests::{assert_no_msg, next_msg, sync, sync_no_echo, within, TestServer};

#[tokio::test]
async fn published_message_reaches_subscriber_on_another_connection() {
    let server = TestServer::start();
    let sub_client = server.connect().await;
    let pub_client = server.connect().await;
    let mut sub = sub_client.subscribe("greet.joe").await.expect("subscribe");
    sync(&sub_client).await;

    pub_client
        .publish("greet.joe", "hello".into())
        .await
        .expect("publish");
    sync(&pub_client).await;

    let msg = next_msg(&mut sub).await;
    assert_eq!(msg.subject.as_str(), "greet.joe");
    assert_eq!(msg.payload, Bytes::from_static(b"hello"));
    assert!(msg.reply.is_none());
    assert!(msg.headers.is_none());
}

#[tokio::test]
async fn message_to_other_subject_is_not_delivered() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("a.b").await.expect("subscribe");
    client.publish("a.c", "x".into()).await.expect("publish");
    client.publish("a.b.c", "x".into()).await.expect("publish");
    client.publish("a.b", "mine".into()).await.expect("publish");
    sync(&client).await;

    assert_eq!(
        next_msg(&mut sub).await.payload,
        Bytes::from_static(b"mine")
    );
    assert_no_msg(&mut sub, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn every_subscriber_gets_its_own_copy() {
    let server = TestServer::start();
    let clients = [
        server.connect().await,
        server.connect().await,
        server.connect().await,
    ];
    let mut subs = Vec::new();
    for client in &clients {
        subs.push(client.subscribe("fan.out").await.expect("subscribe"));
        sync(client).await;
    }
    // A second subscription on the same connection gets its own copy too.
    subs.push(clients[0].subscribe("fan.out").await.expect("subscribe"));
    sync(&clients[0]).await;

    let publisher = server.connect().await;
    publisher
        .publish("fan.out", "one".into())
        .await
        .expect("publish");
    sync(&publisher).await;

    for sub in &mut subs {
        assert_eq!(next_msg(sub).await.payload, Bytes::from_static(b"one"));
        assert_no_msg(sub, Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn messages_from_one_publisher_arrive_in_order() {
    let server = TestServer::start();
    let client = server.connect().await;
    let publisher = server.connect().await;
    let mut sub = client.subscribe("seq").await.expect("subscribe");
    sync(&client).await;

    const COUNT: usize = 2_000;
    for i in 0..COUNT {
        publisher
            .publish("seq", i.to_string().into())
            .await
            .expect("publish");
    }
    sync(&publisher).await;

    for i in 0..COUNT {
        let msg = next_msg(&mut sub).await;
        assert_eq!(
            msg.payload,
            Bytes::from(i.to_string()),
            "message {i} out of order"
        );
    }
}

#[tokio::test]
async fn empty_and_binary_payloads_round_trip_unchanged() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut sub = client.subscribe("bin").await.expect("subscribe");

    let binary: Vec<u8> = (0..=255u8)
        .chain(b"\r\nPUB x 1\r\n".iter().copied())
        .collect();
    let big: Vec<u8> = (0..512 * 1024).map(|i| (i % 251) as u8).collect();
    client
        .publish("bin", Bytes::new())
        .await
        .expect("publish empty");
    client
        .publish("bin", binary.clone().into())
        .await
        .expect("publish binary");
    client
        .publish("bin", big.clone().into())
        .await
        .expect("publish 512 KiB");
    sync(&client).await;

    assert!(next_msg(&mut sub).await.payload.is_empty());
    assert_eq!(next_msg(&mut sub).await.payload, binary);
    assert_eq!(next_msg(&mut sub).await.payload, big);
}

#[tokio::test]
async fn unsubscribed_subscription_receives_nothing_more() {
    let server = TestServer::start();
    let client = server.connect().await;
    let publisher = server.connect().await;
    let mut sub = client.subscribe("gone").await.expect("subscribe");
    let mut other = client.subscribe("gone").await.expect("subscribe");
    sync(&client).await;
    publisher
        .publish("gone", "1".into())
        .await
        .expect("publish");
    sync(&publisher).await;
    assert_eq!(next_msg(&mut sub).await.payload, Bytes::from_static(b"1"));
    assert_eq!(next_msg(&mut other).await.payload, Bytes::from_static(b"1"));

    sub.unsubscribe().await.expect("unsubscribe");
    sync(&client).await;
    publisher
        .publish("gone", "2".into())
        .await
        .expect("publish");
    sync(&publisher).await;

    assert_eq!(next_msg(&mut other).await.payload, Bytes::from_static(b"2"));
    assert_no_msg(&mut sub, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn auto_unsubscribe_stops_after_max_messages() {
    let server = TestServer::start();
    let client = server.connect().await;
    let publisher = server.connect().await;
    let mut sub = client.subscribe("limited").await.expect("subscribe");
    sub.unsubscribe_after(3).await.expect("unsubscribe_after");
    sync(&client).await;

    for i in 0..6 {
        publisher
            .publish("limited", i.to_string().into())
            .await
            .expect("publish");
    }
    sync(&publisher).await;

    for i in 0..3 {
        assert_eq!(next_msg(&mut sub).await.payload, Bytes::from(i.to_string()));
    }
    // After the 3rd delivery the subscription ends (client side) and the server sends no more.
    match within(Duration::from_secs(2), "end of subscription", sub.next()).await {
        None => {}
        Some(msg) => panic!("got a 4th message: {:?}", msg.payload),
    }
}

#[tokio::test]
async fn thousand_subscriptions_on_distinct_subjects_and_a_wildcard_all_receive() {
    let server = TestServer::start();
    let client = server.connect().await;
    const COUNT: usize = 1_000;
    let mut subs = Vec::with_capacity(COUNT);
    for i in 0..COUNT {
        subs.push(
            client
                .subscribe(format!("many.{i}"))
                .await
                .expect("subscribe"),
        );
    }
    let mut wildcard = client
        .subscribe("many.*")
        .await
        .expect("subscribe wildcard");
    sync(&client).await;

    let publisher = server.connect().await;
    for i in 0..COUNT {
        publisher
            .publish(format!("many.{i}"), i.to_string().into())
            .await
            .expect("publish");
    }
    sync(&publisher).await;

    for (i, sub) in subs.iter_mut().enumerate() {
        let msg = next_msg(sub).await;
        assert_eq!(msg.subject.as_str(), format!("many.{i}"));
        assert_eq!(msg.payload, Bytes::from(i.to_string()));
    }
    let mut seen = vec![false; COUNT];
    for _ in 0..COUNT {
        let msg = next_msg(&mut wildcard).await;
        let i: usize = std::str::from_utf8(&msg.payload)
            .expect("utf8")
            .parse()
            .expect("number");
        assert!(!seen[i], "wildcard got message {i} twice");
        seen[i] = true;
    }
    assert_no_msg(&mut wildcard, Duration::from_millis(100)).await;
}

#[tokio::test]
async fn no_echo_client_does_not_receive_its_own_messages() {
    let server = TestServer::start();
    let quiet = server
        .connect_with(async_nats::ConnectOptions::new().no_echo())
        .await
        .expect("connect no_echo");
    let other = server.connect().await;
    let mut own_sub = quiet.subscribe("echo.test").await.expect("subscribe");
    let mut other_sub = other.subscribe("echo.test").await.expect("subscribe");
    sync_no_echo(&quiet).await;
    sync(&other).await;

    quiet
        .publish("echo.test", "from-quiet".into())
        .await
        .expect("publish");
    sync_no_echo(&quiet).await;
    assert_eq!(
        next_msg(&mut other_sub).await.payload,
        Bytes::from_static(b"from-quiet")
    );

    other
        .publish("echo.test", "from-other".into())
        .await
        .expect("publish");
    sync(&other).await;
    // The no-echo client still receives other connections' messages, and only those.
    assert_eq!(
        next_msg(&mut own_sub).await.payload,
        Bytes::from_static(b"from-other")
    );
    assert_no_msg(&mut own_sub, Duration::from_millis(200)).await;
}
