//! Queue groups: each message goes to exactly one member of each group, load is spread across
//! members, and plain subscribers still get every message.

use std::time::Duration;

use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use rill_tests::{next_msg, sync, TestServer};

/// Drains everything already delivered to `sub` (call after a marker proved delivery).
/// `unconstrained`: tokio's cooperative budget would otherwise make `next()` report Pending after
/// ~128 ready messages.
fn drain_now(sub: &mut async_nats::Subscriber) -> Vec<Bytes> {
    let mut got = Vec::new();
    while let Some(Some(msg)) = tokio::task::unconstrained(sub.next()).now_or_never() {
        got.push(msg.payload);
    }
    got
}

/// Publishes `count` numbered messages on `subject`, then waits until the marker subscription on
/// every member connection has its marker, so that all queue deliveries have arrived.
async fn publish_numbered(
    publisher: &async_nats::Client,
    subject: &str,
    count: usize,
    markers: &mut [async_nats::Subscriber],
) {
    for i in 0..count {
        publisher
            .publish(subject.to_owned(), i.to_string().into())
            .await
            .expect("publish");
    }
    publisher
        .publish("marker", Bytes::new())
        .await
        .expect("publish marker");
    sync(publisher).await;
    for marker in markers {
        next_msg(marker).await;
    }
}

#[tokio::test]
async fn queue_group_delivers_each_message_to_exactly_one_member() {
    let server = TestServer::start();
    let mut clients = Vec::new();
    let mut members = Vec::new();
    let mut markers = Vec::new();
    for _ in 0..3 {
        let client = server.connect().await;
        members.push(
            client
                .queue_subscribe("work", "workers".into())
                .await
                .expect("qsub"),
        );
        markers.push(client.subscribe("marker").await.expect("subscribe"));
        sync(&client).await;
        clients.push(client);
    }
    let publisher = server.connect().await;
    const COUNT: usize = 300;
    publish_numbered(&publisher, "work", COUNT, &mut markers).await;

    let mut seen = vec![0u32; COUNT];
    let mut per_member = Vec::new();
    for member in &mut members {
        let got = drain_now(member);
        per_member.push(got.len());
        for payload in got {
            let i: usize = std::str::from_utf8(&payload)
                .expect("utf8")
                .parse()
                .expect("number");
            seen[i] += 1;
        }
    }
    let dupes: Vec<usize> = (0..COUNT).filter(|&i| seen[i] != 1).collect();
    assert!(
        dupes.is_empty(),
        "messages not delivered exactly once: {dupes:?}"
    );
    assert_eq!(per_member.iter().sum::<usize>(), COUNT);
}

#[tokio::test]
async fn queue_group_spreads_messages_across_members() {
    let server = TestServer::start();
    let client_a = server.connect().await;
    let client_b = server.connect().await;
    let client_c = server.connect().await;
    let mut members = Vec::new();
    let mut markers = Vec::new();
    for client in [&client_a, &client_b, &client_c] {
        members.push(
            client
                .queue_subscribe("jobs", "pool".into())
                .await
                .expect("qsub"),
        );
        markers.push(client.subscribe("marker").await.expect("subscribe"));
        sync(client).await;
    }
    let publisher = server.connect().await;
    const COUNT: usize = 300;
    publish_numbered(&publisher, "jobs", COUNT, &mut markers).await;

    let counts: Vec<usize> = members.iter_mut().map(|m| drain_now(m).len()).collect();
    assert_eq!(counts.iter().sum::<usize>(), COUNT, "counts {counts:?}");
    // Random choice among 3 members: each gets ~100; none may be starved or take everything.
    for count in &counts {
        assert!(*count >= 30, "load not spread: {counts:?}");
    }
}

#[tokio::test]
async fn queue_members_on_one_connection_share_the_load() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut first = client
        .queue_subscribe("same", "g".into())
        .await
        .expect("qsub");
    let mut second = client
        .queue_subscribe("same", "g".into())
        .await
        .expect("qsub");
    let mut marker = client.subscribe("marker").await.expect("subscribe");
    sync(&client).await;
    publish_numbered(&client, "same", 200, std::slice::from_mut(&mut marker)).await;

    let (a, b) = (drain_now(&mut first).len(), drain_now(&mut second).len());
    assert_eq!(a + b, 200);
    assert!(a > 0 && b > 0, "one member got everything: {a} / {b}");
}

#[tokio::test]
async fn every_group_and_every_plain_subscriber_gets_each_message() {
    let server = TestServer::start();
    let client = server.connect().await;
    let mut group_a = [
        client
            .queue_subscribe("orders", "a".into())
            .await
            .expect("qsub"),
        client
            .queue_subscribe("orders", "a".into())
            .await
            .expect("qsub"),
    ];
    let mut group_b = [
        client
            .queue_subscribe("orders", "b".into())
            .await
            .expect("qsub"),
        client
            .queue_subscribe("orders.*", "b".into())
            .await
            .expect("qsub wildcard"),
    ];
    let mut plain = client.subscribe("orders").await.expect("subscribe");
    let mut marker = client.subscribe("marker").await.expect("subscribe");
    sync(&client).await;
    let publisher = server.connect().await;
    publish_numbered(&publisher, "orders", 100, std::slice::from_mut(&mut marker)).await;

    let total_a: usize = group_a.iter_mut().map(|s| drain_now(s).len()).sum();
    let per_b: Vec<usize> = group_b.iter_mut().map(|s| drain_now(s).len()).collect();
    assert_eq!(total_a, 100, "group a");
    // `orders.*` does not match `orders`: only the first member of group b receives.
    assert_eq!(per_b, [100, 0], "group b");
    assert_eq!(drain_now(&mut plain).len(), 100, "plain subscriber");
}

#[tokio::test]
async fn remaining_member_takes_over_after_another_unsubscribes() {
    let server = TestServer::start();
    let client = server.connect().await;
    let leaving = client
        .queue_subscribe("svc", "g".into())
        .await
        .expect("qsub");
    let mut staying = client
        .queue_subscribe("svc", "g".into())
        .await
        .expect("qsub");
    sync(&client).await;
    let mut leaving = leaving;
    leaving.unsubscribe().await.expect("unsubscribe");
    let mut marker = client.subscribe("marker").await.expect("subscribe");
    sync(&client).await;

    publish_numbered(&client, "svc", 50, std::slice::from_mut(&mut marker)).await;
    assert_eq!(drain_now(&mut staying).len(), 50);
    assert!(
        tokio::time::timeout(Duration::from_millis(50), leaving.next())
            .await
            .map_or(true, |m| m.is_none()),
        "unsubscribed member still received"
    );
}
