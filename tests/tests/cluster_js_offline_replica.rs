//! Stream info tells a stopped follower apart: after a SIGKILL its replica turns `offline` (or
//! at least not `current`), current again once it is back and caught up, and `offline` after a
//! clean stop (SIGTERM). nats-server 2.15 takes about 10 s to show a SIGKILLed replica not
//! current and about 3 minutes to show it offline; a SIGTERMed one is offline at once.
//!
//! Runs against the server under test (`RILL_SERVER_BIN`); prints `SKIPPED` and passes while
//! that server refuses the cluster flags (validate with `RILL_SERVER_BIN=nats-server`).

use std::cell::Cell;
use std::time::{Duration, Instant};

use rill_tests::jscluster::{JsCluster, JsClusterOpts};
use rill_tests::jsquery::{
    all_current, api_ok, api_within, leader_in, poll, replicas_in, wait_stream_info,
    POLL_REQUEST_TIMEOUT,
};
use serde_json::{json, Value};

/// How long the leader may take to report the killed replica `offline`.
const OFFLINE_WITHIN: Duration = Duration::from_secs(30);

/// How long a stream may take until its replicas are current (also after the restart).
const CURRENT_WITHIN: Duration = Duration::from_secs(30);

/// Messages published while the follower is down (it must catch up on them).
const WHILE_DOWN: u64 = 50;

const STREAM: &str = "WATCH";

/// The replica entry for `name` in a stream info.
fn replica(info: &Value, name: &str) -> Option<Value> {
    replicas_in(info).into_iter().find(|r| r["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_stream_info_reports_offline_replica() {
    let Some(mut cluster) = JsCluster::start(3, JsClusterOpts::default()).await else {
        return;
    };
    let admin = cluster.client(0).await;
    let config = json!({"name": STREAM, "subjects": ["watch.>"], "num_replicas": 3});
    api_ok(&admin, &format!("$JS.API.STREAM.CREATE.{STREAM}"), config)
        .await
        .expect("create R3 stream");
    let info = wait_stream_info(&admin, STREAM, CURRENT_WITHIN, |i| all_current(i, 3))
        .await
        .expect("R3 stream with a leader and current replicas");
    let leader = leader_in(&info).expect("leader");
    let leader_node = cluster.index_of(&leader).expect("node");
    let follower = (0..3).find(|&i| i != leader_node).expect("a follower");
    let name = cluster.name(follower).to_string();
    let client = cluster.client(leader_node).await;

    let killed_at = Instant::now();
    cluster.kill9(follower);
    let seen = wait_marked_down(&client, &name, killed_at, false).await;
    eprintln!("{name} SIGKILLed: {seen}");
    assert!(
        seen.offline.is_some() || seen.not_current.is_some(),
        "{name} still shown current and online {OFFLINE_WITHIN:?} after SIGKILL"
    );

    let js = async_nats::jetstream::new(client.clone());
    for i in 0..WHILE_DOWN {
        let ack = js
            .publish(format!("watch.{i}"), "x".into())
            .await
            .expect("publish");
        ack.await.expect("acked by the two live replicas");
    }
    let restarted_at = Instant::now();
    cluster.restart(follower);
    let back = wait_stream_info(&client, STREAM, CURRENT_WITHIN, |info| {
        all_current(info, 3)
            && info["state"]["last_seq"] == WHILE_DOWN
            && replica(info, &name).is_some_and(|r| r["lag"].as_u64().unwrap_or(0) == 0)
    })
    .await;
    assert!(
        back.is_some(),
        "{name} not current within {CURRENT_WITHIN:?} of its restart"
    );
    eprintln!(
        "{name} current again {:?} after its restart",
        restarted_at.elapsed()
    );

    // A clean stop announces itself: the replica is shown offline (nats-server: at once).
    let stopped_at = Instant::now();
    cluster.term(follower);
    let seen = wait_marked_down(&client, &name, stopped_at, true).await;
    eprintln!("{name} SIGTERMed: {seen}");
    assert!(
        seen.offline.is_some(),
        "{name} not shown offline within {OFFLINE_WITHIN:?} of a clean stop"
    );
}

/// When stream info first showed a replica not current, and offline.
#[derive(Debug, Default)]
struct MarkedDown {
    not_current: Option<Duration>,
    offline: Option<Duration>,
}

impl std::fmt::Display for MarkedDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |d: Option<Duration>| d.map_or("not seen".into(), |d| format!("after {d:?}"));
        write!(
            f,
            "not current {}, offline {}",
            show(self.not_current),
            show(self.offline)
        )
    }
}

/// Polls the stream info (through the leader's node) for up to [`OFFLINE_WITHIN`] until
/// replica `name` is shown `offline` or, unless `need_offline`, not `current`.
async fn wait_marked_down(
    client: &async_nats::Client,
    name: &str,
    since: Instant,
    need_offline: bool,
) -> MarkedDown {
    let not_current = Cell::new(None);
    let subject = format!("$JS.API.STREAM.INFO.{STREAM}");
    let offline = poll(OFFLINE_WITHIN, || async {
        let info = api_within(client, &subject, json!({}), POLL_REQUEST_TIMEOUT).await;
        let entry = replica(&info.ok()?, name)?;
        if entry["current"] != json!(true) && not_current.get().is_none() {
            not_current.set(Some(since.elapsed()));
        }
        let offline = entry["offline"] == json!(true);
        (offline || (!need_offline && not_current.get().is_some())).then_some(offline)
    })
    .await;
    MarkedDown {
        not_current: not_current.get(),
        offline: offline.filter(|o| *o).map(|_| since.elapsed()),
    }
}
