//! A replicated stream on three in-process servers, each with its own JetStream service and
//! Raft group member, over the Raft layer's in-memory network (routes are not involved):
//! real async-nats clients publish and consume on the leader; the replicas stay equal; the
//! leader stops and another takes over with nothing acknowledged lost; the stopped replica
//! comes back from its own disk and catches up.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use async_nats::jetstream::consumer::{pull, AckPolicy};
use futures::StreamExt;
use rill_core::jetstream::api::StreamConfig;
use tokio::sync::{mpsc, oneshot};

use super::stream_group::{ClusterStreamGroup, OpenArgs, StreamMachine};
use crate::jetstream::replica_admin::ReplicaAdmin;
use crate::jetstream::service::Input;
use crate::jetstream::test_node::{self, TestNode};
use crate::raft::{FsDisk, Group, GroupOptions, MemNetwork, Member, NodeId, Registry};

const GROUP: &str = "S-TRI-test";

struct Node {
    id: NodeId,
    t: TestNode,
    handle: Option<Arc<ClusterStreamGroup>>,
}

fn config() -> StreamConfig {
    let c: StreamConfig = serde_json::from_value(serde_json::json!({
        "name": "TRI", "subjects": ["tri.>"], "num_replicas": 3
    }))
    .unwrap();
    c.normalize(true).unwrap()
}

async fn node(id: NodeId, tag: &str) -> Node {
    Node {
        id,
        t: test_node::start(tag, &format!("n{id}"), false, false).await,
        handle: None,
    }
}

fn members() -> BTreeMap<NodeId, Member> {
    (1..=3).map(|i| (i, Member::new(format!("n{i}")))).collect()
}

async fn join(n: &mut Node, net: &MemNetwork, init: bool) {
    let (handle, proposals) = ClusterStreamGroup::new("TRI", "C", &format!("n{}", n.id));
    let machine = StreamMachine::new(
        n.t.tx.clone(),
        OpenArgs {
            config: config(),
            created: 1,
            group: handle.clone(),
            announce: None,
        },
    );
    let registry = Registry::new();
    net.attach(n.id, registry.clone());
    let opts = GroupOptions {
        name: GROUP.into(),
        node: n.id,
        disk: FsDisk::open(n.t.dir.join("raft").join(GROUP)).unwrap(),
        initial_members: init.then(members),
        config: test_node::group_config(),
    };
    let group = Group::open(opts, machine, net.transport(n.id), registry)
        .await
        .unwrap();
    handle.attach(Arc::new(group), proposals, n.t.tx.clone());
    n.handle = Some(handle);
}

async fn leader(nodes: &[Node]) -> usize {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            for (i, n) in nodes.iter().enumerate() {
                let leads = n
                    .handle
                    .as_ref()
                    .and_then(|h| h.group())
                    .is_some_and(|g| g.leadership().borrow().is_leader);
                if leads {
                    // Give the service a moment to hear it and capture the subjects.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    return i;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a leader is elected")
}

async fn export(tx: &mpsc::Sender<Input>) -> (u64, Vec<u8>) {
    let (done, rx) = oneshot::channel();
    tx.send(Input::ReplicaAdmin(ReplicaAdmin::Export {
        stream: "TRI".into(),
        done,
    }))
    .await
    .unwrap();
    rx.await.unwrap().unwrap()
}

/// Waits until the given replicas export the same state at the same index.
async fn equal(nodes: &[&Node]) -> (u64, Vec<u8>) {
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            let mut all = Vec::new();
            for n in nodes {
                all.push(export(&n.t.tx).await);
            }
            if all.windows(2).all(|w| w[0] == w[1]) {
                return all.swap_remove(0);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("replicas converge")
}

async fn publish(n: &Node, from: u64, count: u64) -> Vec<u64> {
    let client = async_nats::connect(format!("nats://{}", n.t.server.client_addr))
        .await
        .unwrap();
    let js = jetstream::new(client);
    let mut seqs = Vec::new();
    for i in from..from + count {
        let ack = js
            .publish(format!("tri.{}", i % 4), format!("m{i}").into())
            .await
            .unwrap()
            .await
            .unwrap();
        seqs.push(ack.sequence);
    }
    seqs
}

#[tokio::test]
async fn cluster_stream_survives_leader_loss_and_catches_up_a_returning_replica() {
    let net = MemNetwork::new(7);
    let mut nodes = Vec::new();
    for id in 1..=3 {
        nodes.push(node(id, "fail").await);
    }
    for n in nodes.iter_mut() {
        join(n, &net, true).await;
    }
    let l = leader(&nodes).await;
    let seqs = publish(&nodes[l], 0, 100).await;
    assert_eq!(seqs, (1..=100).collect::<Vec<u64>>());

    // A durable pull consumer acks half the messages through the leader.
    let client = async_nats::connect(format!("nats://{}", nodes[l].t.server.client_addr))
        .await
        .unwrap();
    let js = jetstream::new(client);
    let c = js
        .get_stream("TRI")
        .await
        .unwrap()
        .create_consumer(pull::Config {
            durable_name: Some("w".into()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut msgs = c.fetch().max_messages(50).messages().await.unwrap();
    while let Some(m) = msgs.next().await {
        m.unwrap().double_ack().await.unwrap();
    }
    let all: Vec<&Node> = nodes.iter().collect();
    let (index, _) = equal(&all).await;
    assert!(index > 100);

    // The leader goes away; the other two elect a leader and take more publishes.
    let gone = l;
    nodes[gone].handle.take().unwrap().stop(false).await;
    net.detach(nodes[gone].id);
    let rest: Vec<usize> = (0..3).filter(|i| *i != gone).collect();
    let l2 = loop {
        let l2 = leader(&nodes).await;
        if l2 != gone {
            break l2;
        }
    };
    let more = publish(&nodes[l2], 100, 50).await;
    assert_eq!(more, (101..=150).collect::<Vec<u64>>());
    let client = async_nats::connect(format!("nats://{}", nodes[l2].t.server.client_addr))
        .await
        .unwrap();
    let js = jetstream::new(client);
    let mut c: jetstream::consumer::PullConsumer =
        js.get_consumer_from_stream("w", "TRI").await.unwrap();
    let info = c.info().await.unwrap();
    assert_eq!(info.ack_floor.stream_sequence, 50, "acked position kept");
    let survivors: Vec<&Node> = rest.iter().map(|i| &nodes[*i]).collect();
    equal(&survivors).await;

    // The old leader comes back from its disk and catches up.
    let (done, rx) = oneshot::channel();
    nodes[gone]
        .t
        .tx
        .send(Input::ReplicaAdmin(ReplicaAdmin::Close {
            stream: "TRI".into(),
            delete: false,
            done,
        }))
        .await
        .unwrap();
    rx.await.unwrap().unwrap();
    join(&mut nodes[gone], &net, false).await;
    let all: Vec<&Node> = nodes.iter().collect();
    let (_, state) = equal(&all).await;
    assert!(!state.is_empty());
    for n in &nodes {
        let _ = std::fs::remove_dir_all(&n.t.dir);
    }
}
