//! The meta group on three in-process servers over the Raft layer's in-memory network (no
//! routes: each client talks to one server): an R3 stream created through the meta leader
//! is opened on all three servers, elects a leader that takes publishes, and is removed
//! everywhere when deleted.

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::jetstream;
use rill_core::jetstream::cluster::node_id;
use tokio::sync::oneshot;

use super::controller::{ControlLink, Controller, ControllerConfig};
use crate::jetstream::replica_admin::ReplicaAdmin;
use crate::jetstream::service::Input;
use crate::jetstream::test_node::{self, TestNode};
use crate::raft::{MemNetwork, Member, Registry};

struct Node {
    t: TestNode,
    link: ControlLink,
}

async fn node(name: &str, net: &MemNetwork, all: &[&str]) -> Node {
    let t = test_node::start("meta", name, true, false).await;
    let registry = Registry::new();
    let me = node_id(name);
    net.attach(me, registry.clone());
    let members: BTreeMap<_, _> = all.iter().map(|n| (node_id(n), Member::new(*n))).collect();
    let link = Controller::start(
        t.server.shared.clone(),
        ControllerConfig {
            server_name: name.into(),
            cluster: "C".into(),
            js_dir: t.dir.join("jetstream"),
            group: test_node::group_config(),
        },
        t.tx.clone(),
        registry,
        net.transport(me),
        Some(members),
    )
    .await
    .unwrap();
    t.tx.send(Input::ClusterLink(link.clone())).await.unwrap();
    Node { t, link }
}

async fn has_stream(n: &Node) -> bool {
    let (done, rx) = oneshot::channel();
    n.t.tx
        .send(Input::ReplicaAdmin(ReplicaAdmin::Export {
            stream: "M3".into(),
            done,
        }))
        .await
        .unwrap();
    rx.await.unwrap().is_ok()
}

async fn until(what: &str, mut f: impl FnMut() -> futures::future::BoxFuture<'static, bool>) {
    tokio::time::timeout(Duration::from_secs(15), async {
        while !f().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

#[tokio::test]
async fn cluster_meta_creates_and_deletes_an_r3_stream_on_every_server() {
    let net = MemNetwork::new(3);
    let names = ["m1", "m2", "m3"];
    let mut nodes = Vec::new();
    for n in names {
        nodes.push(node(n, &net, &names).await);
    }
    let nodes = std::sync::Arc::new(nodes);
    let ns = nodes.clone();
    until("a meta leader", move || {
        let ns = ns.clone();
        Box::pin(async move {
            ns.iter().any(|n| {
                n.link
                    .meta_leader
                    .load(std::sync::atomic::Ordering::Acquire)
            })
        })
    })
    .await;
    let leader = nodes
        .iter()
        .position(|n| {
            n.link
                .meta_leader
                .load(std::sync::atomic::Ordering::Acquire)
        })
        .unwrap();
    let client = async_nats::connect(format!("nats://{}", nodes[leader].t.server.client_addr))
        .await
        .unwrap();
    // Fire the create: its answer comes from the stream's first leader, which may be another
    // server (no routes here).
    client
        .publish(
            "$JS.API.STREAM.CREATE.M3",
            r#"{"name":"M3","subjects":["m3.>"],"num_replicas":3}"#.into(),
        )
        .await
        .unwrap();
    client.flush().await.unwrap();
    let ns = nodes.clone();
    until("the stream on every server", move || {
        let ns = ns.clone();
        Box::pin(async move {
            for n in ns.iter() {
                if !has_stream(n).await {
                    return false;
                }
            }
            true
        })
    })
    .await;
    // Publish through whichever server captures the subjects (the stream leader).
    let mut acked = false;
    for _ in 0..100 {
        for n in nodes.iter() {
            let c = async_nats::connect(format!("nats://{}", n.t.server.client_addr))
                .await
                .unwrap();
            let js = jetstream::new(c);
            if let Ok(Ok(ack)) = tokio::time::timeout(Duration::from_millis(300), async {
                js.publish("m3.x", "hello".into()).await?.await
            })
            .await
            {
                assert_eq!(ack.stream, "M3");
                acked = true;
                break;
            }
        }
        if acked {
            break;
        }
    }
    assert!(acked, "the stream's leader took a publish");
    let js = jetstream::new(client);
    js.delete_stream("M3").await.unwrap();
    let ns = nodes.clone();
    until("the stream gone everywhere", move || {
        let ns = ns.clone();
        Box::pin(async move {
            for n in ns.iter() {
                if has_stream(n).await {
                    return false;
                }
            }
            true
        })
    })
    .await;
}
