//! Orchestration of one `rill bench` run: connect every client, register the subscriptions,
//! start the receivers, then the senders, wait for both sides and gather a [`Report`].
//!
//! The whole run races [`Health::failed`]: a dropped connection or a server error ends it with
//! that reason instead of a hang or a misleading rate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use async_nats::{Client, Subject, Subscriber};
use bytes::Bytes;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::progress::{Progress, ProgressBar};
use super::report::Report;
use super::stats::{LatencySummary, Sample, SampleGroup};
use super::units::fmt_size;
use super::workers::{self, Health, Patience, REPLY_QUEUE_GROUP};
use super::{BenchArgs, Plan};
use crate::cli::connect::Resolved;

/// How often a reply-only run checks whether all expected requests were answered.
const REPLY_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Runs the benchmark and returns what it measured.
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

pub(super) type Task<T> = JoinHandle<anyhow::Result<T>>;

/// A receiving client whose subscription is already registered on the server.
type Receiver = (Client, Subscriber);

/// What the clients of both sides measured.
struct Measured {
    publishers: Vec<Sample>,
    subscribers: Vec<Sample>,
    round_trips_ns: Vec<u64>,
}

async fn execute_healthy(
    args: &BenchArgs,
    target: &Resolved,
    plan: Plan,
    health: &Arc<Health>,
) -> anyhow::Result<Report> {
    let subject = Subject::from(args.subject.as_str());
    // Receivers first: their SUBs must be on the server before anything is published.
    let receivers = connect_receivers(args, target, plan, &subject, health).await?;
    let mut senders = Vec::with_capacity(plan.pubs);
    for i in 0..plan.pubs {
        let role = if plan.request_reply { "req" } else { "pub" };
        senders.push(workers::connect(target, role, i, args.timeout, health).await?);
    }
    let any_client = senders.first().or(receivers.first().map(|(c, _)| c));
    let server_info = check_payload(any_client, args.size)?;

    let sent_total = if plan.pubs > 0 { args.msgs } else { 0 };
    let received_total = match (plan.request_reply, plan.subs) {
        (_, 0) => 0,
        (true, _) => args.msgs,
        (false, subs) => args.msgs * subs as u64,
    };
    let progress = Progress::new(sent_total, received_total);
    let bar = ProgressBar::start(progress.clone(), args.no_progress);
    let measured = drive(args, plan, &subject, health, &progress, receivers, senders).await;
    if let Some(bar) = bar {
        bar.finish().await;
    }
    let mut measured = measured?;
    Ok(Report {
        mode: plan.mode(),
        subject: args.subject.clone(),
        server_url: target.servers.join(","),
        server_info,
        msgs: args.msgs,
        size: args.size,
        publishers: SampleGroup::new(measured.publishers),
        subscribers: SampleGroup::new(measured.subscribers),
        latency: LatencySummary::from_nanos(&mut measured.round_trips_ns),
        slow_consumer_events: health.slow_consumer_events(),
    })
}

/// Connects the subscribers (or repliers) and waits until the server has their subscriptions.
async fn connect_receivers(
    args: &BenchArgs,
    target: &Resolved,
    plan: Plan,
    subject: &Subject,
    health: &Arc<Health>,
) -> anyhow::Result<Vec<Receiver>> {
    let role = if plan.request_reply { "reply" } else { "sub" };
    let mut receivers = Vec::with_capacity(plan.subs);
    for i in 0..plan.subs {
        let client = workers::connect(target, role, i, args.timeout, health).await?;
        let subscriber = if plan.request_reply {
            let group = REPLY_QUEUE_GROUP.to_owned();
            client.queue_subscribe(subject.clone(), group).await
        } else {
            client.subscribe(subject.clone()).await
        }
        .with_context(|| format!("subscribing to {}", args.subject))?;
        // The PONG to this flush's PING proves the server processed the SUB before it.
        client.flush().await.context("registering subscriptions")?;
        receivers.push((client, subscriber));
    }
    Ok(receivers)
}

/// Starts the receivers, then the senders, and waits for both sides to finish.
async fn drive(
    args: &BenchArgs,
    plan: Plan,
    subject: &Subject,
    health: &Arc<Health>,
    progress: &Arc<Progress>,
    receivers: Vec<Receiver>,
    senders: Vec<Client>,
) -> anyhow::Result<Measured> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let answered = Arc::new(AtomicU64::new(0));
    let receiver_tasks =
        spawn_receivers(args, plan, health, progress, receivers, &stop_rx, &answered);

    // A recognisable pattern rather than zeroes, so a framing bug shows in a packet capture.
    let payload: Bytes = (0..args.size).map(|i| b'a' + (i % 26) as u8).collect();
    let sender_tasks: Vec<Task<(Sample, Vec<u64>)>> = senders
        .into_iter()
        .zip(split(args.msgs, plan.pubs))
        .map(|(client, count)| {
            let (subject, payload) = (subject.clone(), payload.clone());
            let tally = progress.sent_tally();
            if plan.request_reply {
                tokio::spawn(workers::request(client, subject, payload, count, tally))
            } else {
                tokio::spawn(async move {
                    let sample = workers::publish(client, subject, payload, count, tally).await?;
                    Ok((sample, Vec::new()))
                })
            }
        })
        .collect();

    let mut measured = Measured {
        publishers: Vec::with_capacity(sender_tasks.len()),
        subscribers: Vec::new(),
        round_trips_ns: Vec::new(),
    };
    for (sample, mut trips) in join_all(sender_tasks).await? {
        measured.publishers.push(sample);
        measured.round_trips_ns.append(&mut trips);
    }
    let reply_monitor = if plan.request_reply && plan.pubs > 0 {
        // Every request has had its reply, so the repliers have nothing left to do.
        let _ = stop_tx.send(true);
        None
    } else if plan.request_reply {
        Some(tokio::spawn(stop_when_answered(
            answered, args.msgs, stop_tx,
        )))
    } else {
        None
    };
    measured.subscribers = join_all(receiver_tasks).await?;
    if let Some(monitor) = reply_monitor {
        monitor.abort();
    }
    Ok(measured)
}

/// Spawns one counting (or replying) task per receiver.
fn spawn_receivers(
    args: &BenchArgs,
    plan: Plan,
    health: &Arc<Health>,
    progress: &Arc<Progress>,
    receivers: Vec<Receiver>,
    stop: &watch::Receiver<bool>,
    answered: &Arc<AtomicU64>,
) -> Vec<Task<Sample>> {
    let patience = Patience {
        first: (plan.pubs > 0).then_some(args.timeout),
        idle: args.timeout,
    };
    // Replying alone, a silence after the first request means the requesters are done.
    let reply_idle = (plan.pubs == 0).then_some(args.timeout);
    let mut tasks = Vec::with_capacity(receivers.len());
    for (i, (client, subscriber)) in receivers.into_iter().enumerate() {
        let tally = progress.received_tally();
        let task = if plan.request_reply {
            let (stop, answered) = (stop.clone(), answered.clone());
            tokio::spawn(workers::reply(
                client, subscriber, stop, reply_idle, answered, tally,
            ))
        } else {
            let (health, expected) = (health.clone(), args.msgs);
            tokio::spawn(async move {
                let sample =
                    workers::count_messages(i, subscriber, expected, patience, health, tally).await;
                // Keep the connection open until counting ends: dropping it unsubscribes.
                drop(client);
                sample
            })
        };
        tasks.push(task);
    }
    tasks
}

/// Checks the payload against the server's `max_payload`; returns the server's name and version.
pub(super) fn check_payload(
    client: Option<&Client>,
    size: usize,
) -> anyhow::Result<(String, String)> {
    let Some(client) = client else {
        bail!("nothing to run: no publishers and no subscribers");
    };
    let info = client.server_info();
    if info.max_payload > 0 && size > info.max_payload {
        bail!(
            "--size {} exceeds the server's max_payload of {}",
            fmt_size(size),
            fmt_size(info.max_payload)
        );
    }
    Ok((info.server_name, info.version))
}

/// Splits `total` messages between `clients` as evenly as possible, the first ones taking the
/// remainder.
pub(super) fn split(total: u64, clients: usize) -> Vec<u64> {
    let Ok(n) = u64::try_from(clients) else {
        return Vec::new();
    };
    if n == 0 {
        return Vec::new();
    }
    (0..n)
        .map(|i| total / n + u64::from(i < total % n))
        .collect()
}

/// Waits for every task, returning the first error (a panicked task counts as one).
pub(super) async fn join_all<T>(tasks: Vec<Task<T>>) -> anyhow::Result<Vec<T>> {
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await.context("benchmark client task failed")??);
    }
    Ok(results)
}

/// Replying alone: stops the repliers once `target` requests were answered, or on Ctrl-C.
async fn stop_when_answered(answered: Arc<AtomicU64>, target: u64, stop: watch::Sender<bool>) {
    let mut ticks = tokio::time::interval(REPLY_POLL_INTERVAL);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                if answered.load(Ordering::Relaxed) >= target {
                    break;
                }
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let _ = stop.send(true);
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn messages_split_evenly_with_the_remainder_first() {
        assert_eq!(split(10, 3), vec![4, 3, 3]);
        assert_eq!(split(2, 4), vec![1, 1, 0, 0]);
        assert_eq!(split(9, 1), vec![9]);
        assert!(split(9, 0).is_empty());
    }
}
