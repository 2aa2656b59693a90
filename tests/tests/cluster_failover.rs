//! Routes that break: a node killed and restarted, links cut behind an advertised address,
//! cluster name mismatches, and configurations refused at start.
// A failed step panics at its call site, which names it well enough in a test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use rill_tests::cluster::{eventually, wait_full_mesh, wait_remote_sub, Node};
use rill_tests::tcp_proxy::TcpProxy;
use rill_tests::{next_msg, run_to_exit, sync, within, RawClient, TempDir, MSG_TIMEOUT};

#[tokio::test(flavor = "multi_thread")]
async fn cluster_node_killed_and_restarted_rejoins_and_messages_flow_again() {
    let a = Node::start("A", "rill-test", &[]);
    let b = Node::start("B", "rill-test", &[a.route_port]);
    let c = Node::start("C", "rill-test", &[a.route_port]);
    wait_full_mesh(&[&a, &b, &c]).await;
    // A raw client: async-nats would reconnect to B or C and subscribe there again.
    let mut on_a = RawClient::connect_with(&a.server.addr(), r#"{"verbose":false}"#).await;
    on_a.send("SUB only.on.a 1\r\n").await;
    on_a.ping_pong().await;
    wait_remote_sub(&b, "only.on.a", 1).await;

    let route_port = a.route_port;
    let Node { mut server, .. } = a;
    server.signal("KILL");
    assert!(server.wait_exit(Duration::from_secs(5)).is_some());
    drop(server);
    // The dead node's routes and interest go at once; B and C stay meshed.
    wait_full_mesh(&[&b, &c]).await;
    wait_remote_sub(&b, "only.on.a", 0).await;
    let on_b = b.server.connect().await;
    let err = within(
        MSG_TIMEOUT,
        "no responders",
        on_b.request("only.on.a", "x".into()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders);

    // Restarted on the same route port: B and C (configured with A) dial it again.
    let a = Node::start_with("A", "rill-test", Some(route_port), &[], &[]);
    wait_full_mesh(&[&a, &b, &c]).await;
    let on_c = c.server.connect().await;
    let mut sub = on_c.subscribe("after.restart").await.unwrap();
    sync(&on_c).await;
    // Interest made while A was down is sent to A when its routes come up.
    wait_remote_sub(&a, "after.restart", 1).await;
    let on_a = a.server.connect().await;
    on_a.publish("after.restart", "back".into()).await.unwrap();
    assert_eq!(&next_msg(&mut sub).await.payload[..], b"back");
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_gossiped_route_dials_the_advertised_address_and_survives_a_cut() {
    let mut proxy = TcpProxy::bind().await;
    let advertise = format!("127.0.0.1:{}", proxy.port);
    let a = Node::start_with(
        "A",
        "rill-test",
        None,
        &[],
        &["--cluster_advertise", &advertise],
    );
    proxy.forward_to(a.route_port);
    // B knows A only by its advertised address; C only knows B and learns A by gossip.
    let b = Node::start("B", "rill-test", &[proxy.port]);
    let c = Node::start("C", "rill-test", &[b.route_port]);
    wait_full_mesh(&[&a, &b, &c]).await;
    let b_to_a = |b: &Node| {
        b.routez()["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["remote_name"] == "A")
            .cloned()
            .unwrap_or_default()
    };
    let first = b_to_a(&b);
    assert_eq!(
        (first["port"].as_u64(), first["did_solicit"].as_bool()),
        (Some(u64::from(proxy.port)), Some(true))
    );

    let on_a = a.server.connect().await;
    let mut sub = on_a.subscribe("through.proxy").await.unwrap();
    sync(&on_a).await;
    wait_remote_sub(&b, "through.proxy", 1).await;
    proxy.cut();
    // B notices the cut, redials the advertised address, and gets A's interest again.
    eventually("B to reconnect to A through the proxy", || {
        let now = b_to_a(&b);
        now["rid"].is_u64()
            && now["rid"] != first["rid"]
            && now["port"].as_u64() == Some(u64::from(proxy.port))
            && b.routes_with_sub("through.proxy") == 1
    })
    .await;
    let on_b = b.server.connect().await;
    on_b.publish("through.proxy", "hi".into()).await.unwrap();
    assert_eq!(&next_msg(&mut sub).await.payload[..], b"hi");
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_route_that_stops_answering_is_dropped_as_stale_with_its_interest() {
    let fast_pings = "ping_interval: \"200ms\"\nping_max: 2\n";
    let mut proxy = TcpProxy::bind().await;
    let a = Node::start_configured("A", "rill-test", None, &[], &[], Some(fast_pings));
    proxy.forward_to(a.route_port);
    let b = Node::start_configured("B", "rill-test", None, &[proxy.port], &[], Some(fast_pings));
    wait_full_mesh(&[&a, &b]).await;
    let on_a = a.server.connect().await;
    let _sub = on_a.subscribe("behind.freeze").await.unwrap();
    sync(&on_a).await;
    wait_remote_sub(&b, "behind.freeze", 1).await;

    // The TCP connection stays open but nothing gets through: PINGs go unanswered.
    proxy.freeze();
    eventually("both ends to drop the silent route", || {
        a.route_names().is_empty() && b.route_names().is_empty()
    })
    .await;
    assert_eq!(b.routes_with_sub("behind.freeze"), 0);
    assert!(
        b.server.log().contains("stale route connection"),
        "{}",
        b.server.log()
    );

    proxy.thaw();
    wait_full_mesh(&[&a, &b]).await;
    wait_remote_sub(&b, "behind.freeze", 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_name_mismatch_is_refused_with_a_logged_error() {
    let a = Node::start("A", "one", &[]);
    let x = Node::start("X", "two", &[a.route_port]);
    let logged = |n: &Node| {
        n.server
            .wait_for_log("does not match", Duration::from_secs(10))
    };
    assert!(
        logged(&a) || logged(&x),
        "A:\n{}\nX:\n{}",
        a.server.log(),
        x.server.log()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(a.route_names().is_empty());
    assert!(x.route_names().is_empty());
}

#[test]
fn cluster_bad_route_url_or_config_exits_with_a_clear_error() {
    let out = run_to_exit(
        &[
            "-p",
            "-1",
            "--cluster",
            "nats://127.0.0.1:-1",
            "--routes",
            "nats://nohost",
        ],
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        out.stderr.contains("invalid route URL \"nats://nohost\""),
        "{out:?}"
    );

    let out = run_to_exit(
        &["-p", "-1", "--routes", "nats://127.0.0.1:4248"],
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stderr.contains("cluster listen address"), "{out:?}");

    let dir = TempDir::new();
    let conf = dir.write(
        "c.conf",
        "cluster { listen: 127.0.0.1:-1, authorization { user: a, password: b } }\n",
    );
    let out = run_to_exit(&["-c", conf.to_str().unwrap()], Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        out.stderr
            .contains("\"cluster.authorization\" is not yet supported")
            && out.stderr.contains("refusing to start"),
        "{out:?}"
    );
    let conf = dir.write(
        "t.conf",
        "cluster { listen: 127.0.0.1:-1, tls { cert_file: a.pem } }\n",
    );
    let out = run_to_exit(&["-c", conf.to_str().unwrap()], Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stderr.contains("\"cluster.tls\""), "{out:?}");
}
