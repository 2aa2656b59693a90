//! A five-node cluster keeps working with two nodes SIGKILLed (one of them a stream leader):
//! writes and reads go on for an R3 and an R5 stream, and the meta layer still creates
//! streams.
//!
//! Runs against the server under test (`RILL_SERVER_BIN`); prints `SKIPPED` and passes while
//! that server refuses the cluster flags (validate with `RILL_SERVER_BIN=nats-server`).

use std::time::{Duration, Instant};

use rill_tests::jscluster::{JsCluster, JsClusterOpts};
use rill_tests::jsload::{check_stream, Publisher};
use rill_tests::jsquery::{
    all_current, api_ok, leader_in, poll, read_on_each_replica, replicas_in, wait_leader,
    wait_stream_info,
};
use serde_json::{json, Value};

/// How long a stream may take until it has a leader and current replicas.
const CURRENT_WITHIN: Duration = Duration::from_secs(20);

/// How long the survivors may take to elect new leaders after the kills.
const NEW_LEADER_WITHIN: Duration = Duration::from_secs(20);

/// How long each publisher may go without acks across the failover.
const ACKS_RESUME_WITHIN: Duration = Duration::from_secs(30);

/// How long creating a stream may keep failing after the kills (a meta election).
const META_WITHIN: Duration = Duration::from_secs(30);

/// Acks to see per stream before the kills and again after them.
const ACKS_EACH_SIDE: usize = 100;

async fn create(client: &async_nats::Client, name: &str, replicas: usize) -> Value {
    let config = json!({"name": name, "subjects": [format!("{name}.>")], "num_replicas": replicas});
    api_ok(client, &format!("$JS.API.STREAM.CREATE.{name}"), config)
        .await
        .unwrap_or_else(|e| panic!("create R{replicas} stream {name}: {e}"));
    wait_stream_info(client, name, CURRENT_WITHIN, |i| all_current(i, replicas))
        .await
        .unwrap_or_else(|| panic!("{name}: no leader with current replicas"))
}

/// The leader and replica names of a stream info.
fn peers(info: &Value) -> Vec<String> {
    let mut names: Vec<String> = replicas_in(info)
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_owned))
        .collect();
    names.extend(leader_in(info));
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_five_nodes_keep_working_with_two_down() {
    let Some(mut cluster) = JsCluster::start(5, JsClusterOpts::default()).await else {
        return;
    };
    let admin = cluster.client(0).await;
    let three = create(&admin, "THREE", 3).await;
    create(&admin, "FIVE", 5).await;

    // Kill THREE's leader and a node outside THREE's group, so THREE keeps two of three
    // replicas, FIVE three of five and the meta group three of five.
    let three_peers = peers(&three);
    let leader = leader_in(&three).expect("leader");
    let outsider = (0..5)
        .find(|&i| !three_peers.iter().any(|p| p == cluster.name(i)))
        .expect("a node outside the R3 group");
    let victims = [cluster.index_of(&leader).expect("node"), outsider];
    let via = (0..5).find(|i| !victims.contains(i)).expect("a survivor");
    let client = cluster.client(via).await;
    let p3 = Publisher::spawn(client.clone(), "THREE.load", "t");
    let p5 = Publisher::spawn(client.clone(), "FIVE.load", "f");
    for p in [&p3, &p5] {
        assert!(
            p.wait(ACKS_RESUME_WITHIN, |p| p.acked() >= ACKS_EACH_SIDE)
                .await
        );
    }

    let killed_at = Instant::now();
    victims.iter().for_each(|&i| cluster.kill9(i));
    let new = wait_leader(&client, "THREE", Some(&leader), NEW_LEADER_WITHIN).await;
    assert!(new.is_some(), "THREE elected no new leader");
    for p in [&p3, &p5] {
        let resumed = p.wait(ACKS_RESUME_WITHIN, |p| {
            p.acked_after(killed_at) >= ACKS_EACH_SIDE
        });
        assert!(resumed.await, "acks did not resume after the kills");
    }
    let (r3, r5) = (p3.stop().await, p5.stop().await);
    eprintln!(
        "killed {:?}: THREE led by {new:?} after {:?}; {} + {} acks",
        victims.map(|i| cluster.name(i).to_string()),
        killed_at.elapsed(),
        r3.acked.len(),
        r5.acked.len()
    );

    let survivors = cluster.up_nodes();
    let in_three: Vec<usize> = survivors
        .iter()
        .copied()
        .filter(|&i| three_peers.iter().any(|p| p == cluster.name(i)))
        .collect();
    let last = r3.acked.last().expect("acks").seq;
    let stored = read_on_each_replica(&cluster, &client, "THREE", &in_three, last).await;
    check_stream(&stored, "THREE.load", "t", &r3.acked);
    let last = r5.acked.last().expect("acks").seq;
    let stored = read_on_each_replica(&cluster, &client, "FIVE", &survivors, last).await;
    check_stream(&stored, "FIVE.load", "f", &r5.acked);

    meta_still_creates_streams(&cluster, &client, &victims).await;
}

/// The meta layer still works: a new R3 stream lands on live nodes and takes writes.
async fn meta_still_creates_streams(
    cluster: &JsCluster,
    client: &async_nats::Client,
    victims: &[usize],
) {
    let config = json!({"name": "AFTER", "subjects": ["AFTER.>"], "num_replicas": 3});
    let created = poll(META_WITHIN, || async {
        api_ok(client, "$JS.API.STREAM.CREATE.AFTER", config.clone())
            .await
            .ok()
    });
    assert!(
        created.await.is_some(),
        "no R3 stream created with two nodes down"
    );
    let after = wait_stream_info(client, "AFTER", CURRENT_WITHIN, |i| all_current(i, 3))
        .await
        .expect("AFTER with a leader and current replicas");
    let dead: Vec<&str> = victims.iter().map(|&i| cluster.name(i)).collect();
    assert!(
        peers(&after).iter().all(|p| !dead.contains(&p.as_str())),
        "AFTER placed on a dead node: {after}"
    );
    let js = async_nats::jetstream::new(client.clone());
    let ack = js.publish("AFTER.x", "x".into()).await.expect("publish");
    assert_eq!(ack.await.expect("ack").sequence, 1);
}
