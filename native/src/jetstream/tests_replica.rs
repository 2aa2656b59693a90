//! The replicated path on one server: every stream runs through a loopback group that
//! commits each proposed entry at once, so publishes, API writes, acks, timers and interest
//! changes all travel as log entries and are applied by the replica code, with real
//! async-nats clients checking the results.

use std::time::Duration;

use async_nats::jetstream::consumer::{pull, push, AckPolicy};
use async_nats::jetstream::{self, stream};
use futures::StreamExt;

use super::test_node::{self, TestNode};

struct Loop {
    _node: TestNode,
    ctx: jetstream::Context,
}

async fn looped(tag: &str) -> Loop {
    let node = test_node::start("loop", tag, false, true).await;
    let client = async_nats::connect(format!("nats://{}", node.server.client_addr))
        .await
        .unwrap();
    Loop {
        _node: node,
        ctx: jetstream::new(client),
    }
}

async fn filled(l: &Loop, name: &str, n: u64, max_age: Duration) -> stream::Stream {
    let s = l
        .ctx
        .create_stream(stream::Config {
            name: name.into(),
            subjects: vec![format!("{name}.>")],
            max_age,
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..n {
        let ack = l
            .ctx
            .publish(format!("{name}.x"), format!("m{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
        assert_eq!(ack.sequence, i + 1);
    }
    s
}

fn durable(name: &str, ack_wait: Duration) -> pull::Config {
    pull::Config {
        durable_name: Some(name.into()),
        ack_policy: AckPolicy::Explicit,
        ack_wait,
        ..Default::default()
    }
}

#[tokio::test]
async fn replicated_publishes_pulls_and_acks_apply_through_the_log() {
    let l = looped("pull").await;
    let mut s = filled(&l, "P", 20, Duration::ZERO).await;
    assert_eq!(s.info().await.unwrap().state.messages, 20);
    let mut c = s
        .create_consumer(durable("work", Duration::from_secs(30)))
        .await
        .unwrap();
    let mut msgs = c.fetch().max_messages(20).messages().await.unwrap();
    let mut seqs = Vec::new();
    while let Some(m) = msgs.next().await {
        let m = m.unwrap();
        seqs.push(m.info().unwrap().stream_sequence);
        m.double_ack().await.unwrap();
    }
    assert_eq!(seqs, (1..=20).collect::<Vec<u64>>());
    let info = c.info().await.unwrap();
    assert_eq!(info.ack_floor.stream_sequence, 20);
    assert_eq!(info.num_ack_pending, 0);
}

#[tokio::test]
async fn replicated_ack_wait_redelivers_through_ticks() {
    let l = looped("redeliver").await;
    let s = filled(&l, "R", 1, Duration::ZERO).await;
    let c = s
        .create_consumer(durable("slow", Duration::from_millis(300)))
        .await
        .unwrap();
    let first = c.fetch().max_messages(1).messages().await.unwrap();
    let first: Vec<_> = first.collect().await;
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let again = c
        .fetch()
        .max_messages(1)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    let again: Vec<_> = again.collect().await;
    let m = again[0].as_ref().unwrap();
    assert_eq!(m.info().unwrap().delivered, 2);
}

#[tokio::test]
async fn replicated_max_age_expires_through_ticks() {
    let l = looped("age").await;
    let mut s = filled(&l, "A", 5, Duration::from_millis(400)).await;
    tokio::time::timeout(Duration::from_secs(5), async {
        while s.info().await.unwrap().state.messages != 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("messages expire");
}

#[tokio::test]
async fn replicated_purge_delete_and_ephemeral_consumers() {
    let l = looped("admin").await;
    let mut s = filled(&l, "D", 10, Duration::ZERO).await;
    s.delete_message(3).await.unwrap();
    assert_eq!(s.info().await.unwrap().state.messages, 9);
    let eph = s
        .create_consumer(pull::Config {
            ack_policy: AckPolicy::None,
            ..Default::default()
        })
        .await
        .unwrap();
    let got: Vec<_> = eph
        .fetch()
        .max_messages(9)
        .messages()
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(got.len(), 9);
    s.purge().await.unwrap();
    assert_eq!(s.info().await.unwrap().state.messages, 0);
}

#[tokio::test]
async fn replicated_push_consumer_delivers_once_interest_is_seen() {
    let l = looped("push").await;
    let s = filled(&l, "H", 5, Duration::ZERO).await;
    let c = s
        .create_consumer(push::Config {
            durable_name: Some("pusher".into()),
            deliver_subject: "deliver.h".into(),
            ack_policy: AckPolicy::None,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut msgs = c.messages().await.unwrap();
    let mut n = 0;
    while n < 5 {
        let m = tokio::time::timeout(Duration::from_secs(5), msgs.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(m.info().unwrap().stream_sequence, n + 1);
        n += 1;
    }
}
