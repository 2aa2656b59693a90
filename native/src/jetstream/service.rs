//! The JetStream service: one task that owns every stream, fed by internal subscriptions.
//!
//! Messages published to stream subjects and requests to `$JS.API.>` reach the service
//! through [`InternalSink`]s that queue them (never blocking a client's reader). The task
//! takes what is queued as one batch, applies it to the core state machines, makes the batch
//! durable with one `sync` per touched store (group commit), and only then sends the
//! acknowledgements and API replies.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rill_core::jetstream::api::{response_json, ApiError, ErrorId, PubAck, StreamConfig};
use rill_core::jetstream::consumer::Consumer;
use rill_core::jetstream::meta::MetaStore;
use rill_core::jetstream::store::{MsgStore, UnixNanos};
use rill_core::jetstream::stream::Stream;
use rill_core::proto::Publish;
use tokio::sync::mpsc;
use tracing::{error, info, warn};

use super::meta_sled::SledMeta;
use super::storage::AnyStore;
use crate::server::client::{InternalSink, Subscription};
use crate::server::internal::InternalPublisher;
use crate::server::state::Shared;

/// Most inputs queued for the service; past it publishes are refused (no ack is sent and
/// the publisher's request times out) rather than buffering without bound.
pub const INPUT_QUEUE_MAX: usize = 65_536;
/// The JetStream API's subject prefix.
const API_PREFIX: &str = "$JS.API.";
/// Most inputs handled in one batch (one group commit).
pub const BATCH_MAX: usize = 1024;
/// How often the service looks whether subscriptions changed (a cheap generation check);
/// push consumers re-check their deliver subject's interest only when they did. Clients
/// often subscribe to a push consumer's subject right after creating it.
const INTEREST_CHECK_INTERVAL: Duration = Duration::from_millis(5);

/// What reaches the service.
#[derive(Debug)]
pub enum Input {
    /// A request on `$JS.API.>`.
    Api(Publish),
    /// A publish captured by the subjects of the named stream.
    Msg(Arc<str>, Publish),
    /// An ack on `$JS.ACK.>`.
    Ack(Publish),
    /// A flow control reply on `$JS.FC.>`.
    FlowControl(Publish),
    /// The monitoring server asks for `/jsz`.
    Jsz(super::jsz::JszRequest),
    /// From a replicated stream's Raft group.
    Replica(super::replica::ReplicaInput),
    /// From the cluster layer: open, checkpoint, move or close a replicated stream.
    ReplicaAdmin(super::replica_admin::ReplicaAdmin),
    /// The server runs in a cluster: API requests that are not about this server's streams
    /// go to the cluster controller.
    ClusterLink(super::cluster::controller::ControlLink),
}

/// Which kind of input a sink queues.
#[derive(Debug, Clone)]
enum SinkKind {
    Api,
    /// `$JS.<domain>.API.>`: the API under the domain's prefix (the prefix given), answered
    /// as `$JS.API.>`.
    DomainApi(Arc<str>),
    Msg(Arc<str>),
    Ack,
    FlowControl,
}

/// Which streams serve direct gets and which consumers exist, readable by the API sink so
/// that requests nobody serves get a no-responders status, as with nats-server (which
/// subscribes per stream and per consumer).
#[derive(Debug, Default)]
pub struct Directory {
    /// Streams with `allow_direct`.
    direct: HashSet<String>,
    /// `stream/consumer` names.
    consumers: HashSet<String>,
}

impl Directory {
    /// Whether a `$JS.API` request on `subject` has someone to answer it.
    fn serves(&self, subject: &[u8]) -> bool {
        let Ok(subject) = std::str::from_utf8(subject) else {
            return true;
        };
        if let Some(rest) = subject.strip_prefix("$JS.API.DIRECT.GET.") {
            let stream = rest.split('.').next().unwrap_or_default();
            return self.direct.contains(stream);
        }
        if let Some(rest) = subject.strip_prefix("$JS.API.CONSUMER.MSG.NEXT.") {
            let mut t = rest.splitn(2, '.');
            let key = format!(
                "{}/{}",
                t.next().unwrap_or_default(),
                t.next().unwrap_or_default()
            );
            return self.consumers.contains(&key);
        }
        true
    }
}

/// Queues one kind of input for the service.
#[derive(Debug)]
struct Sink {
    tx: mpsc::Sender<Input>,
    kind: SinkKind,
    refused: AtomicU64,
    directory: Arc<std::sync::RwLock<Directory>>,
}

impl InternalSink for Sink {
    fn deliver(&self, msg: &Publish) -> bool {
        let renamed;
        let msg = match &self.kind {
            SinkKind::DomainApi(prefix) => {
                let Some(rest) = msg.subject.strip_prefix(prefix.as_bytes()) else {
                    return false;
                };
                let mut subject = Vec::with_capacity(API_PREFIX.len() + rest.len());
                subject.extend_from_slice(API_PREFIX.as_bytes());
                subject.extend_from_slice(rest);
                renamed = Publish {
                    subject: Bytes::from(subject),
                    ..msg.clone()
                };
                &renamed
            }
            _ => msg,
        };
        if matches!(self.kind, SinkKind::Api | SinkKind::DomainApi(_)) {
            let served = self
                .directory
                .read()
                .map_or(true, |d| d.serves(&msg.subject));
            if !served {
                return false;
            }
        }
        let m = msg.clone();
        let input = match &self.kind {
            SinkKind::Api | SinkKind::DomainApi(_) => Input::Api(m),
            SinkKind::Msg(stream) => Input::Msg(stream.clone(), m),
            SinkKind::Ack => Input::Ack(m),
            SinkKind::FlowControl => Input::FlowControl(m),
        };
        let ok = self.tx.try_send(input).is_ok();
        if !ok {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }
}

/// Settings of the service, resolved from the options.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// `<store_dir>/jetstream`.
    pub dir: PathBuf,
    /// Fsync before acknowledging (our default). False: the OS has it, fsync on a timer.
    pub sync_always: bool,
    /// The timer when `sync_always` is false.
    pub sync_interval: Duration,
    /// JetStream domain.
    pub domain: String,
    /// Name shown as stream leader.
    pub server_name: String,
    /// `max_memory_store`: most bytes memory streams may reserve and hold (None: no limit).
    pub max_memory: Option<u64>,
    /// `max_file_store`: most bytes file streams may reserve and hold (None: no limit).
    pub max_store: Option<u64>,
    /// `jetstream.limits`: server-wide consumer limits.
    pub limits: rill_core::jetstream::api::ServerLimits,
    /// Part of a JetStream cluster: API requests wait for the cluster controller.
    pub clustered: bool,
    /// Test seam: every stream created runs through the replicated path with a one-member
    /// group that commits at once ([`super::replica::LoopbackGroup`]).
    pub loopback_replication: bool,
}

/// One consumer and whether its state needs persisting.
#[derive(Debug)]
pub(super) struct ConsumerEntry {
    pub(super) consumer: Consumer,
    pub(super) dirty: bool,
}

/// One stream, its consumers and its capture subscriptions.
#[derive(Debug)]
pub(super) struct StreamEntry {
    pub(super) stream: Stream<AnyStore>,
    pub(super) consumers: BTreeMap<String, ConsumerEntry>,
    pub(super) subs: Vec<Arc<Subscription>>,
    pub(super) dirty: bool,
    /// Stored new messages in this batch (consumers get to deliver them after the sync).
    pub(super) appended: bool,
    /// Raft replication, when the stream is replicated (`replica.rs`).
    pub(super) replica: Option<super::replica::Replica>,
}

/// The service's state, owned by its task.
#[derive(Debug)]
pub struct Service {
    pub(super) shared: Arc<Shared>,
    pub(super) cfg: ServiceConfig,
    pub(super) publisher: InternalPublisher,
    pub(super) streams: BTreeMap<String, StreamEntry>,
    pub(super) meta: SledMeta,
    tx: mpsc::Sender<Input>,
    directory: Arc<std::sync::RwLock<Directory>>,
    /// Subscription generation at the last push-interest check.
    interest_genid: u64,
    /// Subscription generation when pull consumers last dropped abandoned requests.
    pub(super) pull_interest_genid: u64,
    /// Streams or consumers came or went: refresh the [`Directory`] before replying.
    pub(super) directory_dirty: bool,
    pub(super) api_total: u64,
    pub(super) api_errors: u64,
    /// Replies held until the batch is durable.
    pub(super) pending_replies: Vec<Publish>,
    /// Consumer state written to the metadata store but not flushed yet.
    pub(super) meta_unflushed: bool,
    /// Publish acknowledgements held until their stream is synced: (stream, ack message).
    pending_acks: Vec<(String, Publish)>,
    /// Mirror and source cursors (`sourcing.rs`).
    pub(super) sourcing: super::sourcing::Sourcing,
    /// A replicated entry is being applied: inputs are handled, not collected again.
    pub(super) applying: bool,
    /// The applied entry's seeded generator (names and ids every replica must agree on).
    pub(super) entropy: Option<crate::server::ids::FastRng>,
    /// Set in a cluster: where meta-level API requests go.
    pub(super) cluster: Option<super::cluster::controller::ControlLink>,
}

/// The wall clock as the core wants it.
pub fn unix_now() -> UnixNanos {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// Starts the service: opens metadata and stores, subscribes, spawns the task.
pub fn start(shared: Arc<Shared>, cfg: ServiceConfig) -> anyhow::Result<()> {
    std::fs::create_dir_all(cfg.dir.join("streams"))?;
    let meta = SledMeta::open(&cfg.dir.join("meta"))?;
    let (tx, rx) = mpsc::channel(INPUT_QUEUE_MAX);
    // A second start (tests) keeps the first sender; the monitor then reports the first.
    let _ = shared.jetstream.set(tx.clone());
    let directory = Arc::new(std::sync::RwLock::new(Directory::default()));
    let sink = |kind| {
        Arc::new(Sink {
            tx: tx.clone(),
            kind,
            refused: AtomicU64::new(0),
            directory: directory.clone(),
        })
    };
    // In a cluster every server's JetStream receives every API request over the routes and
    // one answers (`cluster/`); captures exist on stream leaders only.
    shared.subscribe_internal("$JS.API.>", None, sink(SinkKind::Api))?;
    if !cfg.domain.is_empty() {
        // Clients of a domain (`jetstream::with_domain`) use `$JS.<domain>.API.`.
        let prefix: Arc<str> = Arc::from(format!("$JS.{}.API.", cfg.domain));
        let pattern = format!("{prefix}>");
        shared.subscribe_internal(&pattern, None, sink(SinkKind::DomainApi(prefix)))?;
    }
    shared.subscribe_internal("$JS.ACK.>", None, sink(SinkKind::Ack))?;
    shared.subscribe_internal("$JS.FC.>", None, sink(SinkKind::FlowControl))?;
    let mut service = Service {
        publisher: InternalPublisher::new(shared.clone()),
        shared,
        cfg,
        streams: BTreeMap::new(),
        meta,
        tx: tx.clone(),
        directory,
        interest_genid: 0,
        pull_interest_genid: 0,
        directory_dirty: false,
        api_total: 0,
        api_errors: 0,
        pending_replies: Vec::new(),
        meta_unflushed: false,
        pending_acks: Vec::new(),
        sourcing: Default::default(),
        applying: false,
        entropy: None,
        cluster: None,
    };
    service.load_streams()?;
    service.load_consumers(unix_now())?;
    service.refresh_directory();
    info!("Starting JetStream");
    info!("  Store Directory: \"{}\"", service.cfg.dir.display());
    info!(
        "  Sync:            {}",
        if service.cfg.sync_always {
            "always (fsync before ack)".to_string()
        } else {
            format!("every {:?}", service.cfg.sync_interval)
        }
    );
    let limit = |l: Option<u64>| l.map_or_else(|| "no limit".to_string(), |b| format!("{b} bytes"));
    info!("  Max Memory:      {}", limit(service.cfg.max_memory));
    info!("  Max Storage:     {}", limit(service.cfg.max_store));
    info!("  Streams:         {}", service.streams.len());
    tokio::spawn(service.run(rx));
    Ok(())
}

impl Service {
    /// A sender of inputs to this service (Raft groups feed committed entries through it).
    pub(super) fn input_sender(&self) -> mpsc::Sender<Input> {
        self.tx.clone()
    }

    /// Publishes which streams serve direct gets and which consumers exist to the API sink.
    pub(super) fn refresh_directory(&mut self) {
        self.directory_dirty = false;
        let mut d = Directory::default();
        for (name, e) in &self.streams {
            if e.stream.config().allow_direct {
                d.direct.insert(name.clone());
            }
            if let Some(m) = e.stream.config().mirror.as_ref() {
                // `mirror_direct`: the mirror answers direct gets of its origin too.
                if e.stream.config().mirror_direct {
                    d.direct.insert(m.name.clone());
                }
            }
            for c in e.consumers.keys() {
                d.consumers.insert(format!("{name}/{c}"));
            }
        }
        if let Ok(mut w) = self.directory.write() {
            *w = d;
        }
    }

    /// Subscribes the stream's subjects for capture.
    pub(super) fn capture(&self, config: &StreamConfig) -> anyhow::Result<Vec<Arc<Subscription>>> {
        // One sink per stream, naming it: a captured message goes to its stream directly.
        let sink: Arc<dyn InternalSink> = Arc::new(Sink {
            tx: self.tx.clone(),
            kind: SinkKind::Msg(Arc::from(config.name.as_str())),
            refused: AtomicU64::new(0),
            directory: self.directory.clone(),
        });
        let mut subs = Vec::new();
        for subject in &config.subjects {
            subs.push(
                self.shared
                    .subscribe_internal(subject, None, sink.clone())?,
            );
        }
        Ok(subs)
    }

    /// Stops capturing for a stream.
    pub(super) fn release(&self, subs: &[Arc<Subscription>]) {
        for s in subs {
            self.shared.unsubscribe_internal(s);
        }
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Input>) {
        let mut batch = Vec::with_capacity(BATCH_MAX);
        let mut sync_tick = tokio::time::interval(self.cfg.sync_interval);
        let mut interest_tick = tokio::time::interval(INTEREST_CHECK_INTERVAL);
        interest_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let next = [
                self.next_expiry(),
                self.next_consumer_timeout(),
                self.next_replica_timer(),
            ]
            .into_iter()
            .flatten()
            .min();
            let wake = next.map(|t| {
                let now = unix_now();
                tokio::time::Instant::now()
                    + Duration::from_nanos(t.saturating_sub(now).max(0) as u64)
            });
            let far = tokio::time::Instant::now() + Duration::from_secs(3600);
            tokio::select! {
                n = rx.recv_many(&mut batch, BATCH_MAX) => {
                    if n == 0 {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(wake.unwrap_or(far)) => {}
                _ = sync_tick.tick(), if !self.cfg.sync_always => self.sync_all(),
                _ = interest_tick.tick() => {
                    let genid = self.shared.sublist_genid.load(Ordering::Acquire);
                    if genid != self.interest_genid {
                        self.interest_genid = genid;
                        self.refresh_push_interest(unix_now());
                    }
                }
            }
            let now = unix_now();
            self.drop_abandoned_pulls();
            for input in batch.drain(..) {
                match input {
                    Input::Api(msg) => self.handle_api(now, &msg),
                    Input::Msg(stream, msg) => self.handle_msg(now, &stream, msg),
                    Input::Ack(msg) => self.handle_ack(now, &msg),
                    Input::FlowControl(msg) => self.handle_flow_control(now, &msg),
                    Input::Jsz(req) => self.answer_jsz(now, req),
                    Input::Replica(r) => self.handle_replica(r),
                    Input::ReplicaAdmin(a) => self.handle_replica_admin(a),
                    Input::ClusterLink(link) => self.cluster = Some(link),
                }
            }
            self.replica_timers(now);
            self.propose_pending(now);
            self.expire(now);
            if self.cfg.sync_always {
                self.sync_all();
            }
            // Mirrors and sources copy what is durable now; copies are synced before delivery.
            if self.pump_sources(now) && self.cfg.sync_always {
                self.sync_all();
            }
            if self.directory_dirty {
                // Before any reply: a client told "created" can use it at once.
                self.refresh_directory();
            }
            // Consumer state a reply confirms (an ack asking for a reply, a created consumer)
            // is durable before the reply leaves.
            self.persist_dirty_consumers(!self.pending_replies.is_empty());
            // Durable now: republish copies go out where nats-server sends them, before acks.
            self.publish_republished();
            for (_, ack) in std::mem::take(&mut self.pending_acks) {
                self.publisher.publish(&ack);
            }
            for reply in std::mem::take(&mut self.pending_replies) {
                self.publisher.publish(&reply);
            }
            // Deliveries only after the sync: a consumer never sees a message that could be lost.
            let appended: Vec<String> = self
                .streams
                .iter_mut()
                .filter_map(|(n, e)| std::mem::take(&mut e.appended).then(|| n.clone()))
                .collect();
            self.wake_consumers(now, &appended);
            self.consumer_timers(now);
            let confirm = !self.pending_replies.is_empty();
            self.persist_dirty_consumers(confirm);
            for reply in std::mem::take(&mut self.pending_replies) {
                self.publisher.publish(&reply);
            }
            if self.directory_dirty {
                // Consumers removed by their timers (inactive ephemerals).
                self.refresh_directory();
            }
            self.publisher.flush();
        }
    }

    /// Stores a captured publish; its ack waits for the batch's sync.
    pub(super) fn handle_msg(&mut self, now: UnixNanos, stream: &str, msg: Publish) {
        if self.divert(stream, rill_core::jetstream::cluster::InputKind::Msg, &msg) {
            return;
        }
        // Past the server's storage limit: refused before anything is stored.
        let exhausted = self
            .streams
            .get(stream)
            .is_some_and(|e| self.storage_exhausted(e.stream.config().storage));
        // Queued before the stream was deleted or its subjects changed: nobody stores it.
        let Some(entry) = self
            .streams
            .get_mut(stream)
            .filter(|e| e.stream.captures(&msg.subject))
        else {
            return;
        };
        let name = stream;
        let result = if exhausted {
            Err(ApiError::new(ErrorId::InsufficientResources))
        } else {
            entry.stream.process(
                now,
                msg.subject.clone(),
                msg.headers.clone(),
                msg.payload.clone(),
            )
        };
        let ack = match result {
            Ok(stored) => {
                entry.dirty |= !stored.duplicate;
                entry.appended |= !stored.duplicate;
                let mut ack = PubAck::stored(name, stored.seq);
                ack.duplicate = stored.duplicate;
                if !self.cfg.domain.is_empty() {
                    ack.domain = self.cfg.domain.clone();
                }
                ack
            }
            Err(e) => PubAck::refused(name, e),
        };
        let muted = self.publisher.muted();
        if let Some(reply) = msg
            .reply
            .filter(|_| !entry.stream.config().no_ack && !muted)
        {
            let body = Bytes::from(serde_json::to_vec(&ack).unwrap_or_default());
            self.pending_acks
                .push((name.to_string(), json_msg(reply, body)));
        }
    }

    /// Syncs every store written since the last sync. A failed sync stops the stream from
    /// acknowledging: its held replies become errors.
    pub(super) fn sync_all(&mut self) {
        // Replicated stores are made durable by checkpoints, not here.
        let syncing = self
            .streams
            .iter_mut()
            .filter(|(_, e)| e.dirty && e.replica.is_none());
        for (name, entry) in syncing {
            entry.dirty = false;
            if let Err(e) = entry.stream.store_mut().sync() {
                error!(stream = %name, "store sync failed, publishes are not acknowledged: {e}");
                // Not durable: republishing the copies would announce messages that may be lost.
                drop(entry.stream.take_republished());
                let err = super::streams_api::store_error(e);
                let refused = Bytes::from(
                    serde_json::to_vec(&PubAck::refused(name, err)).unwrap_or_default(),
                );
                for (_, ack) in self.pending_acks.iter_mut().filter(|(s, _)| s == name) {
                    ack.payload = refused.clone();
                }
            }
        }
    }

    fn expire(&mut self, now: UnixNanos) {
        let names: Vec<String> = self
            .streams
            .iter()
            .filter(|(_, e)| {
                e.replica.is_none() && e.stream.next_expiry().is_some_and(|t| t <= now)
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            self.expire_stream(&name, now);
        }
    }

    /// Removes `stream`'s messages that are past their age at `now`.
    pub(super) fn expire_stream(&mut self, name: &str, now: UnixNanos) {
        if let Some(entry) = self.streams.get_mut(name) {
            if entry.stream.next_expiry().is_some_and(|t| t <= now) {
                let last_seq = entry.stream.state().last_seq;
                match entry.stream.expire(now) {
                    Ok(n) if n > 0 => entry.dirty = true,
                    Ok(_) => {}
                    Err(e) => warn!(stream = %name, "expiry failed: {e:?}"),
                }
                // Subject delete markers are new messages: consumers get to deliver them.
                if entry.stream.state().last_seq != last_seq {
                    entry.dirty = true;
                    entry.appended = true;
                }
            }
        }
    }

    fn next_expiry(&self) -> Option<UnixNanos> {
        self.streams
            .values()
            .filter(|e| e.replica.is_none())
            .filter_map(|e| e.stream.next_expiry())
            .min()
    }

    /// Queues a JSON API response to `to`.
    pub(super) fn reply<T: serde::Serialize>(&mut self, to: Option<&Bytes>, kind: &str, body: &T) {
        if let Some(to) = to.filter(|_| !self.publisher.muted()) {
            self.pending_replies
                .push(json_msg(to.clone(), Bytes::from(response_json(kind, body))));
        }
    }

    /// Queues an arbitrary reply message.
    pub(super) fn pending_replies_msg(&mut self, msg: Publish) {
        if !self.publisher.muted() {
            self.pending_replies.push(msg);
        }
    }

    /// Stores a stream's config and creation time in the metadata store.
    pub(super) fn save_stream_meta(
        &mut self,
        config: &StreamConfig,
        created: UnixNanos,
    ) -> anyhow::Result<()> {
        let record = serde_json::json!({ "config": config, "created": created });
        self.meta.put(
            stream_key(&config.name).as_bytes(),
            &serde_json::to_vec(&record)?,
        )?;
        self.meta.flush()?;
        Ok(())
    }

    fn load_streams(&mut self) -> anyhow::Result<()> {
        for (key, value) in self.meta.scan_prefix(b"s/$G/")? {
            let record: serde_json::Value = serde_json::from_slice(&value)?;
            let config: StreamConfig = serde_json::from_value(record["config"].clone())?;
            let created = record["created"].as_i64().unwrap_or(0);
            match self.open_stream(config, created) {
                Ok(entry) => {
                    let name = entry.stream.config().name.clone();
                    self.streams.insert(name, entry);
                }
                Err(e) => error!(key = %String::from_utf8_lossy(&key), "cannot open stream: {e:#}"),
            }
        }
        let names: Vec<String> = self.streams.keys().cloned().collect();
        for name in names {
            self.reconcile_sources(&name);
        }
        Ok(())
    }

    /// Opens (or creates) a stream's store and subscribes its subjects.
    pub(super) fn open_stream(
        &mut self,
        config: StreamConfig,
        created: UnixNanos,
    ) -> anyhow::Result<StreamEntry> {
        let store = super::streams_api::open_store(&self.cfg.dir, &config)?;
        let stream = Stream::new(config, created, store)
            .map_err(|e| anyhow::anyhow!("{}", e.description))?;
        let subs = self.capture(stream.config())?;
        Ok(StreamEntry {
            stream,
            consumers: BTreeMap::new(),
            subs,
            dirty: false,
            appended: false,
            replica: None,
        })
    }
}

/// A reply message with a JSON body.
pub(super) fn json_msg(to: Bytes, body: Bytes) -> Publish {
    Publish {
        subject: to,
        reply: None,
        headers: None,
        payload: body,
    }
}

/// The metadata key of a stream in the global account.
pub(super) fn stream_key(name: &str) -> String {
    format!("s/$G/{name}")
}
