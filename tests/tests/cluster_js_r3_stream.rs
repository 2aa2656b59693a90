//! A replicated (R3) stream in a three-node cluster looks the same from every node.
//!
//! Runs against the server under test (`RILL_SERVER_BIN`); prints `SKIPPED` and passes while
//! that server refuses the cluster flags (validate with `RILL_SERVER_BIN=nats-server`).

use std::time::Duration;

use rill_tests::jscluster::{JsCluster, JsClusterOpts};
use rill_tests::jsquery::{
    all_current, api_ok, leader_in, read_stream, replicas_in, stream_info, wait_stream_info,
};
use serde_json::json;

/// How long a new R3 stream may take until both followers are current.
const CURRENT_WITHIN: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_r3_stream_created_from_any_node() {
    let Some(cluster) = JsCluster::start(3, JsClusterOpts::default()).await else {
        return;
    };
    let n1 = cluster.client(0).await;
    let n2 = cluster.client(1).await;
    let n3 = cluster.client(2).await;

    let config = json!({
        "name": "ORDERS",
        "subjects": ["orders.>"],
        "storage": "file",
        "num_replicas": 3,
    });
    let created = api_ok(&n2, "$JS.API.STREAM.CREATE.ORDERS", config)
        .await
        .expect("create R3 stream through n2");
    assert_eq!(created["config"]["num_replicas"], 3, "{created}");

    let mut infos = Vec::new();
    for client in [&n1, &n3] {
        let info = wait_stream_info(client, "ORDERS", CURRENT_WITHIN, |i| all_current(i, 3))
            .await
            .unwrap_or_else(|| panic!("replicas not current: {:?}", replicas_in(&created)));
        infos.push(info);
    }
    for info in &infos {
        for key in ["name", "subjects", "storage", "num_replicas", "retention"] {
            assert_eq!(info["config"][key], created["config"][key], "{key}: {info}");
        }
        assert_eq!(info["cluster"]["name"], "C1", "{info}");
        let leader = leader_in(info).expect("a leader");
        let mut peers: Vec<String> = replicas_in(info)
            .iter()
            .filter_map(|r| r["name"].as_str().map(str::to_owned))
            .collect();
        peers.push(leader);
        peers.sort();
        assert_eq!(peers, ["n1", "n2", "n3"], "leader plus replicas: {info}");
    }
    assert_eq!(
        leader_in(&infos[0]),
        leader_in(&infos[1]),
        "n1 and n3 name the same leader"
    );

    let js3 = async_nats::jetstream::new(n3.clone());
    let mut seqs = Vec::new();
    for i in 0..5 {
        let ack = js3
            .publish(format!("orders.{i}"), format!("order {i}").into())
            .await
            .expect("publish through n3")
            .await
            .expect("ack through n3");
        seqs.push(ack.sequence);
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5]);

    let stored = read_stream(&n1, "ORDERS").await.expect("read through n1");
    let seen: Vec<(u64, String, String)> = stored
        .iter()
        .map(|m| {
            let payload = String::from_utf8_lossy(&m.payload).into_owned();
            (m.seq, m.subject.clone(), payload)
        })
        .collect();
    let expected: Vec<(u64, String, String)> = (0..5)
        .map(|i| (i + 1, format!("orders.{i}"), format!("order {i}")))
        .collect();
    assert_eq!(seen, expected);

    let info = stream_info(&n1, "ORDERS").await.expect("info through n1");
    assert_eq!(info["state"]["messages"], 5, "{info}");
}
