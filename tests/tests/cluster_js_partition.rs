//! Network partitions through per-link TCP proxies: the isolated stream leader stops
//! acknowledging writes, the majority elects a new leader and goes on, and after the heal the
//! old leader rejoins as a follower with the same contents.
//!
//! Every node-to-node connection runs through a proxy (see `rill_tests::jscluster`); the
//! first test checks that nothing bypasses them. Runs against the server under test
//! (`RILL_SERVER_BIN`); prints `SKIPPED` and passes while that server refuses the cluster
//! flags (validate with `RILL_SERVER_BIN=nats-server`).

use std::time::{Duration, Instant};

use rill_tests::jscluster::{wait_until, JsCluster, JsClusterOpts, FORM_TIMEOUT};
use rill_tests::jsload::{check_stream, Publisher, ACK_TIMEOUT};
use rill_tests::jsquery::{
    all_current, api_ok, leader_in, read_on_each_replica, wait_leader, wait_stream_info,
};
use serde_json::json;

/// How long nodes may take to notice that every link is cut.
const ROUTES_DROP_WITHIN: Duration = Duration::from_secs(15);

/// How long a cut must hold with no route coming back (a bypass would reconnect in ~1 s).
const CUT_HOLDS_FOR: Duration = Duration::from_secs(3);

/// How long the majority may take to elect a new leader once the old one is isolated.
const NEW_LEADER_WITHIN: Duration = Duration::from_secs(20);

/// How long the publisher on the majority side may go without acks.
const ACKS_RESUME_WITHIN: Duration = Duration::from_secs(30);

/// How long routes may take to come back after a heal (nats-server backs off its reconnects
/// while a link refuses them).
const ROUTES_BACK_WITHIN: Duration = Duration::from_secs(40);

/// How long the healed node may take until its replica is current again.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(30);

/// Publishes tried through the isolated node; none may be acknowledged.
const ISOLATED_ATTEMPTS: usize = 3;

const STREAM: &str = "PART";
const SUBJECT: &str = "part.load";

fn proxied() -> JsClusterOpts {
    JsClusterOpts {
        proxied: true,
        ..JsClusterOpts::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_proxied_routes_pass_only_through_proxies() {
    let Some(cluster) = JsCluster::start(3, proxied()).await else {
        return;
    };
    assert!(
        cluster.proxied_connections() > 0,
        "routes went through proxies"
    );
    cluster.cut_all();
    let all_gone = || (0..cluster.len()).all(|i| cluster.route_peers(i).is_empty());
    assert!(
        wait_until(ROUTES_DROP_WITHIN, all_gone).await,
        "routes left with every proxy cut: {:?}",
        (0..3).map(|i| cluster.route_peers(i)).collect::<Vec<_>>()
    );
    let came_back = || (0..cluster.len()).any(|i| !cluster.route_peers(i).is_empty());
    assert!(
        !wait_until(CUT_HOLDS_FOR, came_back).await,
        "a route formed around the cut proxies: {:?}",
        (0..3).map(|i| cluster.route_peers(i)).collect::<Vec<_>>()
    );
    cluster.heal();
    cluster.wait_formed(FORM_TIMEOUT).await;
}

/// Publishes through the isolated node; each attempt must end without an ack.
async fn publish_to_isolated(client: async_nats::Client) -> Vec<String> {
    let js = async_nats::jetstream::new(client);
    let mut outcomes = Vec::new();
    for i in 0..ISOLATED_ATTEMPTS {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", format!("x-{i}").as_str());
        let attempt = async {
            js.publish_with_headers("part.isolated", headers, format!("x-{i}").into())
                .await
                .map_err(|e| e.to_string())?
                .await
                .map_err(|e| e.to_string())
        };
        match tokio::time::timeout(ACK_TIMEOUT, attempt).await {
            Ok(Ok(ack)) => panic!("the isolated node acknowledged x-{i}: {ack:?}"),
            Ok(Err(e)) => outcomes.push(e),
            Err(_) => outcomes.push(format!("no ack within {ACK_TIMEOUT:?}")),
        }
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_partitioned_minority_stops_accepting_writes() {
    let Some(cluster) = JsCluster::start(3, proxied()).await else {
        return;
    };
    let admin = cluster.client(0).await;
    let config = json!({"name": STREAM, "subjects": ["part.>"], "num_replicas": 3});
    api_ok(&admin, &format!("$JS.API.STREAM.CREATE.{STREAM}"), config)
        .await
        .expect("create R3 stream");
    let info = wait_stream_info(&admin, STREAM, NEW_LEADER_WITHIN, |i| all_current(i, 3))
        .await
        .expect("R3 stream with a leader and current replicas");
    let old = leader_in(&info).expect("leader");
    let isolated = cluster.index_of(&old).expect("leader is a node");
    let majority = (0..3).find(|&i| i != isolated).expect("another node");
    let on_isolated = cluster.client(isolated).await;
    let on_majority = cluster.client(majority).await;
    let publisher = Publisher::spawn(on_majority.clone(), SUBJECT, "p");
    assert!(
        publisher
            .wait(ACKS_RESUME_WITHIN, |p| p.acked() >= 100)
            .await
    );

    let cut_at = Instant::now();
    cluster.isolate(isolated);
    let refused = tokio::spawn(publish_to_isolated(on_isolated));
    let new = wait_leader(&on_majority, STREAM, Some(&old), NEW_LEADER_WITHIN)
        .await
        .unwrap_or_else(|| panic!("majority elected no leader within {NEW_LEADER_WITHIN:?}"));
    let elected_after = cut_at.elapsed();
    let resumed = publisher
        .wait(ACKS_RESUME_WITHIN, |p| p.acked_after(cut_at) >= 100)
        .await;
    assert!(resumed, "majority side acks stopped after the partition");
    let refused = refused.await.expect("isolated publisher");
    let report = publisher.stop().await;

    cluster.heal();
    let healed_at = Instant::now();
    cluster.wait_formed(ROUTES_BACK_WITHIN).await;
    let routed_after = healed_at.elapsed();
    let rejoined = wait_stream_info(&on_majority, STREAM, CATCH_UP_WITHIN, |i| {
        all_current(i, 3) && leader_in(i).as_deref() != Some(old.as_str())
    })
    .await;
    if rejoined.is_none() {
        let info = rill_tests::jsquery::stream_info(&on_majority, STREAM).await;
        panic!("{old} not a current follower within {CATCH_UP_WITHIN:?}: {info:?}");
    }
    let rejoined_after = healed_at.elapsed();
    eprintln!(
        "isolated leader {old}: {new} leads after {elected_after:?}; isolated publishes ended \
         with {refused:?}; after the heal routes back after {routed_after:?}, {old} current after \
         {rejoined_after:?}; {} acks, {} failed \
         attempts",
        report.acked.len(),
        report.failures
    );

    let last_seq = report.acked.last().expect("acks").seq;
    let mut order = vec![isolated];
    order.extend((0..3).filter(|&i| i != isolated));
    let stored = read_on_each_replica(&cluster, &on_majority, STREAM, &order, last_seq).await;
    check_stream(&stored, SUBJECT, "p", &report.acked);
    let leaked: Vec<_> = stored.iter().filter(|m| m.subject != SUBJECT).collect();
    assert!(
        leaked.is_empty(),
        "unacknowledged writes of the isolated leader: {leaked:?}"
    );
}
