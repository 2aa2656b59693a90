//! The stream API end to end in-process: a real async-nats JetStream client against an
//! embedded server with JetStream on (consumers arrive with the rest of the issue).

use std::time::Duration;

use async_nats::jetstream::{self, stream};

use crate::options::{JetStreamOptions, ServerOptions};
use crate::server::Server;

pub(super) struct Js {
    pub(super) _server: Server,
    pub(super) dir: std::path::PathBuf,
    pub(super) ctx: jetstream::Context,
}

impl Drop for Js {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(super) async fn js(tag: &str) -> Js {
    let dir = std::env::temp_dir().join(format!("rill-js-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = ServerOptions {
        host: "127.0.0.1".into(),
        port: -1,
        jetstream: JetStreamOptions {
            enabled: true,
            store_dir: Some(dir.clone()),
            ..Default::default()
        },
        ..ServerOptions::default()
    };
    let server = Server::start(opts).await.unwrap();
    let client = async_nats::connect(format!("nats://{}", server.client_addr))
        .await
        .unwrap();
    Js {
        _server: server,
        dir,
        ctx: jetstream::new(client),
    }
}

fn cfg(name: &str, subjects: &[&str]) -> stream::Config {
    stream::Config {
        name: name.into(),
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn create_publish_info_get_purge_delete() {
    let js = js("basic").await;
    let mut s = js
        .ctx
        .create_stream(cfg("ORDERS", &["orders.>"]))
        .await
        .unwrap();
    for i in 0..5 {
        let ack = js
            .ctx
            .publish(format!("orders.{}", i % 2), format!("m{i}").into())
            .await
            .unwrap();
        assert_eq!(ack.await.unwrap().sequence, i + 1);
    }
    let info = s.info().await.unwrap();
    assert_eq!(
        (
            info.state.messages,
            info.state.first_sequence,
            info.state.last_sequence
        ),
        (5, 1, 5)
    );
    assert_eq!(info.state.subjects_count, 2);
    let m = s.get_raw_message(3).await.unwrap();
    assert_eq!(&m.payload[..], b"m2");
    let last = s.get_last_raw_message_by_subject("orders.1").await.unwrap();
    assert_eq!(last.sequence, 4);
    s.delete_message(1).await.unwrap();
    assert!(s.get_raw_message(1).await.is_err());
    let purged = s.purge().filter("orders.0").await.unwrap();
    assert_eq!(purged.purged, 2);
    assert_eq!(s.info().await.unwrap().state.messages, 2);
    let names: Vec<String> = futures::StreamExt::collect::<Vec<_>>(js.ctx.stream_names())
        .await
        .into_iter()
        .map(|n| n.unwrap())
        .collect();
    assert_eq!(names, ["ORDERS"]);
    assert!(js.ctx.delete_stream("ORDERS").await.unwrap().success);
    assert!(js.ctx.get_stream("ORDERS").await.is_err());
}

#[tokio::test]
async fn duplicates_limits_and_errors_reach_the_client() {
    let js = js("rules").await;
    let c = stream::Config {
        max_messages: 2,
        discard: stream::DiscardPolicy::New,
        ..cfg("LIM", &["lim"])
    };
    js.ctx.create_stream(c).await.unwrap();
    let publish = |id: &'static str| {
        let ctx = js.ctx.clone();
        async move {
            let mut h = async_nats::HeaderMap::new();
            h.insert("Nats-Msg-Id", id);
            ctx.publish_with_headers("lim", h, "x".into())
                .await
                .unwrap()
                .await
        }
    };
    assert_eq!(publish("a").await.unwrap().sequence, 1);
    let dup = publish("a").await.unwrap();
    assert!(dup.duplicate && dup.sequence == 1);
    publish("b").await.unwrap();
    let err = publish("c").await.unwrap_err();
    assert!(
        err.to_string().contains("maximum messages exceeded"),
        "{err}"
    );
    // Overlapping subjects and a changed config under the same name are refused.
    assert!(js.ctx.create_stream(cfg("OTHER", &["lim"])).await.is_err());
    assert!(js.ctx.create_stream(cfg("LIM", &["other"])).await.is_err());
    // Identical create is idempotent.
    let again = stream::Config {
        max_messages: 2,
        discard: stream::DiscardPolicy::New,
        ..cfg("LIM", &["lim"])
    };
    assert!(js.ctx.create_stream(again).await.is_ok());
}

#[tokio::test]
async fn account_info_counts_streams_and_storage() {
    let js = js("acct").await;
    js.ctx.create_stream(cfg("A", &["a"])).await.unwrap();
    let mem = stream::Config {
        storage: stream::StorageType::Memory,
        ..cfg("B", &["b"])
    };
    js.ctx.create_stream(mem).await.unwrap();
    js.ctx
        .publish("a", "hello".into())
        .await
        .unwrap()
        .await
        .unwrap();
    js.ctx
        .publish("b", "hello".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let info = tokio::time::timeout(Duration::from_secs(5), js.ctx.query_account())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.streams, 2);
    assert!(info.storage > 0 && info.memory > 0);
}

#[tokio::test]
async fn key_value_put_get_update_delete_through_the_client_kv_api() {
    let js = js("kv").await;
    let kv = js
        .ctx
        .create_key_value(async_nats::jetstream::kv::Config {
            bucket: "CFG".into(),
            history: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    let r1 = kv.put("color", "red".into()).await.unwrap();
    assert_eq!(kv.get("color").await.unwrap().as_deref(), Some(&b"red"[..]));
    let r2 = kv.update("color", "blue".into(), r1).await.unwrap();
    assert!(r2 > r1);
    // An update with a stale revision is refused (Nats-Expected-Last-Subject-Sequence).
    assert!(kv.update("color", "green".into(), r1).await.is_err());
    let entry = kv.entry("color").await.unwrap().unwrap();
    assert_eq!((entry.revision, &entry.value[..]), (r2, &b"blue"[..]));
    // create fails when the key exists.
    assert!(kv.create("color", "x".into()).await.is_err());
    kv.delete("color").await.unwrap();
    assert_eq!(kv.get("color").await.unwrap(), None);
    kv.put("size", "L".into()).await.unwrap();
    kv.purge("size").await.unwrap();
    assert_eq!(kv.get("size").await.unwrap(), None);
    assert_eq!(kv.status().await.unwrap().history(), 5);
}
