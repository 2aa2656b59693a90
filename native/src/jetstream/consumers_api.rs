//! Consumers in the service: the consumer API, pull requests, acks, flow control replies.

use bytes::Bytes;
use rill_core::jetstream::api::{
    decode_optional_request, is_empty_request, ApiError, ApiRequest, ConsumerAction,
    ConsumerConfig, ConsumerInfo, ConsumerListResponse, ConsumerNamesResponse,
    ConsumerPauseRequest, ConsumerPauseResponse, CreateConsumerRequest, CreateSubject, ErrorId,
    PagedRequest, SuccessResponse,
};
use rill_core::jetstream::cluster::InputKind;
use rill_core::jetstream::consumer::{parse_ack_subject, Consumer, ConsumerState, Effect};
use rill_core::jetstream::meta::MetaStore;
use rill_core::jetstream::store::UnixNanos;
use rill_core::proto::Publish;
use tracing::{error, info};

use super::service::{ConsumerEntry, Service};
use super::storage::AnyStore;
use super::streams_api::store_error;

/// Page size of `CONSUMER.NAMES`.
const NAMES_PAGE: usize = 1024;
/// Page size of `CONSUMER.LIST`.
const LIST_PAGE: usize = 256;

/// Metadata key of a consumer's config.
pub(super) fn config_key(stream: &str, name: &str) -> String {
    format!("cc/$G/{stream}/{name}")
}

/// Metadata key of a consumer's state.
pub(super) fn state_key(stream: &str, name: &str) -> String {
    format!("cs/$G/{stream}/{name}")
}

/// Characters of ephemeral consumer names.
const EPHEMERAL_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

impl Service {
    /// A fresh name for an ephemeral consumer (8 characters, like nats-server's); drawn from
    /// the entry's seed while applying a replicated entry, so every replica picks the same.
    fn ephemeral_name(&mut self) -> String {
        match self.entropy.as_mut() {
            Some(rng) => rng.token::<8>(EPHEMERAL_ALPHABET),
            None => crate::server::ids::random_token::<8>(EPHEMERAL_ALPHABET),
        }
    }

    /// A random number; the entry's seeded generator while applying a replicated entry.
    pub(super) fn random_u64(&mut self) -> u64 {
        match self.entropy.as_mut() {
            Some(rng) => rng.next_u64(),
            None => u64::from_le_bytes(crate::server::ids::random_bytes()),
        }
    }

    /// The consumer part of the API. Returns `None` when `req` is not a consumer request.
    pub(super) fn dispatch_consumer(
        &mut self,
        now: UnixNanos,
        req: &ApiRequest,
        kind: &str,
        msg: &Publish,
    ) -> Option<Result<(), ApiError>> {
        let to = msg.reply.as_ref();
        let body = &msg.payload[..];
        let result = match req {
            ApiRequest::ConsumerCreate {
                stream,
                consumer,
                filter,
            } => {
                let how = match consumer {
                    Some(c) => CreateSubject::Named {
                        consumer: c,
                        filter: filter.as_deref(),
                    },
                    None => CreateSubject::LegacyEphemeral,
                };
                self.consumer_create(now, stream, how, body)
                    .map(|info| self.reply(to, kind, &info))
            }
            ApiRequest::ConsumerDurableCreate { stream, durable } => {
                let how = CreateSubject::LegacyDurable { durable };
                self.consumer_create(now, stream, how, body)
                    .map(|info| self.reply(to, kind, &info))
            }
            ApiRequest::ConsumerInfo { stream, consumer } => {
                if !is_empty_request(body) {
                    return Some(Err(ApiError::not_empty_request()));
                }
                self.consumer_info(now, stream, consumer)
                    .map(|info| self.reply(to, kind, &info))
            }
            ApiRequest::ConsumerNames(stream) | ApiRequest::ConsumerList(stream) => {
                let list = matches!(req, ApiRequest::ConsumerList(_));
                self.consumer_names(now, stream, list, body, to, kind)
            }
            ApiRequest::ConsumerDelete { stream, consumer } => self
                .consumer_delete(stream, consumer)
                .map(|()| self.reply(to, kind, &SuccessResponse { success: true })),
            ApiRequest::ConsumerPause { stream, consumer } => self
                .consumer_pause(now, stream, consumer, body)
                .map(|resp| self.reply(to, kind, &resp)),
            ApiRequest::ConsumerUnpin { stream, consumer } => self
                .consumer_unpin(now, stream, consumer, body)
                .map(|resp| self.reply(to, kind, &resp)),
            ApiRequest::ConsumerReset { stream, consumer } => self
                .consumer_reset(now, stream, consumer, body)
                .map(|resp| self.reply(to, kind, &resp)),
            ApiRequest::ConsumerNext { stream, consumer } => {
                if let Some(reply) = to.cloned() {
                    self.consumer_next(now, stream, consumer, reply, body);
                }
                Ok(())
            }
            _ => return None,
        };
        Some(result)
    }

    /// Consumer `name` of `stream` with the stream's store, or the API error for what is missing.
    fn consumer_ref(&self, stream: &str, name: &str) -> Result<(&Consumer, &AnyStore), ApiError> {
        let entry = self
            .streams
            .get(stream)
            .ok_or_else(ApiError::stream_not_found)?;
        let c = entry
            .consumers
            .get(name)
            .ok_or_else(ApiError::consumer_not_found)?;
        Ok((&c.consumer, entry.stream.store()))
    }

    /// Like [`Service::consumer_ref`], for changing the consumer.
    pub(super) fn consumer_mut(
        &mut self,
        stream: &str,
        name: &str,
    ) -> Result<(&mut Consumer, &AnyStore), ApiError> {
        let entry = self
            .streams
            .get_mut(stream)
            .ok_or_else(ApiError::stream_not_found)?;
        let c = entry
            .consumers
            .get_mut(name)
            .ok_or_else(ApiError::consumer_not_found)?;
        Ok((&mut c.consumer, entry.stream.store()))
    }

    fn consumer_create(
        &mut self,
        now: UnixNanos,
        stream: &str,
        how: CreateSubject<'_>,
        body: &[u8],
    ) -> Result<ConsumerInfo, ApiError> {
        let mut req: CreateConsumerRequest = decode_optional_request(body)?;
        req.check_subject(stream, how)?;
        let entry = self
            .streams
            .get(stream)
            .ok_or_else(ApiError::stream_not_found)?;
        let stream_cfg = entry.stream.config().clone();
        let config =
            req.config
                .clone()
                .normalize_limited(&stream_cfg, req.pedantic, &self.cfg.limits)?;
        let name = match (config.durable_name.as_str(), config.name.as_str()) {
            ("", "") => self.ephemeral_name(),
            ("", n) | (n, _) => n.to_string(),
        };
        let entry = self
            .streams
            .get(stream)
            .ok_or_else(ApiError::stream_not_found)?;
        let others = entry
            .consumers
            .iter()
            .map(|(n, c)| (n.as_str(), c.consumer.config()));
        config.check_workqueue(&name, &stream_cfg, others)?;
        if let Some(existing) = entry.consumers.get(&name) {
            if existing.consumer.config() == &config {
                return self.consumer_info(now, stream, &name);
            }
            if req.action == ConsumerAction::Create {
                return Err(ApiError::new(ErrorId::ConsumerAlreadyExists));
            }
            ConsumerConfig::update_check(existing.consumer.config(), &config)?;
            return self.consumer_update(now, stream, &name, config);
        }
        if req.action == ConsumerAction::Update {
            return Err(ApiError::new(ErrorId::ConsumerDoesNotExist));
        }
        if stream_cfg.max_consumers > 0 && entry.consumers.len() as i64 >= stream_cfg.max_consumers
        {
            return Err(ApiError::new(ErrorId::MaximumConsumersLimit));
        }
        self.add_consumer(now, stream, &name, config, now, None)
            .map_err(|e| ApiError::with_err(ErrorId::ConsumerCreate, e))?;
        info!(stream, consumer = %name, "consumer created");
        self.consumer_info(now, stream, &name)
    }

    /// Creates (or restores) a consumer on `stream` and persists its config.
    pub(super) fn add_consumer(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        config: ConsumerConfig,
        created: UnixNanos,
        state: Option<ConsumerState>,
    ) -> anyhow::Result<()> {
        let restored = state.is_some();
        let seed = self.random_u64();
        let entry = self
            .streams
            .get_mut(stream)
            .ok_or_else(|| anyhow::anyhow!("stream not found"))?;
        let mut consumer = Consumer::new(
            stream,
            name,
            config.clone(),
            created,
            state,
            now,
            entry.stream.store(),
        );
        consumer.seed_pin_ids(seed);
        entry.consumers.insert(
            name.to_string(),
            ConsumerEntry {
                consumer,
                dirty: true,
            },
        );
        let replicated = self
            .streams
            .get(stream)
            .is_some_and(|e| e.replica.is_some());
        if replicated {
            // Kept by the stream's checkpoints, not in the metadata store.
            self.directory_dirty = true;
            return Ok(());
        }
        if !restored {
            let record = serde_json::json!({ "config": config, "created": created });
            self.meta.put(
                config_key(stream, name).as_bytes(),
                &serde_json::to_vec(&record)?,
            )?;
        }
        self.persist_consumer(stream, name);
        self.meta.flush()?;
        self.directory_dirty = true;
        self.refresh_push_interest(now);
        Ok(())
    }

    fn consumer_update(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        config: ConsumerConfig,
    ) -> Result<ConsumerInfo, ApiError> {
        let (consumer, store) = self.consumer_mut(stream, name)?;
        let effects = consumer.update_config(now, config.clone(), store);
        let record = serde_json::json!({ "config": config, "created": consumer.created() });
        let bytes = serde_json::to_vec(&record)
            .map_err(|e| ApiError::with_err(ErrorId::ConsumerCreate, e))?;
        self.meta
            .put(config_key(stream, name).as_bytes(), &bytes)
            .map_err(store_error)?;
        self.apply_effects(now, stream, name, effects);
        self.consumer_info(now, stream, name)
    }

    /// `CONSUMER.PAUSE`: deliveries stop until `pause_until` (absent or past: resume).
    fn consumer_pause(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        body: &[u8],
    ) -> Result<ConsumerPauseResponse, ApiError> {
        let req: ConsumerPauseRequest = decode_optional_request(body)?;
        let until = req.pause_until.filter(|t| t.0 > now);
        let (consumer, _) = self.consumer_ref(stream, name)?;
        let config = ConsumerConfig {
            pause_until: until,
            ..consumer.config().clone()
        };
        self.consumer_update(now, stream, name, config)?;
        Ok(ConsumerPauseResponse {
            paused: until.is_some(),
            pause_until: until.unwrap_or_default(),
            pause_remaining: until.map_or(0, |t| t.0 - now),
        })
    }

    fn consumer_info(
        &self,
        now: UnixNanos,
        stream: &str,
        name: &str,
    ) -> Result<ConsumerInfo, ApiError> {
        let (consumer, store) = self.consumer_ref(stream, name)?;
        let mut info = consumer.info(now, store);
        // A consumer lives in its stream's group: same leader and replicas.
        info.cluster = self
            .streams
            .get(stream)
            .and_then(|e| e.replica.as_ref())
            .and_then(|r| r.group.cluster_info());
        Ok(info)
    }

    fn consumer_names(
        &mut self,
        now: UnixNanos,
        stream: &str,
        list: bool,
        body: &[u8],
        to: Option<&Bytes>,
        kind: &str,
    ) -> Result<(), ApiError> {
        let r: PagedRequest = decode_optional_request(body)?;
        let entry = self
            .streams
            .get(stream)
            .ok_or_else(ApiError::stream_not_found)?;
        let total = entry.consumers.len() as u64;
        let page = if list { LIST_PAGE } else { NAMES_PAGE };
        let chosen = entry.consumers.iter().skip(r.offset as usize).take(page);
        if list {
            let consumers = chosen
                .map(|(_, c)| c.consumer.info(now, entry.stream.store()))
                .collect();
            let resp = ConsumerListResponse {
                total,
                offset: r.offset,
                limit: page as u64,
                consumers,
                ..Default::default()
            };
            self.reply(to, kind, &resp);
        } else {
            let consumers = chosen.map(|(n, _)| n.clone()).collect();
            let resp = ConsumerNamesResponse {
                total,
                offset: r.offset,
                limit: page as u64,
                consumers,
            };
            self.reply(to, kind, &resp);
        }
        Ok(())
    }

    /// Deletes a consumer: waiting pulls get `409 Consumer Deleted`, its records go.
    pub(super) fn consumer_delete(&mut self, stream: &str, name: &str) -> Result<(), ApiError> {
        let now = super::service::unix_now();
        let entry = self
            .streams
            .get_mut(stream)
            .ok_or_else(ApiError::stream_not_found)?;
        let mut c = entry
            .consumers
            .remove(name)
            .ok_or_else(ApiError::consumer_not_found)?;
        let effects = c.consumer.delete();
        let replicated = entry.replica.is_some();
        self.apply_effects(now, stream, name, effects);
        if replicated {
            self.directory_dirty = true;
            info!(stream, consumer = name, "consumer deleted");
            return Ok(());
        }
        for key in [config_key(stream, name), state_key(stream, name)] {
            self.meta.delete(key.as_bytes()).map_err(store_error)?;
        }
        self.meta.flush().map_err(store_error)?;
        self.directory_dirty = true;
        info!(stream, consumer = name, "consumer deleted");
        Ok(())
    }

    /// Runs `f` on consumer `name` of `stream` (with the stream's store) and carries out the
    /// effects it returns; nothing when either is gone.
    fn drive_consumer(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        f: impl FnOnce(&mut Consumer, &AnyStore) -> Vec<Effect>,
    ) {
        if let Ok((consumer, store)) = self.consumer_mut(stream, name) {
            let effects = f(consumer, store);
            self.apply_effects(now, stream, name, effects);
        }
    }

    fn consumer_next(
        &mut self,
        now: UnixNanos,
        stream: &str,
        name: &str,
        reply: Bytes,
        body: &[u8],
    ) {
        self.drive_consumer(now, stream, name, |c, store| {
            c.pull_body(now, reply, body, store)
        });
    }

    /// An ack on `$JS.ACK.<stream>.<consumer>...`.
    pub(super) fn handle_ack(&mut self, now: UnixNanos, msg: &Publish) {
        let Some(parsed) = parse_ack_subject(&msg.subject) else {
            return;
        };
        let stream = String::from_utf8_lossy(parsed.stream).into_owned();
        if self.divert(&stream, InputKind::Ack, msg) {
            return;
        }
        let name = String::from_utf8_lossy(parsed.consumer).into_owned();
        let (subject, payload, reply) = (&msg.subject, &msg.payload, msg.reply.clone());
        self.drive_consumer(now, &stream, &name, |c, store| {
            c.ack(now, subject, payload, reply, store)
        });
    }

    /// A flow control reply on `$JS.FC.<stream>.<consumer>.<n>`.
    pub(super) fn handle_flow_control(&mut self, now: UnixNanos, msg: &Publish) {
        let subject = String::from_utf8_lossy(&msg.subject).into_owned();
        let mut tokens = subject.split('.').skip(2);
        let (Some(stream), Some(name)) = (tokens.next(), tokens.next()) else {
            return;
        };
        let (stream, name) = (stream.to_string(), name.to_string());
        if self.divert(&stream, InputKind::FlowControl, msg) {
            return;
        }
        let fc = &msg.subject;
        self.drive_consumer(now, &stream, &name, |c, store| {
            c.flow_control_reply(now, fc, store)
        });
    }

    /// Writes a consumer's state to the metadata store (flushed with the batch).
    pub(super) fn persist_consumer(&mut self, stream: &str, name: &str) {
        // Replicated consumers are persisted with their stream's checkpoints.
        let Some(c) = self
            .streams
            .get_mut(stream)
            .filter(|e| e.replica.is_none())
            .and_then(|e| e.consumers.get_mut(name))
        else {
            return;
        };
        c.dirty = false;
        match serde_json::to_vec(c.consumer.state()) {
            Ok(bytes) => {
                if let Err(e) = self.meta.put(state_key(stream, name).as_bytes(), &bytes) {
                    error!(
                        stream,
                        consumer = name,
                        "cannot persist consumer state: {e}"
                    );
                }
            }
            Err(e) => error!(stream, consumer = name, "cannot encode consumer state: {e}"),
        }
    }
}
