//! Core NATS over routes: mesh formation from one seed, pub/sub, queue groups and
//! request/reply across nodes, client discovery (`connect_urls`, async INFO), `/routez`.
// A failed step panics at its call site, which names it well enough in a test.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use rill_tests::cluster::{wait_full_mesh, wait_remote_sub, Node};
use rill_tests::{assert_no_msg, next_msg, sync, within, RawClient, MSG_TIMEOUT};

/// A, then B and C that only know A.
fn seed_cluster() -> (Node, Node, Node) {
    let a = Node::start("A", "rill-test", &[]);
    let b = Node::start("B", "rill-test", &[a.route_port]);
    let c = Node::start("C", "rill-test", &[a.route_port]);
    (a, b, c)
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_forms_full_mesh_from_one_seed_route() {
    let (a, b, c) = seed_cluster();
    wait_full_mesh(&[&a, &b, &c]).await;
    for n in [&a, &b, &c] {
        let z = n.routez();
        assert_eq!(z["num_routes"], 2, "{}: {z}", n.name);
        for r in z["routes"].as_array().unwrap() {
            assert!(r["remote_id"]
                .as_str()
                .is_some_and(|id| id.starts_with('N')));
        }
    }
    // B and C dialled A because it is configured; the B–C route came from gossip.
    let az = a.routez();
    assert!(az["routes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["did_solicit"] == false));
    let bz = b.routez();
    let to_a = bz["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["remote_name"] == "A")
        .cloned()
        .unwrap();
    assert_eq!(
        (to_a["did_solicit"].clone(), to_a["is_configured"].clone()),
        (true.into(), true.into())
    );

    // A client of A learns every node's client URL.
    let raw = RawClient::connect(&a.server.addr()).await;
    let mut urls: Vec<String> = raw.info["connect_urls"]
        .as_array()
        .expect("connect_urls in INFO")
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    urls.sort();
    let mut want: Vec<String> = [&a, &b, &c].iter().map(|n| n.server.addr()).collect();
    want.sort();
    assert_eq!(urls, want);
    let varz = rill_tests::http::get_json(a.server.monitor_port(), "/varz");
    assert_eq!(varz["cluster"]["name"], "rill-test");
    assert_eq!(varz["cluster"]["cluster_port"], a.route_port);
    assert_eq!(varz["routes"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_pushes_async_info_with_new_connect_urls_when_a_node_joins() {
    let a = Node::start("A", "rill-test", &[]);
    let mut raw =
        RawClient::connect_with(&a.server.addr(), r#"{"verbose":false,"protocol":1}"#).await;
    raw.send("PING\r\n").await;
    raw.expect_pong_skipping_info().await;
    let b = Node::start("B", "rill-test", &[a.route_port]);
    let b_url = b.server.addr();
    within(MSG_TIMEOUT * 2, "an async INFO naming B", async {
        loop {
            let l = raw.expect_line().await;
            let Some(json) = l.strip_prefix("INFO ") else {
                continue;
            };
            let info: serde_json::Value = serde_json::from_str(json).unwrap();
            let urls = info["connect_urls"].as_array().cloned().unwrap_or_default();
            if urls.iter().any(|u| u.as_str() == Some(b_url.as_str())) {
                return;
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_delivers_across_nodes_with_headers_wildcards_and_unsubscribe() {
    let (a, b, c) = seed_cluster();
    wait_full_mesh(&[&a, &b, &c]).await;
    let pubc = a.server.connect().await;
    let subc = c.server.connect().await;
    let mut exact = subc.subscribe("orders.new").await.unwrap();
    let mut wild = subc.subscribe("orders.*").await.unwrap();
    let mut tail = subc.subscribe("orders.>").await.unwrap();
    sync(&subc).await;
    for entry in ["orders.new", "orders.*", "orders.>"] {
        wait_remote_sub(&a, entry, 1).await;
    }
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("X-Trace", "t1");
    pubc.publish_with_headers("orders.new", headers, "one".into())
        .await
        .unwrap();
    pubc.publish("orders.eu.big", "two".into()).await.unwrap();
    sync(&pubc).await;
    let m = next_msg(&mut exact).await;
    assert_eq!(&m.payload[..], b"one");
    assert_eq!(
        m.headers
            .as_ref()
            .and_then(|h| h.get("X-Trace"))
            .map(|v| v.as_str()),
        Some("t1")
    );
    assert_eq!(&next_msg(&mut wild).await.payload[..], b"one");
    assert_eq!(&next_msg(&mut tail).await.payload[..], b"one");
    assert_eq!(&next_msg(&mut tail).await.payload[..], b"two");
    // Each subscription got each message once, even though C announced three subjects.
    assert_no_msg(&mut wild, Duration::from_millis(300)).await;
    assert_no_msg(&mut exact, Duration::from_millis(10)).await;

    exact.unsubscribe().await.unwrap();
    wild.unsubscribe().await.unwrap();
    tail.unsubscribe().await.unwrap();
    sync(&subc).await;
    for entry in ["orders.new", "orders.*", "orders.>"] {
        wait_remote_sub(&a, entry, 0).await;
        wait_remote_sub(&b, entry, 0).await;
    }
    let mut late = subc.subscribe("orders.late").await.unwrap();
    sync(&subc).await;
    wait_remote_sub(&a, "orders.late", 1).await;
    pubc.publish("orders.new", "three".into()).await.unwrap();
    pubc.publish("orders.late", "four".into()).await.unwrap();
    assert_eq!(&next_msg(&mut late).await.payload[..], b"four");
    let z = a.routez();
    let out: u64 = z["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["out_msgs"].as_u64().unwrap())
        .sum();
    assert_eq!(
        out, 3,
        "A sent one, two and four over routes, three had no interest: {z}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_queue_group_delivers_each_message_once_across_nodes() {
    let (a, b, c) = seed_cluster();
    wait_full_mesh(&[&a, &b, &c]).await;
    let clients = [
        a.server.connect().await,
        b.server.connect().await,
        c.server.connect().await,
    ];
    let mut subs = Vec::new();
    for cl in &clients {
        subs.push(cl.queue_subscribe("work", "workers".into()).await.unwrap());
        sync(cl).await;
    }
    wait_remote_sub(&a, "work workers", 2).await;
    wait_remote_sub(&b, "work workers", 2).await;
    // Publishing on B with one member on each node: every member gets a share (nats-server
    // 2.15 spreads a group over local and remote members alike), each message once in total.
    const N: usize = 300;
    for i in 0..N {
        clients[1]
            .publish("work", i.to_string().into())
            .await
            .unwrap();
    }
    sync(&clients[1]).await;
    let counts = drain_counts(&mut subs).await;
    assert_eq!(counts.iter().sum::<usize>(), N, "{counts:?}");
    assert!(
        counts.iter().all(|&n| n > N / 6),
        "a third each, roughly: {counts:?}"
    );

    // Without a local member, the remote members share the messages, each delivered once.
    subs.remove(1).unsubscribe().await.unwrap();
    sync(&clients[1]).await;
    wait_remote_sub(&a, "work workers", 1).await;
    let mut seen = HashMap::new();
    for i in 0..N {
        clients[1]
            .publish("work", i.to_string().into())
            .await
            .unwrap();
    }
    sync(&clients[1]).await;
    let mut total = 0;
    for sub in subs.iter_mut() {
        let mut n = 0;
        while let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(500), sub.next()).await {
            *seen.entry(m.payload.to_vec()).or_insert(0) += 1;
            n += 1;
        }
        assert!(n > 0, "both remote members get a share");
        total += n;
    }
    assert_eq!(total, N);
    assert!(seen.values().all(|&k| k == 1), "no message twice");
}

/// Counts what each subscriber receives until all are quiet.
async fn drain_counts(subs: &mut [async_nats::Subscriber]) -> Vec<usize> {
    let mut counts = vec![0; subs.len()];
    for (i, sub) in subs.iter_mut().enumerate() {
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), sub.next()).await {
            counts[i] += 1;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_request_reply_and_no_responders_across_nodes() {
    let (a, b, c) = seed_cluster();
    wait_full_mesh(&[&a, &b, &c]).await;
    let requester = a.server.connect().await;
    let responder = c.server.connect().await;
    let mut service = responder.subscribe("svc.echo").await.unwrap();
    sync(&responder).await;
    wait_remote_sub(&a, "svc.echo", 1).await;
    let r2 = responder.clone();
    let task = tokio::spawn(async move {
        if let Some(m) = service.next().await {
            let reply = m.reply.clone().unwrap();
            r2.publish(reply, m.payload.clone()).await.unwrap();
            r2.flush().await.unwrap();
        }
        service
    });
    let answer = within(
        MSG_TIMEOUT,
        "a reply from C",
        requester.request("svc.echo", "ping".into()),
    )
    .await
    .unwrap();
    assert_eq!(&answer.payload[..], b"ping");
    let mut service = task.await.unwrap();
    service.unsubscribe().await.unwrap();
    sync(&responder).await;
    wait_remote_sub(&a, "svc.echo", 0).await;
    let err = within(
        MSG_TIMEOUT,
        "no responders",
        requester.request("svc.echo", "ping".into()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders);
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_remote_queue_members_share_in_proportion_to_their_weight() {
    let (a, b, c) = seed_cluster();
    wait_full_mesh(&[&a, &b, &c]).await;
    let (on_a, on_b, on_c) = (
        a.server.connect().await,
        b.server.connect().await,
        c.server.connect().await,
    );
    let mut b_subs = Vec::new();
    for _ in 0..3 {
        b_subs.push(on_b.queue_subscribe("jobs", "pool".into()).await.unwrap());
    }
    let mut c_subs = vec![on_c.queue_subscribe("jobs", "pool".into()).await.unwrap()];
    // B re-announces the group with weight 1, 2, 3 as members join; a later RS+ on the same
    // route is a barrier: once A has it, A has the weight 3 too.
    let _barrier = on_b.subscribe("barrier.b").await.unwrap();
    sync(&on_b).await;
    sync(&on_c).await;
    wait_remote_sub(&a, "jobs pool", 2).await;
    wait_remote_sub(&a, "barrier.b", 1).await;
    const N: usize = 400;
    for i in 0..N {
        on_a.publish("jobs", i.to_string().into()).await.unwrap();
    }
    sync(&on_a).await;
    let on_b_count: usize = drain_counts(&mut b_subs).await.iter().sum();
    let on_c_count: usize = drain_counts(&mut c_subs).await.iter().sum();
    assert_eq!(on_b_count + on_c_count, N);
    // Expected 300 and 100: B getting no more than C would be a uniform pick per route.
    assert!(
        on_b_count > 2 * on_c_count,
        "B {on_b_count}, C {on_c_count}"
    );
}

/// A free loopback port, chosen now (the harness way of giving every node the same list).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_nodes_given_every_route_url_keep_exactly_one_route_per_peer() {
    // As the async-nats harness does: every node dials all three URLs, its own included, so
    // each pair dials both ways at once and every node dials itself.
    let ports = [free_port(), free_port(), free_port()];
    let nodes: Vec<Node> = ["A", "B", "C"]
        .iter()
        .zip(ports)
        .map(|(name, port)| Node::start_with(name, "rill-test", Some(port), &ports, &[]))
        .collect();
    let refs: Vec<&Node> = nodes.iter().collect();
    wait_full_mesh(&refs).await;
    // Let any duplicate still in flight land, then check it was resolved, not kept.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for n in &nodes {
        let z = n.routez();
        assert_eq!(z["num_routes"], 2, "{}: {z}", n.name);
    }
    let c = nodes[2].server.connect().await;
    let mut sub = c.subscribe("everyone").await.unwrap();
    sync(&c).await;
    wait_remote_sub(&nodes[0], "everyone", 1).await;
    let a = nodes[0].server.connect().await;
    a.publish("everyone", "once".into()).await.unwrap();
    assert_eq!(&next_msg(&mut sub).await.payload[..], b"once");
    assert_no_msg(&mut sub, Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_stops_advertising_a_node_in_lame_duck_mode() {
    let a = Node::start("A", "rill-test", &[]);
    let b = Node::start("B", "rill-test", &[a.route_port]);
    wait_full_mesh(&[&a, &b]).await;
    let mut raw =
        RawClient::connect_with(&b.server.addr(), r#"{"verbose":false,"protocol":1}"#).await;
    raw.send("PING\r\n").await;
    raw.expect_pong_skipping_info().await;
    let a_url = a.server.addr();
    assert!(raw.info["connect_urls"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u.as_str() == Some(a_url.as_str())));
    a.server.signal("USR2");
    within(MSG_TIMEOUT * 2, "an async INFO without A", async {
        loop {
            let l = raw.expect_line().await;
            let Some(json) = l.strip_prefix("INFO ") else {
                continue;
            };
            let info: serde_json::Value = serde_json::from_str(json).unwrap();
            let urls = info["connect_urls"].as_array().cloned().unwrap_or_default();
            if !urls.is_empty() && !urls.iter().any(|u| u.as_str() == Some(a_url.as_str())) {
                return;
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_no_advertise_keeps_a_node_out_of_connect_urls() {
    let a = Node::start_with("A", "rill-test", None, &[], &["--no_advertise"]);
    let b = Node::start("B", "rill-test", &[a.route_port]);
    wait_full_mesh(&[&a, &b]).await;
    let on_a = RawClient::connect(&a.server.addr()).await;
    assert!(on_a.info.get("connect_urls").is_none(), "{}", on_a.info);
    let on_b = RawClient::connect(&b.server.addr()).await;
    assert_eq!(
        on_b.info["connect_urls"],
        serde_json::json!([b.server.addr()])
    );
}
