//! Mirrors and sources as a process: a server killed (SIGKILL) while a source and a mirror
//! catch up with a large origin resumes where the copies stopped: every origin message ends
//! up in the sourcing stream exactly once, and the mirror holds the origin's sequences.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy, stream};
use futures::StreamExt;
use rill_tests::{ServerBuilder, TempDir, TestServer};

fn start(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

async fn publish_many(js: &jetstream::Context, from: u64, to: u64) {
    let mut acks = Vec::new();
    for i in from..to {
        acks.push(
            js.publish(format!("o.{}", i % 7), format!("{i}").into())
                .await
                .expect("publish"),
        );
        if acks.len() == 500 {
            for a in acks.drain(..) {
                a.await.expect("ack");
            }
        }
    }
    for a in acks {
        a.await.expect("ack");
    }
}

/// Waits (up to 60 s) until `name` holds `n` messages.
async fn wait_for(js: &jetstream::Context, name: &str, n: u64) -> stream::Info {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut s = js.get_stream(name).await.expect("stream");
        let info = s.info().await.expect("info").clone();
        if info.state.messages >= n || Instant::now() > deadline {
            assert_eq!(info.state.messages, n, "{name} holds every origin message");
            return info;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The origin sequences named by the `Nats-Stream-Source` headers of every message in `name`.
async fn sourced_seqs(js: &jetstream::Context, name: &str) -> Vec<u64> {
    let s = js.get_stream(name).await.expect("stream");
    let c = s
        .create_consumer(pull::Config {
            ack_policy: AckPolicy::None,
            ..Default::default()
        })
        .await
        .expect("consumer");
    let mut msgs = c.messages().await.expect("messages");
    let total = s.get_info().await.expect("info").state.messages;
    let mut seqs = Vec::new();
    while (seqs.len() as u64) < total {
        let m = msgs.next().await.expect("message").expect("message");
        let h = m.headers.as_ref().expect("headers");
        let v = h.get("Nats-Stream-Source").expect("Nats-Stream-Source");
        let mut fields = v.as_str().split(' ');
        assert_eq!(fields.next(), Some("ORIGIN"), "{}", v.as_str());
        seqs.push(
            fields
                .next()
                .and_then(|s| s.parse().ok())
                .expect("sequence"),
        );
    }
    seqs
}

#[tokio::test]
async fn sigkill_during_catch_up_neither_loses_nor_duplicates() {
    let store = TempDir::new();
    let mut server = start(&store);
    let js = jetstream::new(server.connect().await);
    let origin = stream::Config {
        name: "ORIGIN".into(),
        subjects: vec!["o.>".into()],
        ..Default::default()
    };
    js.create_stream(origin).await.expect("origin");
    publish_many(&js, 0, 20_000).await;
    let sourcing = stream::Config {
        name: "S".into(),
        sources: Some(vec![stream::Source {
            name: "ORIGIN".into(),
            ..Default::default()
        }]),
        ..Default::default()
    };
    js.create_stream(sourcing).await.expect("source");
    // Killed while the copies are under way: the reply to the create comes with the first
    // chunk of copies (and, as the other requests here, lets the service turn).
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(10)).expect("killed");

    let mut server = start(&store);
    let js = jetstream::new(server.connect().await);
    let mirror = stream::Config {
        name: "M".into(),
        mirror: Some(stream::Source {
            name: "ORIGIN".into(),
            start_sequence: Some(10),
            ..Default::default()
        }),
        ..Default::default()
    };
    js.create_stream(mirror).await.expect("mirror");
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(10)).expect("killed");

    let server = start(&store);
    let js = jetstream::new(server.connect().await);
    publish_many(&js, 20_000, 21_000).await;
    wait_for(&js, "S", 21_000).await;
    let m = wait_for(&js, "M", 20_991).await;
    assert_eq!(
        (m.state.first_sequence, m.state.last_sequence),
        (10, 21_000),
        "the mirror keeps the origin's sequences"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let seqs = sourced_seqs(&js, "S").await;
    let distinct: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(seqs.len(), 21_000);
    assert_eq!(distinct.len(), 21_000, "no duplicates");
    assert_eq!(
        (distinct.first(), distinct.last()),
        (Some(&1), Some(&21_000)),
        "no losses"
    );
    // Each source's copies keep the origin's order.
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}
