//! A durable R3 pull consumer whose leader is SIGKILLed while a worker fetches and acks with
//! AckSync (double ack): what was acked stays acked, and nothing is skipped.
//!
//! Runs against the server under test (`RILL_SERVER_BIN`); prints `SKIPPED` and passes while
//! that server refuses the cluster flags (validate with `RILL_SERVER_BIN=nats-server`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use futures::StreamExt;
use rill_tests::jscluster::{JsCluster, JsClusterOpts};
use rill_tests::jsquery::{
    all_current, api_ok, consumer_info, leader_in, poll, wait_consumer_info,
};
use serde_json::{json, Value};

/// Messages in the stream; the worker must ack every one.
const MESSAGES: u64 = 600;

/// The consumer's ack wait: unconfirmed acks come back after this.
const ACK_WAIT: Duration = Duration::from_secs(4);

/// How long the consumer's replicas may take to elect a new leader after a SIGKILL.
const NEW_LEADER_WITHIN: Duration = Duration::from_secs(15);

/// How long the worker may take to ack every message, failover included.
const CONSUMED_WITHIN: Duration = Duration::from_secs(45);

/// The wait for one AckSync confirmation.
const ACK_CONFIRM_TIMEOUT: Duration = Duration::from_secs(2);

/// Slows the worker so the failover lands mid-stream.
const WORK_PER_MSG: Duration = Duration::from_millis(3);

const STREAM: &str = "WORK";
const CONSUMER: &str = "worker";

/// What the worker saw: every delivery, and when each ack was confirmed.
#[derive(Debug, Default)]
struct Ledger {
    /// (stream sequence, delivery count, when).
    deliveries: Vec<(u64, i64, Instant)>,
    /// Stream sequence → when its AckSync was confirmed (the first time).
    confirmed: BTreeMap<u64, Instant>,
    /// Fetch and ack failures.
    failures: u64,
}

impl Ledger {
    /// The highest n such that 1..=n were all confirmed before `t`.
    fn contiguous_before(&self, t: Instant) -> u64 {
        let mut n = 0;
        while self.confirmed.get(&(n + 1)).is_some_and(|at| *at < t) {
            n += 1;
        }
        n
    }
}

impl Ledger {
    /// Facts for the log: deliveries, redeliveries, those that came after a confirmed ack
    /// (allowed for acks confirmed after the kill, but worth seeing), the longest pause.
    fn summary(&self, killed_at: Instant) -> String {
        let since = |t: Instant| t.saturating_duration_since(killed_at);
        let late: Vec<String> = self
            .deliveries
            .iter()
            .filter_map(|(seq, n, at)| {
                let acked = *self.confirmed.get(seq)?;
                (acked < *at).then(|| {
                    format!(
                        "{seq}#{n} acked +{:?} again +{:?}",
                        since(acked),
                        since(*at)
                    )
                })
            })
            .collect();
        let mut times: Vec<Instant> = self.confirmed.values().copied().collect();
        times.sort();
        let pause = times.windows(2).map(|w| w[1] - w[0]).max();
        format!(
            "{} deliveries, {} redeliveries, {} after a confirmed ack {:?}, {} failures, \
             longest pause between confirmed acks {pause:?}",
            self.deliveries.len(),
            self.deliveries.iter().filter(|d| d.1 > 1).count(),
            late.len(),
            late.iter().take(5).collect::<Vec<_>>(),
            self.failures
        )
    }
}

/// AckSync: `+ACK` as a request; only a plain reply (no status) confirms it.
///
/// Not `async_nats::jetstream::Message::double_ack`: in async-nats 0.51 it takes any reply as
/// the confirmation, also the no-responders status a server sends when no consumer leader
/// listens for the ack (seen during failovers), which would make lost acks look confirmed.
async fn ack_sync(
    client: &async_nats::Client,
    msg: &async_nats::jetstream::Message,
) -> Result<(), String> {
    let reply = msg.reply.clone().ok_or("not a JetStream message")?;
    let request = client.request(reply, "+ACK".into());
    match tokio::time::timeout(ACK_CONFIRM_TIMEOUT, request).await {
        Ok(Ok(answer)) if answer.status.is_none() => Ok(()),
        Ok(Ok(answer)) => Err(format!("ack answered with status {:?}", answer.status)),
        Ok(Err(e)) => Err(format!("ack: {e}")),
        Err(_) => Err(format!(
            "no ack confirmation within {ACK_CONFIRM_TIMEOUT:?}"
        )),
    }
}

/// Fetches in small batches and AckSyncs each message until all are confirmed.
async fn work(client: async_nats::Client, consumer: PullConsumer, ledger: Arc<Mutex<Ledger>>) {
    let deadline = Instant::now() + CONSUMED_WITHIN;
    while Instant::now() < deadline {
        if ledger.lock().expect("ledger").confirmed.len() as u64 == MESSAGES {
            return;
        }
        let batch = consumer
            .fetch()
            .max_messages(20)
            .expires(Duration::from_secs(1))
            .messages()
            .await;
        let Ok(mut batch) = batch else {
            ledger.lock().expect("ledger").failures += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        while let Ok(Some(Ok(msg))) =
            tokio::time::timeout(Duration::from_secs(3), batch.next()).await
        {
            let Ok(info) = msg.info().map(|i| (i.stream_sequence, i.delivered)) else {
                continue;
            };
            ledger
                .lock()
                .expect("ledger")
                .deliveries
                .push((info.0, info.1, Instant::now()));
            tokio::time::sleep(WORK_PER_MSG).await;
            let acked = ack_sync(&client, &msg).await;
            let mut ledger = ledger.lock().expect("ledger");
            match acked {
                Ok(()) => {
                    ledger.confirmed.entry(info.0).or_insert_with(Instant::now);
                }
                _ => ledger.failures += 1,
            }
        }
    }
}

async fn setup(cluster: &JsCluster) -> (String, Value) {
    let admin = cluster.client(0).await;
    let config = json!({"name": STREAM, "subjects": ["work.>"], "num_replicas": 3});
    api_ok(&admin, &format!("$JS.API.STREAM.CREATE.{STREAM}"), config)
        .await
        .expect("create R3 stream");
    let js = async_nats::jetstream::new(admin.clone());
    for i in 0..MESSAGES {
        js.publish(format!("work.{}", i % 7), format!("job {i}").into())
            .await
            .expect("publish")
            .await
            .expect("ack");
    }
    let stream = js.get_stream(STREAM).await.expect("stream");
    stream
        .create_consumer(pull::Config {
            durable_name: Some(CONSUMER.to_string()),
            ack_policy: AckPolicy::Explicit,
            ack_wait: ACK_WAIT,
            num_replicas: 3,
            ..Default::default()
        })
        .await
        .expect("create durable R3 pull consumer");
    let info = wait_consumer_info(&admin, STREAM, CONSUMER, NEW_LEADER_WITHIN, |info| {
        all_current(info, 3)
    })
    .await
    .expect("consumer with a leader and current replicas");
    (leader_in(&info).expect("leader"), info)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_js_pull_consumer_keeps_acked_position_through_failover() {
    let Some(mut cluster) = JsCluster::start(3, JsClusterOpts::default()).await else {
        return;
    };
    let (leader, _) = setup(&cluster).await;
    let killed = cluster.index_of(&leader).expect("leader is a node");
    let via = (0..3).find(|&i| i != killed).expect("a follower");
    let client = cluster.client(via).await;
    let js = async_nats::jetstream::new(client.clone());
    let stream = js.get_stream(STREAM).await.expect("stream");
    let consumer: PullConsumer = stream.get_consumer(CONSUMER).await.expect("consumer");
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let worker = tokio::spawn(work(client.clone(), consumer, Arc::clone(&ledger)));

    let started = poll(CONSUMED_WITHIN, || async {
        let n = ledger.lock().expect("ledger").confirmed.len() as u64;
        (n >= MESSAGES / 4).then_some(())
    });
    assert!(
        started.await.is_some(),
        "worker acked too little before the kill"
    );
    let killed_at = Instant::now();
    cluster.kill9(killed);

    let after = wait_consumer_info(&client, STREAM, CONSUMER, NEW_LEADER_WITHIN, |info| {
        leader_in(info).is_some_and(|l| l != leader)
    })
    .await
    .unwrap_or_else(|| panic!("no consumer leader but {leader} within {NEW_LEADER_WITHIN:?}"));
    let elected_after = killed_at.elapsed();
    let floor_before = ledger.lock().expect("ledger").contiguous_before(killed_at);
    let floor = after["ack_floor"]["stream_seq"].as_u64().unwrap_or(0);
    assert!(
        floor >= floor_before,
        "new leader's ack floor {floor} is behind the {floor_before} confirmed before the kill"
    );

    tokio::time::timeout(CONSUMED_WITHIN, worker)
        .await
        .expect("worker finished")
        .expect("worker did not panic");
    let ledger = std::mem::take(&mut *ledger.lock().expect("ledger"));
    let missing: BTreeSet<u64> = (1..=MESSAGES)
        .filter(|s| !ledger.confirmed.contains_key(s))
        .collect();
    assert!(missing.is_empty(), "never consumed: {missing:?}");
    // Stronger than "acked before the failover stays acked": no confirmed ack is ever
    // followed by another delivery of the message (AckSync waits for the consumer's quorum).
    let again: Vec<(u64, i64)> = ledger
        .deliveries
        .iter()
        .filter(|(seq, _, at)| ledger.confirmed.get(seq).is_some_and(|acked| acked < at))
        .map(|(seq, n, _)| (*seq, *n))
        .collect();
    assert!(
        again.is_empty(),
        "delivered again after a confirmed ack: {again:?}"
    );
    eprintln!(
        "consumer leader {leader} SIGKILLed: new leader seen after {elected_after:?}, ack floor \
         {floor} (confirmed contiguously before the kill: {floor_before}); {}",
        ledger.summary(killed_at)
    );

    let end = consumer_info(&client, STREAM, CONSUMER)
        .await
        .expect("consumer info");
    assert_eq!(end["ack_floor"]["stream_seq"], MESSAGES, "{end}");
    assert_eq!(end["num_ack_pending"], 0, "{end}");
    assert_eq!(end["num_pending"], 0, "{end}");
}
