//! Republish and subject delete markers end to end in-process with async-nats: copies reach
//! plain subscribers and other streams' captures with their origin headers; `max_age`
//! leaves a marker that direct gets return and consumers (KV watchers) receive.

use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy};
use async_nats::jetstream::kv::{self, Operation};
use async_nats::jetstream::stream::{self, Republish};
use futures::StreamExt;

use super::tests::js;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn stored_messages_are_republished_to_subscribers_and_streams() {
    let js = js("republish").await;
    js.ctx
        .create_stream(stream::Config {
            name: "src".into(),
            subjects: vec!["src.>".into()],
            republish: Some(Republish {
                source: "src.*".into(),
                destination: "copy.$1".into(),
                headers_only: false,
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let dest = js
        .ctx
        .create_stream(stream::Config {
            name: "dest".into(),
            subjects: vec!["copy.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let mut sub = js.ctx.client().subscribe("copy.>").await.unwrap();
    js.ctx.client().flush().await.unwrap();
    for (i, subj) in ["src.a", "src.b", "src.a", "src.not.mapped"]
        .iter()
        .enumerate()
    {
        let ack = js.ctx.publish(*subj, format!("m{i}").into()).await.unwrap();
        assert_eq!(ack.await.unwrap().sequence, i as u64 + 1);
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        let m = tokio::time::timeout(WAIT, sub.next())
            .await
            .unwrap()
            .unwrap();
        let h = m.headers.clone().unwrap();
        let get = |k: &str| h.get(k).map(|v| v.to_string()).unwrap_or_default();
        got.push((
            m.subject.to_string(),
            String::from_utf8_lossy(&m.payload).to_string(),
            get("Nats-Stream"),
            get("Nats-Subject"),
            get("Nats-Sequence"),
            get("Nats-Last-Sequence"),
        ));
        assert!(h.get("Nats-Time-Stamp").is_some());
    }
    let row = |a: &str, b: &str, c: &str, d: &str, e: &str, f: &str| {
        (a.into(), b.into(), c.into(), d.into(), e.into(), f.into())
    };
    assert_eq!(
        got,
        vec![
            row("copy.a", "m0", "src", "src.a", "1", "0"),
            row("copy.b", "m1", "src", "src.b", "2", "0"),
            row("copy.a", "m2", "src", "src.a", "3", "1"),
        ]
    );
    // The copies are publishes like any other: the dest stream captured them.
    let c = dest
        .create_consumer(pull::Config {
            durable_name: Some("d".into()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut msgs = c.fetch().max_messages(3).messages().await.unwrap();
    let mut subjects = Vec::new();
    while let Some(m) = msgs.next().await {
        subjects.push(m.unwrap().subject.to_string());
    }
    assert_eq!(subjects, ["copy.a", "copy.b", "copy.a"]);
}

#[tokio::test]
async fn max_age_leaves_a_marker_for_direct_get_and_watchers() {
    let js = js("markers").await;
    let kv = js
        .ctx
        .create_key_value(kv::Config {
            bucket: "m".into(),
            history: 5,
            max_age: Duration::from_millis(300),
            limit_markers: Some(Duration::from_secs(5)),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut watch = kv.watch_all().await.unwrap();
    kv.put("k", "v".into()).await.unwrap();
    let put = tokio::time::timeout(WAIT, watch.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((put.key.as_str(), put.operation), ("k", Operation::Put));
    let marker = tokio::time::timeout(WAIT, watch.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        (marker.key.as_str(), marker.operation),
        ("k", Operation::Purge)
    );
    assert!(marker.value.is_empty());
    assert_eq!(marker.revision, 2);

    let s = js.ctx.get_stream("KV_m").await.unwrap();
    let last = s.direct_get_last_for_subject("$KV.m.k").await.unwrap();
    assert_eq!(
        last.headers.get("Nats-Marker-Reason").unwrap().as_str(),
        "MaxAge"
    );
    assert_eq!(last.headers.get("Nats-TTL").unwrap().as_str(), "5s");
    assert!(kv.get("k").await.unwrap().is_none());
}
