//! SIGKILL of an R3 stream's leader under a steady publisher: a new leader takes over, no
//! acknowledged message is lost or stored twice, and the killed node comes back and catches
//! up.
//!
//! Runs against the server under test (`RILL_SERVER_BIN`); prints `SKIPPED` and passes while
//! that server refuses the cluster flags (validate with `RILL_SERVER_BIN=nats-server`).

use std::time::{Duration, Instant};

use rill_tests::jscluster::{JsCluster, JsClusterOpts};
use rill_tests::jsload::{check_stream, PublishReport, Publisher};
use rill_tests::jsquery::{
    all_current, api_ok, leader_in, read_on_each_replica, wait_leader, wait_stream_info,
};
use serde_json::json;

/// How long the surviving replicas may take to elect a new leader after a SIGKILL.
const NEW_LEADER_WITHIN: Duration = Duration::from_secs(15);

/// How long the publisher may go without acks across the failover.
const ACKS_RESUME_WITHIN: Duration = Duration::from_secs(30);

/// How long a restarted node may take until its replica is current again.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(30);

/// Acks to see before the kill and again after it.
const ACKS_EACH_SIDE: usize = 200;

const STREAM: &str = "EVENTS";
const SUBJECT: &str = "events.load";

/// What the failover scenario leaves for the checks.
struct Failover {
    cluster: JsCluster,
    killed: usize,
    killed_at: Instant,
    reader: async_nats::Client,
    report: PublishReport,
}

/// Creates the R3 stream, publishes through a follower, SIGKILLs the leader mid-stream and
/// waits for a new leader and fresh acks; stops the publisher.
async fn kill_leader_under_load() -> Option<Failover> {
    let mut cluster = JsCluster::start(3, JsClusterOpts::default()).await?;
    let admin = cluster.client(0).await;
    let config = json!({"name": STREAM, "subjects": ["events.>"], "num_replicas": 3});
    api_ok(&admin, &format!("$JS.API.STREAM.CREATE.{STREAM}"), config)
        .await
        .expect("create R3 stream");
    let info = wait_stream_info(&admin, STREAM, NEW_LEADER_WITHIN, |i| all_current(i, 3))
        .await
        .expect("R3 stream with a leader and current replicas");
    let leader = leader_in(&info).expect("leader");
    let killed = cluster.index_of(&leader).expect("leader is a node");
    let via = (0..3).find(|&i| i != killed).expect("a follower");
    let client = cluster.client(via).await;
    let publisher = Publisher::spawn(client.clone(), SUBJECT, "m");
    assert!(
        publisher
            .wait(ACKS_RESUME_WITHIN, |p| p.acked() >= ACKS_EACH_SIDE)
            .await,
        "publisher through {} got only {} acks",
        cluster.name(via),
        publisher.acked()
    );

    let killed_at = Instant::now();
    cluster.kill9(killed);
    let new_leader = wait_leader(&client, STREAM, Some(&leader), NEW_LEADER_WITHIN).await;
    let elected_after = killed_at.elapsed();
    let new_leader = new_leader.unwrap_or_else(|| {
        panic!("no leader other than {leader} within {NEW_LEADER_WITHIN:?} of SIGKILL")
    });
    let resumed = publisher
        .wait(ACKS_RESUME_WITHIN, |p| {
            p.acked_after(killed_at) >= ACKS_EACH_SIDE
        })
        .await;
    assert!(
        resumed,
        "{} acks within {ACKS_RESUME_WITHIN:?} after the failover",
        publisher.acked_after(killed_at)
    );
    let report = publisher.stop().await;
    let first_ack_after = report
        .acked
        .iter()
        .find(|a| a.at > killed_at && a.attempts > 1)
        .map(|a| a.at - killed_at);
    eprintln!(
        "SIGKILL of leader {leader}: {new_leader} leads after {elected_after:?}; first retried \
         ack after {first_ack_after:?}; {} acks, {} failed attempts (e.g. {:?})",
        report.acked.len(),
        report.failures,
        report.failure_samples.first()
    );
    Some(Failover {
        cluster,
        killed,
        killed_at,
        reader: client,
        report,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_leader_sigkill_loses_no_acked_message() {
    let Some(f) = kill_leader_under_load().await else {
        return;
    };
    let last_seq = f.report.acked.last().expect("acks").seq;
    let survivors = f.cluster.up_nodes();
    assert_eq!(survivors.len(), 2);
    let stored = read_on_each_replica(&f.cluster, &f.reader, STREAM, &survivors, last_seq).await;
    check_stream(&stored, SUBJECT, "m", &f.report.acked);
    assert!(
        f.report
            .acked
            .iter()
            .any(|a| a.at > f.killed_at && a.attempts > 1),
        "the kill happened mid-stream: a publish after it needed a retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_killed_node_restarts_and_catches_up() {
    let Some(mut f) = kill_leader_under_load().await else {
        return;
    };
    let last_seq = f.report.acked.last().expect("acks").seq;
    let restarted_at = Instant::now();
    f.cluster.restart(f.killed);
    let current = wait_stream_info(&f.reader, STREAM, CATCH_UP_WITHIN, |info| {
        all_current(info, 3) && info["state"]["last_seq"].as_u64() == Some(last_seq)
    })
    .await;
    assert!(
        current.is_some(),
        "{} not current within {CATCH_UP_WITHIN:?} of its restart",
        f.cluster.name(f.killed)
    );
    eprintln!(
        "{} restarted and current after {:?}",
        f.cluster.name(f.killed),
        restarted_at.elapsed()
    );
    // The restarted node first: it must serve every message while it leads.
    let mut order = vec![f.killed];
    order.extend(f.cluster.up_nodes().into_iter().filter(|&i| i != f.killed));
    let stored = read_on_each_replica(&f.cluster, &f.reader, STREAM, &order, last_seq).await;
    check_stream(&stored, SUBJECT, "m", &f.report.acked);
}
