//! Mirrors, sources and subject transforms end to end in-process, with async-nats.
//! (Restarts and SIGKILL are process tests: `tests/tests/jetstream_sourcing.rs`.)

use std::time::{Duration, Instant};

use async_nats::jetstream::stream::{self, Source, SubjectTransform};

use super::tests::js;

fn cfg(name: &str, subjects: &[&str]) -> stream::Config {
    stream::Config {
        name: name.into(),
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn source(name: &str) -> Source {
    Source {
        name: name.into(),
        ..Default::default()
    }
}

async fn publish(js: &async_nats::jetstream::Context, subject: &str, payload: &str) -> u64 {
    js.publish(subject.to_string(), payload.to_string().into())
        .await
        .unwrap()
        .await
        .unwrap()
        .sequence
}

/// Waits (up to 10 s) until the stream holds `n` messages; returns its info.
async fn wait_for(js: &async_nats::jetstream::Context, name: &str, n: u64) -> stream::Info {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = js
            .get_stream(name)
            .await
            .unwrap()
            .info()
            .await
            .unwrap()
            .clone();
        if info.state.messages >= n || Instant::now() > deadline {
            assert_eq!(info.state.messages, n, "{name} holds {n} messages");
            return info;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `(seq, subject, payload, Nats-Stream-Source)` of every message of a stream.
async fn contents(
    js: &async_nats::jetstream::Context,
    name: &str,
) -> Vec<(u64, String, String, Option<String>)> {
    let s = js.get_stream(name).await.unwrap();
    let info = s.get_info().await.unwrap();
    let mut out = Vec::new();
    for seq in info.state.first_sequence..=info.state.last_sequence {
        let Ok(m) = s.get_raw_message(seq).await else {
            continue;
        };
        let source = m
            .headers
            .get("Nats-Stream-Source")
            .map(|v| v.as_str().to_string());
        out.push((
            seq,
            m.subject.to_string(),
            String::from_utf8(m.payload.to_vec()).unwrap(),
            source,
        ));
    }
    out
}

/// The raw `STREAM.INFO` JSON (async-nats does not decode source errors).
async fn raw_info(client: &async_nats::Client, name: &str) -> serde_json::Value {
    let reply = client
        .request(format!("$JS.API.STREAM.INFO.{name}"), "".into())
        .await
        .unwrap();
    serde_json::from_slice(&reply.payload).unwrap()
}

#[tokio::test]
async fn mirror_with_start_seq_holds_origin_sequences_and_follows_new_messages() {
    let js = js("src-mirror").await;
    js.ctx.create_stream(cfg("ORIGIN", &["o.>"])).await.unwrap();
    for i in 1..=5 {
        publish(&js.ctx, &format!("o.{}", i % 2), &format!("m{i}")).await;
    }
    let mirror = stream::Config {
        name: "M".into(),
        mirror: Some(Source {
            start_sequence: Some(3),
            ..source("ORIGIN")
        }),
        ..Default::default()
    };
    js.ctx.create_stream(mirror).await.unwrap();
    let info = wait_for(&js.ctx, "M", 3).await;
    assert_eq!(
        (info.state.first_sequence, info.state.last_sequence),
        (3, 5)
    );
    publish(&js.ctx, "o.x", "m6").await;
    let info = wait_for(&js.ctx, "M", 4).await;
    let m = info.mirror.expect("mirror info");
    assert_eq!((m.name.as_str(), m.lag), ("ORIGIN", 0));
    assert!(m.active.is_some());
    let held = contents(&js.ctx, "M").await;
    let seqs: Vec<u64> = held.iter().map(|m| m.0).collect();
    assert_eq!(seqs, vec![3, 4, 5, 6]);
    assert_eq!((held[3].1.as_str(), held[3].2.as_str()), ("o.x", "m6"));
    assert!(held.iter().all(|m| m.3.is_none()), "mirrors add no header");
}

#[tokio::test]
async fn filtered_mirror_keeps_gaps_and_can_be_promoted() {
    let js = js("src-mirror-gaps").await;
    js.ctx
        .create_stream(cfg("ORIGIN", &["a", "b"]))
        .await
        .unwrap();
    for s in ["a", "b", "b", "a"] {
        publish(&js.ctx, s, s).await;
    }
    let mirror = stream::Config {
        name: "M".into(),
        mirror: Some(Source {
            filter_subject: Some("a".into()),
            ..source("ORIGIN")
        }),
        ..Default::default()
    };
    js.ctx.create_stream(mirror).await.unwrap();
    let info = wait_for(&js.ctx, "M", 2).await;
    assert_eq!(info.state.last_sequence, 4);
    let seqs: Vec<u64> = contents(&js.ctx, "M").await.iter().map(|m| m.0).collect();
    assert_eq!(seqs, vec![1, 4]);
    // Promoted: no more copies, its own subjects continue its sequence.
    js.ctx.update_stream(cfg("M", &["promoted"])).await.unwrap();
    publish(&js.ctx, "a", "after").await;
    assert_eq!(publish(&js.ctx, "promoted", "own").await, 5);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let info = wait_for(&js.ctx, "M", 3).await;
    assert!(info.mirror.is_none());
}

#[tokio::test]
async fn source_with_filter_and_transform_writes_nats_stream_source_headers() {
    let js = js("src-transform").await;
    js.ctx
        .create_stream(cfg("ORIGIN", &["orders.*", "other"]))
        .await
        .unwrap();
    publish(&js.ctx, "orders.1", "one").await;
    publish(&js.ctx, "other", "skip").await;
    let s = stream::Config {
        name: "S".into(),
        sources: Some(vec![Source {
            subject_transforms: vec![SubjectTransform {
                source: "orders.*".into(),
                destination: "copy.{{wildcard(1)}}".into(),
            }],
            ..source("ORIGIN")
        }]),
        ..Default::default()
    };
    js.ctx.create_stream(s).await.unwrap();
    publish(&js.ctx, "orders.2", "two").await;
    let info = wait_for(&js.ctx, "S", 2).await;
    assert_eq!(info.sources.len(), 1);
    assert_eq!(
        (info.sources[0].name.as_str(), info.sources[0].lag),
        ("ORIGIN", 0)
    );
    assert_eq!(info.sources[0].subject_transforms.len(), 1);
    let held = contents(&js.ctx, "S").await;
    let want = |seq: u64, subj: &str, body: &str, origin_seq: u64| {
        (
            seq,
            subj.to_string(),
            body.to_string(),
            Some(format!(
                "ORIGIN {origin_seq} orders.* copy.{{{{wildcard(1)}}}}"
            )),
        )
    };
    assert_eq!(
        held,
        vec![want(1, "copy.1", "one", 1), want(2, "copy.2", "two", 3)]
    );
}

#[tokio::test]
async fn two_sources_interleave_and_each_keeps_its_order() {
    let js = js("src-two").await;
    js.ctx.create_stream(cfg("A", &["a"])).await.unwrap();
    js.ctx.create_stream(cfg("B", &["b"])).await.unwrap();
    publish(&js.ctx, "a", "a1").await;
    let s = stream::Config {
        name: "S".into(),
        sources: Some(vec![source("A"), source("B")]),
        ..Default::default()
    };
    js.ctx.create_stream(s).await.unwrap();
    for i in 2..=20 {
        publish(&js.ctx, "a", &format!("a{i}")).await;
        publish(&js.ctx, "b", &format!("b{}", i - 1)).await;
    }
    wait_for(&js.ctx, "S", 39).await;
    let held = contents(&js.ctx, "S").await;
    let from = |p: &str| -> Vec<String> {
        held.iter()
            .filter(|m| m.2.starts_with(p))
            .map(|m| m.2.clone())
            .collect()
    };
    assert_eq!(
        from("a"),
        (1..=20).map(|i| format!("a{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        from("b"),
        (1..=19).map(|i| format!("b{i}")).collect::<Vec<_>>()
    );
    let firsts: Vec<&str> = held.iter().take(6).map(|m| &m.2[..1]).collect();
    assert!(
        firsts.contains(&"b"),
        "live messages interleave: {firsts:?}"
    );
}

#[tokio::test]
async fn a_source_created_before_its_origin_starts_when_the_origin_appears() {
    let js = js("src-later").await;
    let client = js.ctx.client();
    let s = stream::Config {
        name: "S".into(),
        sources: Some(vec![source("LATER")]),
        ..Default::default()
    };
    js.ctx.create_stream(s).await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let info = raw_info(&client, "S").await;
    assert_eq!(info["sources"][0]["error"]["err_code"], 10059, "{info}");
    assert_eq!(info["sources"][0]["name"], "LATER");
    js.ctx
        .create_stream(cfg("LATER", &["later"]))
        .await
        .unwrap();
    publish(&js.ctx, "later", "hello").await;
    wait_for(&js.ctx, "S", 1).await;
    let info = raw_info(&client, "S").await;
    assert!(info["sources"][0].get("error").is_none(), "{info}");
    // Deleting the origin stops sourcing; the stream and its copies stay.
    js.ctx.delete_stream("LATER").await.unwrap();
    let info = raw_info(&client, "S").await;
    assert_eq!(info["sources"][0]["error"]["err_code"], 10059, "{info}");
    assert_eq!(info["state"]["messages"], 1);
    // Deleting the sourcing stream stops it too.
    js.ctx.delete_stream("S").await.unwrap();
    js.ctx
        .create_stream(cfg("LATER", &["later"]))
        .await
        .unwrap();
    publish(&js.ctx, "later", "again").await;
    assert!(js.ctx.get_stream("S").await.is_err());
}

#[tokio::test]
async fn a_large_origin_is_caught_up_in_chunks_while_the_api_answers() {
    let js = js("src-big").await;
    js.ctx.create_stream(cfg("BIG", &["big"])).await.unwrap();
    let n = 20_000u64;
    for chunk in 0..n / 1000 {
        let mut acks = Vec::new();
        for i in chunk * 1000..(chunk + 1) * 1000 {
            acks.push(js.ctx.publish("big", format!("{i}").into()).await.unwrap());
        }
        for a in acks {
            a.await.unwrap();
        }
    }
    let s = stream::Config {
        name: "S".into(),
        sources: Some(vec![source("BIG")]),
        ..Default::default()
    };
    js.ctx.create_stream(s).await.unwrap();
    // The service answers while it copies.
    let started = Instant::now();
    let info = js
        .ctx
        .get_stream("S")
        .await
        .unwrap()
        .info()
        .await
        .unwrap()
        .clone();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(info.state.messages < n || info.sources[0].lag == 0);
    let info = wait_for(&js.ctx, "S", n).await;
    assert_eq!(info.sources[0].lag, 0);
    let last = js
        .ctx
        .get_stream("S")
        .await
        .unwrap()
        .get_raw_message(n)
        .await
        .unwrap();
    assert_eq!(&last.payload[..], format!("{}", n - 1).as_bytes());
}

#[tokio::test]
async fn stream_subject_transform_renames_what_it_stores() {
    let js = js("src-input").await;
    let s = stream::Config {
        subject_transform: Some(SubjectTransform {
            source: "in.*".into(),
            destination: "stored.{{wildcard(1)}}".into(),
        }),
        ..cfg("T", &["in.*", "plain"])
    };
    js.ctx.create_stream(s).await.unwrap();
    publish(&js.ctx, "in.x", "1").await;
    publish(&js.ctx, "plain", "2").await;
    let subjects: Vec<String> = contents(&js.ctx, "T")
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    assert_eq!(subjects, vec!["stored.x", "plain"]);
}

#[tokio::test]
async fn external_origins_and_cycles_are_refused() {
    let js = js("src-refused").await;
    let client = js.ctx.client();
    let external = serde_json::json!({
        "name": "X", "sources": [{"name": "O", "external": {"api": "$JS.hub.API", "deliver": ""}}]
    });
    let reply = client
        .request("$JS.API.STREAM.CREATE.X", external.to_string().into())
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(v["error"]["err_code"], 10052, "{v}");
    let a = stream::Config {
        name: "A".into(),
        sources: Some(vec![source("B")]),
        ..Default::default()
    };
    js.ctx.create_stream(a).await.unwrap();
    let b = stream::Config {
        name: "B".into(),
        sources: Some(vec![source("A")]),
        ..Default::default()
    };
    let err = js.ctx.create_stream(b).await.unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
}

#[tokio::test]
async fn a_mirror_with_mirror_direct_answers_direct_gets_of_its_origin() {
    let js = js("src-direct").await;
    js.ctx.create_stream(cfg("ORIGIN", &["k.>"])).await.unwrap();
    publish(&js.ctx, "k.a", "v1").await;
    let mirror = stream::Config {
        name: "M".into(),
        mirror: Some(source("ORIGIN")),
        mirror_direct: true,
        allow_direct: true,
        ..Default::default()
    };
    js.ctx.create_stream(mirror).await.unwrap();
    wait_for(&js.ctx, "M", 1).await;
    // The origin does not serve direct gets: the mirror does.
    let reply = js
        .ctx
        .client()
        .request("$JS.API.DIRECT.GET.ORIGIN.k.a", "".into())
        .await
        .unwrap();
    assert_eq!(&reply.payload[..], b"v1");
    let h = reply.headers.unwrap();
    assert_eq!(h.get("Nats-Stream").map(|v| v.as_str()), Some("M"));
    assert_eq!(h.get("Nats-Sequence").map(|v| v.as_str()), Some("1"));
}
