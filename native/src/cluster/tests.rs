//! Two servers in one process: internal subscriptions across a route, and the peers view.

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use rill_core::proto::Publish;

use super::*;
use crate::options::ServerOptions;
use crate::server::client::InternalSink;
use crate::server::internal::InternalPublisher;
use crate::server::Server;

#[derive(Debug, Default)]
struct Collect(Mutex<Vec<Publish>>);

impl InternalSink for Collect {
    fn deliver(&self, msg: &Publish) -> bool {
        self.0.lock().unwrap().push(msg.clone());
        true
    }
}

fn opts(name: &str, routes: Vec<String>) -> ServerOptions {
    let mut o = ServerOptions {
        host: "127.0.0.1".into(),
        port: -1,
        server_name: Some(name.into()),
        ..ServerOptions::default()
    };
    o.cluster.name = Some("inproc".into());
    o.cluster.listen = Some("127.0.0.1:-1".into());
    o.cluster.routes = routes;
    o
}

async fn until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn has_remote(server: &Server, subject: &[u8]) -> bool {
    let c = server.shared.cluster.as_ref().unwrap();
    c.routes()
        .iter()
        .any(|r| lock(&r.remote_subs).keys().any(|(s, _)| &s[..] == subject))
}

#[tokio::test]
async fn internal_subscriptions_cross_routes_unless_local_only() {
    let a = Server::start(opts("A", vec![])).await.unwrap();
    let a_cluster = a.shared.cluster.clone().unwrap();
    let seed = format!("nats-route://127.0.0.1:{}", a_cluster.listen_addr.port());
    let b = Server::start(opts("B", vec![seed])).await.unwrap();
    let b_cluster = b.shared.cluster.clone().unwrap();
    until("the route", || {
        a_cluster.routes().len() == 1 && b_cluster.routes().len() == 1
    })
    .await;

    let global = Arc::new(Collect::default());
    let local = Arc::new(Collect::default());
    a.shared
        .subscribe_internal("svc.global", None, global.clone())
        .unwrap();
    a.shared
        .subscribe_internal_local("svc.local", None, local.clone())
        .unwrap();
    until("RS+ svc.global on B", || has_remote(&b, b"svc.global")).await;
    assert!(
        !has_remote(&b, b"svc.local"),
        "local-only interest stays on A"
    );

    let mut publisher = InternalPublisher::new(b.shared.clone());
    for subject in ["svc.local", "svc.global"] {
        let msg = Publish {
            subject: Bytes::from(subject),
            reply: None,
            headers: None,
            payload: Bytes::from_static(b"x"),
        };
        publisher.publish(&msg);
    }
    publisher.flush();
    until("the message on A", || global.0.lock().unwrap().len() == 1).await;
    assert!(local.0.lock().unwrap().is_empty());

    // Request/reply between internal subscribers on two servers (how Raft RPCs will travel).
    let requests = Arc::new(Collect::default());
    let replies = Arc::new(Collect::default());
    b.shared
        .subscribe_internal("rpc.vote", None, requests.clone())
        .unwrap();
    a.shared
        .subscribe_internal("rpc.reply.a", None, replies.clone())
        .unwrap();
    until("both interests across", || {
        has_remote(&a, b"rpc.vote") && has_remote(&b, b"rpc.reply.a")
    })
    .await;
    let mut from_a = InternalPublisher::new(a.shared.clone());
    from_a.publish(&Publish {
        subject: Bytes::from_static(b"rpc.vote"),
        reply: Some(Bytes::from_static(b"rpc.reply.a")),
        headers: None,
        payload: Bytes::from_static(b"term 1"),
    });
    from_a.flush();
    until("the request on B", || requests.0.lock().unwrap().len() == 1).await;
    let request = requests.0.lock().unwrap()[0].clone();
    publisher.publish(&Publish {
        subject: request.reply.clone().unwrap(),
        reply: None,
        headers: None,
        payload: Bytes::from_static(b"granted"),
    });
    publisher.flush();
    until("the reply on A", || replies.0.lock().unwrap().len() == 1).await;
    assert_eq!(&replies.0.lock().unwrap()[0].payload[..], b"granted");

    // The peers view names A as connected, with what its INFO said.
    let peers = b_cluster.peer_list();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].server_id, a.shared.info.server_id);
    assert_eq!(peers[0].server_name, "A");
    assert_eq!(peers[0].cluster, "inproc");
    assert!(peers[0].connected);
    assert_eq!(peers[0].client_urls, [a.client_addr.to_string()]);

    // A's routes close: B marks it disconnected and drops its interest.
    let mut watch = b_cluster.peers();
    for r in a_cluster.routes() {
        r.conn
            .close(crate::server::client::CloseKind::ServerShutdown);
    }
    let _ = a.shared.shutdown.send(true);
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if watch.borrow_and_update().values().any(|p| !p.connected) {
                return;
            }
            watch.changed().await.unwrap();
        }
    })
    .await
    .expect("peer marked disconnected");
    assert!(!has_remote(&b, b"svc.global"));
}
