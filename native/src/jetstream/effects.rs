//! Carrying out what consumers ask for: deliveries, status messages, retention, persistence,
//! and the timers and interest checks that drive them.

use bytes::Bytes;
use rill_core::jetstream::api::{ConsumerConfig, RetentionPolicy};
use rill_core::jetstream::consumer::{encode_status, ConsumerState, Effect};
use rill_core::jetstream::meta::MetaStore;
use rill_core::jetstream::store::{MsgStore, UnixNanos};
use rill_core::proto::Publish;
use tracing::{error, info};

use super::consumers_api::{config_key, state_key};
use super::priority_api::PinChange;
use super::service::Service;

impl Service {
    /// Carries out `effects` of consumer `name` on `stream`.
    pub(super) fn apply_effects(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        effects: Vec<Effect>,
    ) {
        for effect in effects {
            match effect {
                Effect::Deliver {
                    to, msg, ack_reply, ..
                } => {
                    // Already reduced to headers by the core for `headers_only` consumers.
                    let out = Publish {
                        subject: msg.subject,
                        reply: Some(Bytes::from(ack_reply)),
                        headers: msg.headers,
                        payload: msg.payload,
                    };
                    self.publisher.deliver_to(&to, &out);
                }
                Effect::Status {
                    to,
                    code,
                    description,
                    headers,
                    reply,
                } => {
                    let block = encode_status(code, &description, &headers);
                    let out = Publish {
                        subject: to,
                        reply: reply.map(Bytes::from),
                        headers: Some(Bytes::from(block)),
                        payload: Bytes::new(),
                    };
                    self.publisher.publish(&out);
                }
                Effect::AckDone { to } => {
                    // Held until the consumer state it confirms is flushed.
                    self.pending_replies_msg(Publish {
                        subject: to,
                        reply: None,
                        headers: None,
                        payload: Bytes::new(),
                    });
                }
                Effect::Acked { stream_seq } => self.retire(now, stream, stream_seq),
                Effect::StateChanged => {
                    if let Some(c) = self
                        .streams
                        .get_mut(stream)
                        .and_then(|e| e.consumers.get_mut(name))
                    {
                        c.dirty = true;
                    }
                }
                Effect::MaxDeliveriesReached {
                    stream_seq,
                    deliveries,
                } => {
                    self.advisory("MAX_DELIVERIES", stream, name, stream_seq, deliveries);
                }
                Effect::Terminated {
                    stream_seq,
                    deliveries,
                    ..
                } => {
                    self.advisory("MSG_TERMINATED", stream, name, stream_seq, deliveries);
                }
                Effect::AckSampled {
                    stream_seq,
                    consumer_seq,
                    deliveries,
                    ack_time,
                } => {
                    let ack = super::metrics::SampledAck {
                        stream_seq,
                        consumer_seq,
                        deliveries,
                        ack_time,
                    };
                    self.ack_metric(now, stream, name, ack);
                }
                Effect::Pinned { group, pin_id } => {
                    let change = PinChange::Pinned(&pin_id);
                    self.group_advisory(now, stream, name, &group, change);
                }
                Effect::Unpinned { group, reason } => {
                    let change = PinChange::Unpinned(reason);
                    self.group_advisory(now, stream, name, &group, change);
                }
                Effect::Inactive => {
                    let ephemeral = self
                        .streams
                        .get(stream)
                        .and_then(|e| e.consumers.get(name))
                        .is_some_and(|c| {
                            !c.consumer.config().is_durable()
                                || c.consumer.config().inactive_threshold > 0
                        });
                    if ephemeral {
                        info!(stream, consumer = name, "removing inactive consumer");
                        let _ = self.consumer_delete(stream, name);
                    }
                }
            }
        }
    }

    /// A consumer is done with `seq`: under work-queue retention the message goes; under
    /// interest retention it goes once every interested consumer is done with it.
    pub(super) fn retire(&mut self, _now: UnixNanos, stream: &str, seq: u64) {
        let Some(entry) = self.streams.get_mut(stream) else {
            return;
        };
        let remove = match entry.stream.config().retention {
            RetentionPolicy::Limits => false,
            RetentionPolicy::WorkQueue => true,
            RetentionPolicy::Interest => {
                let Ok(Some(msg)) = entry.stream.store().get(seq) else {
                    return;
                };
                entry
                    .consumers
                    .values()
                    .all(|c| !c.consumer.needs(seq, &msg.subject))
            }
        };
        if remove {
            match entry.stream.remove_acked(seq) {
                Ok(true) => {
                    entry.dirty = true;
                    // Consumers forget it, then get a chance to resume delivery.
                    entry.appended = true;
                    for c in entry.consumers.values_mut() {
                        c.dirty |= c.consumer.message_removed(seq);
                    }
                }
                Ok(false) => {}
                Err(e) => error!(stream, seq, "cannot remove acknowledged message: {e:?}"),
            }
        }
    }

    fn advisory(&mut self, kind: &str, stream: &str, consumer: &str, seq: u64, deliveries: u64) {
        let subject = format!("$JS.EVENT.ADVISORY.CONSUMER.{kind}.{stream}.{consumer}");
        let body = serde_json::json!({
            "type": format!("io.nats.jetstream.advisory.v1.{}", kind.to_ascii_lowercase()),
            "stream": stream,
            "consumer": consumer,
            "stream_seq": seq,
            "deliveries": deliveries,
        });
        let out = Publish {
            subject: Bytes::from(subject),
            reply: None,
            headers: None,
            payload: Bytes::from(body.to_string()),
        };
        self.publisher.publish(&out);
    }

    /// Lets consumers of streams that stored messages in this batch deliver them.
    pub(super) fn wake_consumers(&mut self, now: UnixNanos, streams: &[String]) {
        for stream in streams {
            let Some(entry) = self.streams.get_mut(stream) else {
                continue;
            };
            let mut all = Vec::new();
            for (name, c) in entry.consumers.iter_mut() {
                all.push((
                    name.clone(),
                    c.consumer.stream_appended(now, entry.stream.store()),
                ));
            }
            for (name, effects) in all {
                self.apply_effects(now, stream, &name, effects);
            }
        }
    }

    /// Runs consumer timers that are due.
    pub(super) fn consumer_timers(&mut self, now: UnixNanos) {
        let names: Vec<String> = self
            .streams
            .iter()
            .filter(|(_, e)| e.replica.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            self.stream_consumer_timers(&name, now);
        }
    }

    /// Runs the due timers of `stream`'s consumers.
    pub(super) fn stream_consumer_timers(&mut self, stream: &str, now: UnixNanos) {
        let mut due = Vec::new();
        if let Some(entry) = self.streams.get_mut(stream) {
            for (cname, c) in entry.consumers.iter_mut() {
                if c.consumer.poll_timeout().is_some_and(|t| t <= now) {
                    due.push((
                        stream.to_string(),
                        cname.clone(),
                        c.consumer.handle_timeout(now, entry.stream.store()),
                    ));
                }
            }
        }
        for (s, c, effects) in due {
            self.apply_effects(now, &s, &c, effects);
        }
    }

    /// Earliest consumer deadline.
    pub(super) fn next_consumer_timeout(&self) -> Option<UnixNanos> {
        self.streams
            .values()
            .filter(|e| e.replica.is_none())
            .flat_map(|e| e.consumers.values())
            .filter_map(|c| c.consumer.poll_timeout())
            .min()
    }

    /// Tells push consumers whether their deliver subject has subscribers now.
    pub(super) fn refresh_push_interest(&mut self, now: UnixNanos) {
        let mut changes = Vec::new();
        // Replicated streams learn interest from their log (the leader proposes changes).
        let local = self.streams.iter_mut().filter(|(_, e)| e.replica.is_none());
        for (sname, entry) in local {
            for (cname, c) in entry.consumers.iter_mut() {
                let subject = &c.consumer.config().deliver_subject;
                if subject.is_empty() {
                    continue;
                }
                let active = self.publisher.has_interest(&Bytes::from(subject.clone()));
                let effects = c
                    .consumer
                    .set_push_active(now, active, entry.stream.store());
                if !effects.is_empty() {
                    changes.push((sname.clone(), cname.clone(), effects));
                }
            }
        }
        for (s, c, effects) in changes {
            self.apply_effects(now, &s, &c, effects);
        }
    }

    /// Writes the state of every consumer that changed to the metadata store; with `durable`,
    /// also flushes the store (an fsync) so that replies confirming it (acks that asked for a
    /// reply, API responses) only leave once it survives a crash. Without, sled flushes it in
    /// the background within its flush interval: a crash before then redelivers messages
    /// whose acks asked for no confirmation, which at-least-once delivery allows.
    pub(super) fn persist_dirty_consumers(&mut self, durable: bool) {
        let dirty: Vec<(String, String)> = self
            .streams
            .iter()
            .flat_map(|(s, e)| {
                e.consumers
                    .iter()
                    .filter(|(_, c)| c.dirty)
                    .map(move |(n, _)| (s.clone(), n.clone()))
            })
            .collect();
        for (s, n) in &dirty {
            self.persist_consumer(s, n);
        }
        self.meta_unflushed |= !durable && !dirty.is_empty();
        if durable && (self.meta_unflushed || !dirty.is_empty()) {
            self.meta_unflushed = false;
            if let Err(e) = self.meta.flush() {
                error!("cannot flush consumer state: {e}");
            }
        }
    }

    /// Restores the consumers of every loaded stream from the metadata store.
    pub(super) fn load_consumers(&mut self, now: UnixNanos) -> anyhow::Result<()> {
        for (key, value) in self.meta.scan_prefix(b"cc/$G/")? {
            let key = String::from_utf8_lossy(&key).into_owned();
            let mut parts = key.splitn(4, '/').skip(2);
            let (Some(stream), Some(name)) = (parts.next(), parts.next()) else {
                continue;
            };
            let record: serde_json::Value = serde_json::from_slice(&value)?;
            let config: ConsumerConfig = serde_json::from_value(record["config"].clone())?;
            let created = record["created"].as_i64().unwrap_or(now);
            let state: Option<ConsumerState> = self
                .meta
                .get(state_key(stream, name).as_bytes())?
                .and_then(|b| serde_json::from_slice(&b).ok());
            if let Err(e) = self.add_consumer(now, stream, name, config, created, state) {
                error!(stream, consumer = name, key = %config_key(stream, name), "cannot restore consumer: {e:#}");
            }
        }
        Ok(())
    }
}
