//! `rill bench --js`: JetStream publish and consume, modelled on `nats bench js pub async` and
//! `nats bench js consume`.
//!
//! - `--pub N`: the stream `--stream` (subject SUBJECT, `--storage`, one replica) is created
//!   afresh with `--replicas` replicas (or used as it is with `--keep-stream`); publishers split `--msgs` and publish asynchronously, keeping at most `--window`
//!   acknowledgements outstanding each. A publisher's sample ends at its last ack, so the rate
//!   counts only messages the server confirmed stored.
//! - `--sub M`: a fresh durable pull consumer (ack explicit) on the stream is shared by M
//!   clients, each fetching up to `--batch` messages per pull request and acking every message;
//!   together they take `--msgs` messages (the stream must hold them: run `--pub` first, or give
//!   both). The consume side ends with a flush, so the acks are on the server.
//! - `--pub N --sub M`: publish first, then consume, each side reported separately.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use async_nats::jetstream::{self, consumer, stream};
use async_nats::{Client, Subject};
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::watch;

use super::progress::{Progress, ProgressBar, Tally};
use super::report::Report;
use super::runner::{check_payload, join_all, split, Task};
use super::stats::{Sample, SampleGroup};
use super::workers::{self, Health};
use super::{BenchArgs, Plan};
use crate::cli::connect::Resolved;

/// Name of the durable consumer the consume side creates (deleted first if it exists).
pub const CONSUMER_NAME: &str = "rill-bench";

/// Runs a JetStream benchmark and returns what it measured.
pub(crate) async fn execute(
    args: &BenchArgs,
    target: &Resolved,
    plan: Plan,
) -> anyhow::Result<Report> {
    let health = Health::new();
    tokio::select! {
        result = execute_healthy(args, target, plan, &health) => result,
        reason = health.failed() => bail!("benchmark aborted: {reason}"),
    }
}

async fn execute_healthy(
    args: &BenchArgs,
    target: &Resolved,
    plan: Plan,
    health: &Arc<Health>,
) -> anyhow::Result<Report> {
    let admin = workers::connect(target, "admin", 0, args.timeout, health).await?;
    let server_info = check_payload(Some(&admin), args.size)?;
    let mut js = jetstream::new(admin.clone());
    js.set_timeout(args.timeout);
    if plan.pubs > 0 {
        recreate_stream(&js, args).await?;
    } else {
        check_stream_holds(&js, args).await?;
    }
    let sent_total = if plan.pubs > 0 { args.msgs } else { 0 };
    let received_total = if plan.subs > 0 { args.msgs } else { 0 };
    let progress = Progress::new(sent_total, received_total);
    let bar = ProgressBar::start(progress.clone(), args.no_progress);
    let measured = async {
        let publishers = if plan.pubs > 0 {
            publish_side(args, target, plan.pubs, health, &progress).await?
        } else {
            Vec::new()
        };
        let consumers = if plan.subs > 0 {
            consume_side(args, target, &js, plan.subs, health, &progress).await?
        } else {
            Vec::new()
        };
        anyhow::Ok((publishers, consumers))
    }
    .await;
    if let Some(bar) = bar {
        bar.finish().await;
    }
    let (publishers, consumers) = measured?;
    Ok(Report {
        mode: plan.mode(),
        subject: args.subject.clone(),
        server_url: target.servers.join(","),
        server_info,
        msgs: args.msgs,
        size: args.size,
        publishers: SampleGroup::new(publishers),
        subscribers: SampleGroup::new(consumers),
        latency: None,
        slow_consumer_events: health.slow_consumer_events(),
    })
}

/// Deletes the benchmark stream if it exists and creates it with the run's settings; with
/// `--keep-stream`, an existing stream is used as it is.
async fn recreate_stream(js: &jetstream::Context, args: &BenchArgs) -> anyhow::Result<()> {
    let exists = js.get_stream(&args.stream).await.is_ok();
    if exists && args.keep_stream {
        return Ok(());
    }
    if exists {
        js.delete_stream(&args.stream)
            .await
            .with_context(|| format!("deleting the old stream {:?}", args.stream))?;
    }
    let cfg = stream::Config {
        name: args.stream.clone(),
        subjects: vec![args.subject.clone()],
        storage: args.storage.into(),
        num_replicas: args.replicas.max(1),
        ..Default::default()
    };
    js.create_stream(cfg)
        .await
        .with_context(|| format!("creating the stream {:?}", args.stream))?;
    Ok(())
}

/// A consume-only run needs a stream that already holds `--msgs` messages.
async fn check_stream_holds(js: &jetstream::Context, args: &BenchArgs) -> anyhow::Result<()> {
    let mut s = js.get_stream(&args.stream).await.with_context(|| {
        format!(
            "stream {:?} not found: publish first (rill bench {} --js --pub 1)",
            args.stream, args.subject
        )
    })?;
    let held = s.info().await.context("stream info")?.state.messages;
    if held < args.msgs {
        bail!(
            "stream {:?} holds {held} messages, fewer than --msgs {}: publish first or lower --msgs",
            args.stream,
            args.msgs
        );
    }
    Ok(())
}

async fn publish_side(
    args: &BenchArgs,
    target: &Resolved,
    pubs: usize,
    health: &Arc<Health>,
    progress: &Arc<Progress>,
) -> anyhow::Result<Vec<Sample>> {
    // A recognisable pattern rather than zeroes, as in the core modes.
    let payload: Bytes = (0..args.size).map(|i| b'a' + (i % 26) as u8).collect();
    let subject = Subject::from(args.subject.as_str());
    let mut tasks: Vec<Task<Sample>> = Vec::with_capacity(pubs);
    for (i, count) in split(args.msgs, pubs).into_iter().enumerate() {
        let client = workers::connect(target, "jspub", i, args.timeout, health).await?;
        let mut ctx = jetstream::new(client);
        ctx.set_timeout(args.timeout);
        let tally = progress.sent_tally();
        let (subject, payload, window) = (subject.clone(), payload.clone(), args.window.max(1));
        tasks.push(tokio::spawn(publish_async(
            ctx, subject, payload, count, window, tally,
        )));
    }
    join_all(tasks).await
}

/// Publishes `count` messages keeping at most `window` acknowledgements outstanding; the
/// sample runs from the first publish to the last ack.
async fn publish_async(
    ctx: jetstream::Context,
    subject: Subject,
    payload: Bytes,
    count: u64,
    window: usize,
    mut tally: Tally,
) -> anyhow::Result<Sample> {
    let mut outstanding = std::collections::VecDeque::with_capacity(window);
    let start = Instant::now();
    for sent in 0..count {
        if outstanding.len() >= window {
            if let Some(ack) = outstanding.pop_front() {
                confirm(ack, sent).await?;
                tally.add_one();
            }
        }
        let ack = ctx
            .publish(subject.clone(), payload.clone())
            .await
            .with_context(|| format!("publish {}", sent + 1))?;
        outstanding.push_back(ack);
    }
    while let Some(ack) = outstanding.pop_front() {
        confirm(ack, count).await?;
        tally.add_one();
    }
    let end = Instant::now();
    tally.flush();
    Ok(Sample {
        msgs: count,
        bytes: count * payload.len() as u64,
        start,
        end,
    })
}

async fn confirm(ack: jetstream::context::PublishAckFuture, sent: u64) -> anyhow::Result<()> {
    ack.await.with_context(|| {
        format!(
            "no acknowledgement for a publish before number {}",
            sent + 1
        )
    })?;
    Ok(())
}

async fn consume_side(
    args: &BenchArgs,
    target: &Resolved,
    js: &jetstream::Context,
    subs: usize,
    health: &Arc<Health>,
    progress: &Arc<Progress>,
) -> anyhow::Result<Vec<Sample>> {
    let s = js.get_stream(&args.stream).await.context("stream")?;
    // A fresh consumer: every run starts from the first message.
    let _ = s.delete_consumer(CONSUMER_NAME).await;
    let cfg = consumer::pull::Config {
        durable_name: Some(CONSUMER_NAME.to_string()),
        ack_policy: consumer::AckPolicy::Explicit,
        max_ack_pending: (args.batch * subs * 4).max(1000) as i64,
        ..Default::default()
    };
    s.create_consumer(cfg)
        .await
        .context("creating the consumer")?;
    let taken = Arc::new(AtomicU64::new(0));
    let (done_tx, done) = watch::channel(false);
    let done_tx = Arc::new(done_tx);
    let mut tasks: Vec<Task<Sample>> = Vec::with_capacity(subs);
    for i in 0..subs {
        let client = workers::connect(target, "jssub", i, args.timeout, health).await?;
        let mut ctx = jetstream::new(client.clone());
        ctx.set_timeout(args.timeout);
        let tally = progress.received_tally();
        let run = Consume {
            client,
            ctx,
            stream: args.stream.clone(),
            batch: args.batch.max(1),
            total: args.msgs,
            taken: taken.clone(),
            idle: args.timeout,
            done: done.clone(),
            done_tx: done_tx.clone(),
        };
        tasks.push(tokio::spawn(run.run(tally)));
    }
    join_all(tasks).await
}

/// One consuming client of the shared durable consumer.
struct Consume {
    client: Client,
    ctx: jetstream::Context,
    stream: String,
    batch: usize,
    /// Messages the whole consume side takes.
    total: u64,
    /// Messages taken so far by all clients.
    taken: Arc<AtomicU64>,
    idle: std::time::Duration,
    /// Turns true once all `total` messages are taken, so idle clients stop at once.
    done: watch::Receiver<bool>,
    done_tx: Arc<watch::Sender<bool>>,
}

impl Consume {
    async fn run(mut self, mut tally: Tally) -> anyhow::Result<Sample> {
        let c: consumer::PullConsumer = self
            .ctx
            .get_consumer_from_stream(CONSUMER_NAME, &self.stream)
            .await
            .context("binding to the consumer")?;
        let mut messages = c
            .stream()
            .max_messages_per_batch(self.batch)
            .messages()
            .await
            .context("pulling")?;
        let (mut got, mut bytes) = (0u64, 0u64);
        let mut start = Instant::now();
        let mut end = start;
        while self.taken.load(Ordering::Acquire) < self.total {
            let next = tokio::select! {
                next = tokio::time::timeout(self.idle, messages.next()) => next,
                _ = self.done.wait_for(|d| *d) => break,
            };
            let message = match next {
                Ok(Some(Ok(m))) => m,
                Ok(Some(Err(e))) => bail!("consuming: {e}"),
                Ok(None) => bail!("the consumer's message stream ended"),
                // Another client may have taken the last ones meanwhile.
                Err(_) if self.taken.load(Ordering::Acquire) >= self.total => break,
                Err(_) => bail!(
                    "no message for {:?} with {} of {} consumed",
                    self.idle,
                    self.taken.load(Ordering::Acquire),
                    self.total
                ),
            };
            let before = self.taken.fetch_add(1, Ordering::AcqRel);
            if before >= self.total {
                break;
            }
            if before + 1 == self.total {
                self.done_tx.send_replace(true);
            }
            message
                .ack()
                .await
                .map_err(|e| anyhow::anyhow!("ack: {e}"))?;
            end = Instant::now();
            if got == 0 {
                start = end;
            }
            got += 1;
            bytes += message.payload.len() as u64;
            tally.add_one();
        }
        self.client.flush().await.context("flushing acks")?;
        if got > 0 {
            end = Instant::now();
        }
        tally.flush();
        Ok(Sample {
            msgs: got,
            bytes,
            start,
            end,
        })
    }
}
