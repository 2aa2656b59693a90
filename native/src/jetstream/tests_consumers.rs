//! Consumers end to end in-process with async-nats: pull batches, acks, two workers sharing a
//! durable, redelivery after ack_wait, push delivery, consumer info and persistence of state.

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, push, AckPolicy};
use async_nats::jetstream::{self, stream, AckKind};
use futures::StreamExt;

use super::tests::{js, Js};

async fn filled(js: &Js, name: &str, n: u64) -> stream::Stream {
    let s = js
        .ctx
        .create_stream(stream::Config {
            name: name.into(),
            subjects: vec![format!("{name}.>")],
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..n {
        js.ctx
            .publish(format!("{name}.x"), format!("m{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    s
}

fn durable(name: &str) -> pull::Config {
    pull::Config {
        durable_name: Some(name.into()),
        ack_policy: AckPolicy::Explicit,
        ..Default::default()
    }
}

#[tokio::test]
async fn pull_consumer_fetches_acks_and_reports_info() {
    let js = js("pull").await;
    let s = filled(&js, "P", 10).await;
    let c = s.create_consumer(durable("work")).await.unwrap();
    let mut msgs = c.fetch().max_messages(4).messages().await.unwrap();
    let mut got = Vec::new();
    while let Some(m) = msgs.next().await {
        let m = m.unwrap();
        got.push(m.info().unwrap().stream_sequence);
        m.ack().await.unwrap();
    }
    assert_eq!(got, [1, 2, 3, 4]);
    // Acks are asynchronous: wait until the server has counted them.
    let mut c = c;
    let info = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let info = c.info().await.unwrap().clone();
            if info.ack_floor.stream_sequence == 4 {
                return info;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(info.num_pending, 6);
    assert_eq!(info.delivered.stream_sequence, 4);
    assert_eq!(info.num_ack_pending, 0);
}

#[tokio::test]
async fn two_workers_on_one_durable_share_disjoint_messages() {
    let js = js("workers").await;
    let s = filled(&js, "W", 100).await;
    s.create_consumer(durable("shared")).await.unwrap();
    let worker = |ctx: jetstream::Context| async move {
        let c: jetstream::consumer::PullConsumer =
            ctx.get_consumer_from_stream("shared", "W").await.unwrap();
        let mut seen = Vec::new();
        loop {
            let mut batch = c
                .fetch()
                .max_messages(7)
                .expires(Duration::from_millis(300))
                .messages()
                .await
                .unwrap();
            let mut n = 0;
            while let Some(m) = batch.next().await {
                let m = m.unwrap();
                seen.push(m.info().unwrap().stream_sequence);
                m.ack().await.unwrap();
                n += 1;
            }
            if n == 0 {
                return seen;
            }
        }
    };
    let (a, b) = tokio::join!(worker(js.ctx.clone()), worker(js.ctx.clone()));
    let sa: BTreeSet<u64> = a.iter().copied().collect();
    let sb: BTreeSet<u64> = b.iter().copied().collect();
    assert!(sa.is_disjoint(&sb), "a message went to both workers");
    let all: BTreeSet<u64> = sa.union(&sb).copied().collect();
    assert_eq!(all, (1..=100).collect(), "every message delivered once");
    assert!(
        !a.is_empty() && !b.is_empty(),
        "both workers got work: {} / {}",
        a.len(),
        b.len()
    );
}

#[tokio::test]
async fn unacked_messages_are_redelivered_after_ack_wait_and_nak_redelivers_now() {
    let js = js("redeliver").await;
    let s = filled(&js, "R", 2).await;
    let cfg = pull::Config {
        ack_wait: Duration::from_millis(300),
        ..durable("slow")
    };
    let c = s.create_consumer(cfg).await.unwrap();
    let mut msgs = c.messages().await.unwrap();
    let first = msgs.next().await.unwrap().unwrap();
    assert_eq!(first.info().unwrap().delivered, 1);
    let second = msgs.next().await.unwrap().unwrap();
    second.ack_with(AckKind::Nak(None)).await.unwrap();
    let mut redelivered = BTreeSet::new();
    while redelivered.len() < 2 {
        let m = tokio::time::timeout(Duration::from_secs(5), msgs.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let info = m.info().unwrap();
        assert_eq!(
            info.delivered, 2,
            "second delivery of seq {}",
            info.stream_sequence
        );
        redelivered.insert(info.stream_sequence);
        m.ack().await.unwrap();
    }
    assert_eq!(redelivered, BTreeSet::from([1, 2]));
}

#[tokio::test]
async fn push_consumer_delivers_to_its_subject() {
    let js = js("push").await;
    let s = filled(&js, "PU", 5).await;
    let cfg = push::Config {
        durable_name: Some("pusher".into()),
        deliver_subject: "deliver.pusher".into(),
        ack_policy: AckPolicy::Explicit,
        ..Default::default()
    };
    let c = s.create_consumer(cfg).await.unwrap();
    let mut msgs = c.messages().await.unwrap();
    for want in 1..=5 {
        let m = tokio::time::timeout(Duration::from_secs(5), msgs.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(m.info().unwrap().stream_sequence, want);
        m.ack().await.unwrap();
    }
}

#[tokio::test]
async fn workqueue_stream_removes_acked_messages() {
    let js = js("wq").await;
    let cfg = stream::Config {
        name: "WQ".into(),
        subjects: vec!["wq.>".into()],
        retention: stream::RetentionPolicy::WorkQueue,
        ..Default::default()
    };
    let mut s = js.ctx.create_stream(cfg).await.unwrap();
    for i in 0..3 {
        js.ctx
            .publish("wq.a", format!("{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let c = s.create_consumer(durable("jobs")).await.unwrap();
    let mut batch = c.fetch().max_messages(3).messages().await.unwrap();
    while let Some(m) = batch.next().await {
        m.unwrap().double_ack().await.unwrap();
    }
    assert_eq!(s.info().await.unwrap().state.messages, 0);
}

#[tokio::test]
async fn sampled_acks_are_published_as_metrics() {
    let js = js("sample").await;
    let s = filled(&js, "SM", 3).await;
    let client = js.ctx.client();
    let mut metrics = client
        .subscribe("$JS.EVENT.METRIC.CONSUMER.ACK.SM.watched")
        .await
        .unwrap();
    client.flush().await.unwrap();
    let cfg = pull::Config {
        sample_frequency: 100,
        ..durable("watched")
    };
    let c = s.create_consumer(cfg).await.unwrap();
    let mut msgs = c.fetch().max_messages(3).messages().await.unwrap();
    while let Some(m) = msgs.next().await {
        m.unwrap().double_ack().await.unwrap();
    }
    let mut seqs = Vec::new();
    for _ in 0..3 {
        let m = tokio::time::timeout(Duration::from_secs(5), metrics.next())
            .await
            .expect("a metric per ack")
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        assert_eq!(v["type"], "io.nats.jetstream.metric.v1.consumer_ack");
        assert_eq!(
            (v["stream"].as_str(), v["consumer"].as_str()),
            (Some("SM"), Some("watched"))
        );
        assert_eq!(v["deliveries"].as_u64(), Some(1));
        assert!(v["ack_time"].as_i64().is_some_and(|t| t >= 0));
        seqs.push(v["stream_seq"].as_u64().unwrap());
    }
    assert_eq!(seqs, [1, 2, 3]);
}
