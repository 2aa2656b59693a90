//! A JetStream publisher that keeps going through failovers, and the check that a stream holds
//! exactly what it acknowledged.
//!
//! [`Publisher::spawn`] publishes `<prefix>-<n>` for n = 0, 1, ... one at a time, each with
//! `Nats-Msg-Id: <prefix>-<n>`. A message that gets no ack (an error, or no ack within
//! [`ACK_TIMEOUT`]) is sent again with the same id until it is acked, so the stream's
//! duplicate window turns a retry of a stored message into an ack of the first copy. One at a
//! time keeps the stored order equal to the publish order, which [`check_stream`] asserts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::jsquery::Stored;

/// How long one publish waits for its ack before it is retried.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(2);

/// How long one message may go unacknowledged (through retries) before the publisher fails.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

/// The pause between a failed attempt and its retry.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// One acknowledged message.
#[derive(Debug, Clone)]
pub struct Acked {
    /// Its index n (payload and id are `<prefix>-<n>`).
    pub index: u64,
    /// The stream sequence from the ack.
    pub seq: u64,
    /// Whether the ack flagged it as a duplicate (a retry of a message that was stored).
    pub duplicate: bool,
    /// When the ack arrived.
    pub at: Instant,
    /// How many attempts it took.
    pub attempts: u32,
}

/// What a stopped [`Publisher`] did.
#[derive(Debug, Default)]
pub struct PublishReport {
    /// Every ack, in publish order.
    pub acked: Vec<Acked>,
    /// Failed attempts (errors and timeouts) and the first few of their texts.
    pub failures: u64,
    /// Up to ten failure texts, for the test log.
    pub failure_samples: Vec<String>,
    /// A message that was never acked within [`GIVE_UP_AFTER`], if any.
    pub gave_up: Option<String>,
}

/// A background publisher task; see the module docs.
#[derive(Debug)]
pub struct Publisher {
    prefix: String,
    stop: watch::Sender<bool>,
    report: Arc<Mutex<PublishReport>>,
    task: JoinHandle<()>,
}

impl Publisher {
    /// Starts publishing to `subject` through `client`.
    pub fn spawn(client: async_nats::Client, subject: &str, prefix: &str) -> Publisher {
        let (stop, stop_rx) = watch::channel(false);
        let report = Arc::new(Mutex::new(PublishReport::default()));
        let task = tokio::spawn(run(
            client,
            subject.to_string(),
            prefix.to_string(),
            stop_rx,
            Arc::clone(&report),
        ));
        Publisher {
            prefix: prefix.to_string(),
            stop,
            report,
            task,
        }
    }

    /// Acks so far.
    pub fn acked(&self) -> usize {
        self.report.lock().map(|r| r.acked.len()).unwrap_or(0)
    }

    /// Acks that arrived after `t`.
    pub fn acked_after(&self, t: Instant) -> usize {
        self.report
            .lock()
            .map(|r| r.acked.iter().filter(|a| a.at > t).count())
            .unwrap_or(0)
    }

    /// Waits until `ready(self)` or `limit` passes; whether it became true.
    pub async fn wait(&self, limit: Duration, ready: impl Fn(&Publisher) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while !ready(self) {
            if Instant::now() >= deadline || self.task.is_finished() {
                return ready(self);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    /// Stops after the message in flight is acked; the report. Panics if it gave up.
    pub async fn stop(self) -> PublishReport {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(GIVE_UP_AFTER + ACK_TIMEOUT, self.task).await;
        let report = std::mem::take(&mut *self.report.lock().expect("report lock"));
        if let Some(what) = &report.gave_up {
            panic!("publisher {} gave up: {what}", self.prefix);
        }
        report
    }
}

async fn run(
    client: async_nats::Client,
    subject: String,
    prefix: String,
    stop: watch::Receiver<bool>,
    report: Arc<Mutex<PublishReport>>,
) {
    let js = async_nats::jetstream::new(client);
    let mut index = 0u64;
    while !*stop.borrow() {
        let id = format!("{prefix}-{index}");
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match publish_once(&js, &subject, &id).await {
                Ok(ack) => {
                    let acked = Acked {
                        index,
                        seq: ack.sequence,
                        duplicate: ack.duplicate,
                        at: Instant::now(),
                        attempts,
                    };
                    report.lock().expect("report lock").acked.push(acked);
                    break;
                }
                Err(e) => {
                    let mut r = report.lock().expect("report lock");
                    r.failures += 1;
                    if r.failure_samples.len() < 10 {
                        r.failure_samples.push(format!("{id}: {e}"));
                    }
                    if started.elapsed() > GIVE_UP_AFTER {
                        r.gave_up = Some(format!("{id} after {attempts} attempts: {e}"));
                        return;
                    }
                }
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        index += 1;
    }
}

async fn publish_once(
    js: &async_nats::jetstream::Context,
    subject: &str,
    id: &str,
) -> Result<async_nats::jetstream::publish::PublishAck, String> {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", id);
    let attempt = async {
        let pending = js
            .publish_with_headers(subject.to_string(), headers, id.to_string().into())
            .await
            .map_err(|e| format!("publish: {e}"))?;
        pending.await.map_err(|e| format!("ack: {e}"))
    };
    match tokio::time::timeout(ACK_TIMEOUT, attempt).await {
        Ok(result) => result,
        Err(_) => Err(format!("no ack within {ACK_TIMEOUT:?}")),
    }
}

/// Asserts that the messages of `stored` on `subject` are exactly the acknowledged ones:
/// each index once (no duplicate `Nats-Msg-Id`), in publish order, at the sequence its ack
/// named, with the payload it was published with.
pub fn check_stream(stored: &[Stored], subject: &str, prefix: &str, acked: &[Acked]) {
    let mine: Vec<&Stored> = stored.iter().filter(|m| m.subject == subject).collect();
    let mut ids: Vec<&str> = mine.iter().filter_map(|m| m.msg_id.as_deref()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "a Nats-Msg-Id is stored twice");
    assert_eq!(
        mine.len(),
        acked.len(),
        "stored {} messages on {subject}, {} were acked",
        mine.len(),
        acked.len()
    );
    for (i, (msg, ack)) in mine.iter().zip(acked).enumerate() {
        let expected = format!("{prefix}-{}", ack.index);
        assert_eq!(ack.index, i as u64, "acks are in publish order");
        assert_eq!(msg.seq, ack.seq, "{expected}: ack named seq {}", ack.seq);
        assert_eq!(
            msg.msg_id.as_deref(),
            Some(expected.as_str()),
            "seq {}",
            msg.seq
        );
        assert_eq!(
            msg.payload,
            expected.as_bytes(),
            "payload at seq {}",
            msg.seq
        );
    }
}
