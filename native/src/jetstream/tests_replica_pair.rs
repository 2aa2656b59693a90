//! Two replicas of one stream on two in-process servers, fed the same committed entries in
//! the same order (a fan-out group standing in for Raft): whatever a real client does on
//! the leader, the follower ends at exactly the same state — compared byte for byte through
//! exports — and a replica reopened from its checkpoint, or rebuilt from the leader's export,
//! comes back to it too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy};
use async_nats::jetstream::{self};
use bytes::Bytes;
use futures::StreamExt;
use rill_core::jetstream::api::StreamConfig;
use tokio::sync::{mpsc, oneshot};

use super::replica::{ReplicaInput, StreamGroup};
use super::replica_admin::ReplicaAdmin;
use super::service::Input;
use super::test_node::{self, TestNode};

/// Sends every proposal, as committed at the next index, to every replica in order.
#[derive(Debug)]
struct Fanout {
    replicas: std::sync::Mutex<Vec<mpsc::Sender<Input>>>,
    index: AtomicU64,
}

impl StreamGroup for Fanout {
    fn propose(&self, entry: Vec<u8>) {
        let index = self.index.fetch_add(1, Ordering::SeqCst) + 1;
        let entry = Bytes::from(entry);
        for tx in self.replicas.lock().unwrap().iter() {
            let _ = tx.try_send(Input::Replica(ReplicaInput::Apply {
                stream: Arc::from("PAIR"),
                index,
                entry: entry.clone(),
                done: None,
            }));
        }
    }

    fn step_down(&self, _preferred: Option<&str>) {}
}

type Node = TestNode;

async fn node(tag: &str) -> Node {
    test_node::start("pair", tag, false, false).await
}

async fn admin<T>(
    tx: &mpsc::Sender<Input>,
    make: impl FnOnce(oneshot::Sender<Result<T, String>>) -> ReplicaAdmin,
) -> T {
    let (done, rx) = oneshot::channel();
    tx.send(Input::ReplicaAdmin(make(done))).await.unwrap();
    rx.await.unwrap().unwrap()
}

async fn export(tx: &mpsc::Sender<Input>) -> (u64, Vec<u8>) {
    admin(tx, |done| ReplicaAdmin::Export {
        stream: "PAIR".into(),
        done,
    })
    .await
}

fn config() -> StreamConfig {
    let mut c: StreamConfig = serde_json::from_value(serde_json::json!({
        "name": "PAIR", "subjects": ["pair.>"], "num_replicas": 2
    }))
    .unwrap();
    c = c.normalize(true).unwrap();
    c
}

async fn open(n: &Node, group: Arc<dyn StreamGroup>) -> Option<Vec<u8>> {
    admin(&n.tx, |done| ReplicaAdmin::Open {
        config: Box::new(config()),
        created: 1,
        group,
        announce: None,
        done,
    })
    .await
}

/// Waits until both replicas applied the same index and returns their exports.
async fn settled(a: &Node, b: &Node) -> ((u64, Vec<u8>), (u64, Vec<u8>)) {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let (ea, eb) = (export(&a.tx).await, export(&b.tx).await);
            if ea.0 == eb.0 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let (ea2, eb2) = (export(&a.tx).await, export(&b.tx).await);
                if ea2.0 == ea.0 && eb2.0 == eb.0 {
                    return (ea2, eb2);
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("replicas settle")
}

#[tokio::test]
async fn replicated_follower_matches_the_leader_byte_for_byte() {
    let (a, b) = (node("a").await, node("b").await);
    let group = Arc::new(Fanout {
        replicas: std::sync::Mutex::new(vec![a.tx.clone(), b.tx.clone()]),
        index: AtomicU64::new(0),
    });
    open(&a, group.clone()).await;
    open(
        &b,
        Arc::new(Fanout {
            replicas: Default::default(),
            index: AtomicU64::new(0),
        }),
    )
    .await;
    a.tx.send(Input::Replica(ReplicaInput::Leader {
        stream: Arc::from("PAIR"),
        leader: true,
    }))
    .await
    .unwrap();
    let client = async_nats::connect(format!("nats://{}", a.server.client_addr))
        .await
        .unwrap();
    let js = jetstream::new(client);
    for i in 0..50u64 {
        let ack = js
            .publish(format!("pair.{}", i % 3), format!("m{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
        assert_eq!(ack.sequence, i + 1);
    }
    let s = js.get_stream("PAIR").await.unwrap();
    let c = s
        .create_consumer(pull::Config {
            durable_name: Some("w".into()),
            ack_policy: AckPolicy::Explicit,
            ack_wait: Duration::from_millis(400),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut msgs = c.fetch().max_messages(30).messages().await.unwrap();
    let mut n = 0;
    while let Some(m) = msgs.next().await {
        let m = m.unwrap();
        n += 1;
        if n % 3 != 0 {
            m.double_ack().await.unwrap();
        }
    }
    assert_eq!(n, 30);
    // Unacked ones redeliver through replicated ticks on both replicas alike.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let again: Vec<_> = c
        .fetch()
        .max_messages(5)
        .messages()
        .await
        .unwrap()
        .collect()
        .await;
    assert!(!again.is_empty());
    let ((ia, da), (ib, db)) = settled(&a, &b).await;
    assert!(ia > 50, "entries applied: {ia}");
    assert_eq!(ia, ib);
    assert!(da == db, "replicas differ at index {ia}");

    // B checkpoints, "crashes" (closes) and reopens at its checkpoint: same state.
    admin(&b.tx, |done| ReplicaAdmin::Checkpoint {
        stream: "PAIR".into(),
        index: ib,
        tag: b"tag-b".to_vec(),
        done,
    })
    .await;
    admin(&b.tx, |done| ReplicaAdmin::Close {
        stream: "PAIR".into(),
        delete: false,
        done,
    })
    .await;
    let reopened = open(
        &b,
        Arc::new(Fanout {
            replicas: Default::default(),
            index: AtomicU64::new(0),
        }),
    )
    .await;
    assert_eq!(reopened.as_deref(), Some(&b"tag-b"[..]));
    assert!(export(&b.tx).await.1 == da, "reopened replica differs");

    // B rebuilt from A's export.
    admin(&b.tx, |done| ReplicaAdmin::Import {
        stream: "PAIR".into(),
        data: Bytes::from(da.clone()),
        tag: b"tag-a".to_vec(),
        done,
    })
    .await;
    assert!(export(&b.tx).await.1 == da, "imported replica differs");
}
