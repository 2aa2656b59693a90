//! The clients of `rill bench`: one NATS connection per publisher, subscriber, requester or
//! replier, each returning a [`Sample`] of what it moved.
//!
//! Speed matters here, because on a small machine the client can be slower than the server:
//! publishers hand preallocated `Bytes` and `Subject` clones (reference-count bumps) to async-nats
//! without waiting for anything per message and flush once at the end; connections get large
//! command and subscription buffers so bursts never wait on a full channel.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use async_nats::{Client, ConnectOptions, Event, RequestErrorKind, Subject, Subscriber};
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::{watch, Notify};

use crate::cli::connect::Resolved;

use super::progress::Tally;
use super::stats::Sample;
use super::units::fmt_count;

/// Commands a connection may queue before `publish` waits (async-nats defaults to 2,048).
pub const CLIENT_CAPACITY_MSGS: usize = 128 * 1024;
/// Messages a subscription may buffer in the client before async-nats drops them as a slow
/// consumer (async-nats defaults to 65,536).
pub const SUBSCRIPTION_CAPACITY_MSGS: usize = 1024 * 1024;
/// Queue group the repliers join, so each request is answered exactly once.
pub const REPLY_QUEUE_GROUP: &str = "rill-bench";

/// Connection events seen by any benchmark client, shared by all of them.
#[derive(Debug, Default)]
pub struct Health {
    slow_consumer_events: AtomicU64,
    failed: AtomicBool,
    failure: Mutex<Option<String>>,
    failed_notify: Notify,
}

impl Health {
    /// A fresh, healthy record.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Times async-nats dropped a message because a subscription's buffer was full.
    pub fn slow_consumer_events(&self) -> u64 {
        self.slow_consumer_events.load(Ordering::Relaxed)
    }

    /// Resolves once a connection dropped or the server sent an error; returns the reason.
    pub async fn failed(&self) -> String {
        loop {
            let notified = self.failed_notify.notified();
            if self.failed.load(Ordering::Acquire) {
                let reason = self.failure.lock().map(|r| r.clone()).ok().flatten();
                return reason.unwrap_or_else(|| "connection failed".to_owned());
            }
            notified.await;
        }
    }

    fn record(&self, client: &str, event: Event) {
        let reason = match event {
            Event::SlowConsumer(_) => {
                self.slow_consumer_events.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Event::Disconnected => format!("{client}: disconnected from the server"),
            Event::ServerError(error) => format!("{client}: server error: {error}"),
            Event::ClientError(error) => format!("{client}: client error: {error}"),
            Event::Connected | Event::LameDuckMode | Event::Draining | Event::Closed => return,
        };
        tracing::warn!("{reason}");
        if let Ok(mut failure) = self.failure.lock() {
            failure.get_or_insert(reason);
        }
        self.failed.store(true, Ordering::Release);
        self.failed_notify.notify_waiters();
    }
}

/// Opens one benchmark connection named `rill-bench-<role>-<index>`.
pub async fn connect(
    target: &Resolved,
    role: &str,
    index: usize,
    request_timeout: Duration,
    health: &Arc<Health>,
) -> anyhow::Result<Client> {
    let name = format!("rill-bench-{role}-{index}");
    let server = target.servers.join(",");
    let events = health.clone();
    let event_name = name.clone();
    let opts = ConnectOptions::new()
        .name(&name)
        .client_capacity(CLIENT_CAPACITY_MSGS)
        .subscription_capacity(SUBSCRIPTION_CAPACITY_MSGS)
        // The subject was checked once in `BenchArgs`; re-validating it per message costs time.
        .skip_subject_validation(true)
        .connection_timeout(Duration::from_secs(5))
        .request_timeout(Some(request_timeout))
        .event_callback(move |event| {
            events.record(&event_name, event);
            std::future::ready(())
        });
    target
        .apply_auth(opts)
        .await?
        .connect(target.server_addrs()?)
        .await
        .with_context(|| format!("{name}: cannot connect to {server}"))
}

/// Publishes `count` messages as fast as the client allows, then flushes; the sample runs from
/// the first publish to the end of the flush.
pub async fn publish(
    client: Client,
    subject: Subject,
    payload: Bytes,
    count: u64,
    mut tally: Tally,
) -> anyhow::Result<Sample> {
    let start = Instant::now();
    for _ in 0..count {
        client.publish(subject.clone(), payload.clone()).await?;
        tally.add_one();
    }
    client
        .flush()
        .await
        .context("flushing published messages")?;
    let end = Instant::now();
    tally.flush();
    Ok(Sample {
        msgs: count,
        bytes: count * payload.len() as u64,
        start,
        end,
    })
}

/// How long a subscriber waits for messages before declaring the rest lost.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// Limit on the wait for the first message; `None` waits indefinitely (publishers run
    /// elsewhere and may start later).
    pub first: Option<Duration>,
    /// Limit on the gap between two messages once they flow.
    pub idle: Duration,
}

/// Receives `expected` messages on an already-registered subscription; the sample runs from the
/// first message to the last. Fails, saying how many were lost, when the flow stops short.
pub async fn count_messages(
    index: usize,
    mut subscriber: Subscriber,
    expected: u64,
    patience: Patience,
    health: Arc<Health>,
    mut tally: Tally,
) -> anyhow::Result<Sample> {
    let mut received = 0u64;
    let mut bytes = 0u64;
    let mut start = Instant::now();
    let mut end = start;
    while received < expected {
        let limit = if received == 0 {
            patience.first
        } else {
            Some(patience.idle)
        };
        let next = match limit {
            Some(limit) => tokio::time::timeout(limit, subscriber.next()).await.ok(),
            None => Some(subscriber.next().await),
        };
        let Some(Some(message)) = next else {
            let why = match next {
                None => format!("no message for {:?}", limit.unwrap_or_default()),
                Some(_) => "subscription closed".to_owned(),
            };
            bail!(
                "subscriber {index} received {} of {} messages: {} lost ({why}; client-side \
                 slow-consumer drops: {}). The server may have cut a slow consumer: try fewer \
                 messages or subscribers, or a longer --timeout",
                fmt_count(received),
                fmt_count(expected),
                fmt_count(expected - received),
                health.slow_consumer_events()
            );
        };
        end = Instant::now();
        if received == 0 {
            start = end;
        }
        received += 1;
        bytes += message.payload.len() as u64;
        tally.add_one();
    }
    Ok(Sample {
        msgs: received,
        bytes,
        start,
        end,
    })
}

/// Sends `count` requests one after another, each waiting for its reply; returns the sample and
/// every round-trip time in nanoseconds.
pub async fn request(
    client: Client,
    subject: Subject,
    payload: Bytes,
    count: u64,
    mut tally: Tally,
) -> anyhow::Result<(Sample, Vec<u64>)> {
    // Reserve up front for typical runs, without trusting a huge --msgs with memory.
    let mut round_trips_ns = Vec::with_capacity(usize::try_from(count.min(1 << 20)).unwrap_or(0));
    let start = Instant::now();
    for sent in 0..count {
        let before = Instant::now();
        if let Err(error) = client.request(subject.clone(), payload.clone()).await {
            let hint = match error.kind() {
                RequestErrorKind::NoResponders => {
                    " (nobody answers: add --sub N, or run `rill bench SUBJECT --sub N --reply`)"
                }
                RequestErrorKind::TimedOut => " (no reply within --timeout)",
                _ => "",
            };
            return Err(anyhow!(error)).context(format!(
                "request {} of {} failed{hint}",
                fmt_count(sent + 1),
                fmt_count(count)
            ));
        }
        round_trips_ns.push(u64::try_from(before.elapsed().as_nanos()).unwrap_or(u64::MAX));
        tally.add_one();
    }
    let end = Instant::now();
    tally.flush();
    let sample = Sample {
        msgs: count,
        bytes: count * payload.len() as u64,
        start,
        end,
    };
    Ok((sample, round_trips_ns))
}

/// Answers requests (echoing their payload) until `stop` turns true, or, when `idle` is set,
/// until no request arrived for that long after the first one. The sample counts the requests
/// answered, from the first to the last.
pub async fn reply(
    client: Client,
    mut subscriber: Subscriber,
    mut stop: watch::Receiver<bool>,
    idle: Option<Duration>,
    answered_total: Arc<AtomicU64>,
    mut tally: Tally,
) -> anyhow::Result<Sample> {
    let mut answered = 0u64;
    let mut bytes = 0u64;
    let mut start = Instant::now();
    let mut end = start;
    loop {
        let wait = async {
            match idle.filter(|_| answered > 0) {
                Some(limit) => tokio::time::timeout(limit, subscriber.next()).await.ok(),
                None => Some(subscriber.next().await),
            }
        };
        let message = tokio::select! {
            biased;
            next = wait => match next {
                Some(Some(message)) => message,
                _ => break,
            },
            _ = stop.wait_for(|stopped| *stopped) => break,
        };
        let Some(reply_to) = message.reply else {
            continue;
        };
        client.publish(reply_to, message.payload.clone()).await?;
        end = Instant::now();
        if answered == 0 {
            start = end;
        }
        answered += 1;
        bytes += message.payload.len() as u64;
        answered_total.fetch_add(1, Ordering::Relaxed);
        tally.add_one();
    }
    client.flush().await.context("flushing replies")?;
    Ok(Sample {
        msgs: answered,
        bytes,
        start,
        end,
    })
}
