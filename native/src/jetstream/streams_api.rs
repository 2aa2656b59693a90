//! `$JS.API` requests about streams and the account, answered by the service task.

use std::path::Path;

use bytes::Bytes;
use rill_core::jetstream::api::{
    self as api, decode_optional_request, decode_request, error_json, is_empty_request,
    AccountInfo, ApiError, ApiRequest, ErrorId, MsgDeleteRequest, MsgGetRequest, MsgGetResponse,
    PurgeResponse, StorageType, StoredMessage, StreamConfig, StreamConfigRequest,
    StreamCreateResponse, StreamInfo, StreamInfoRequest, StreamInfoResponse, StreamListResponse,
    StreamNamesRequest, StreamNamesResponse, StreamState, SuccessResponse, Timestamp,
};
use rill_core::jetstream::meta::MetaStore;
use rill_core::jetstream::store::{MemStore, PurgeRequest, StoreError, UnixNanos};
use rill_core::proto::Publish;
use rill_core::subject;
use tracing::{info, warn};

use super::filestore::{FileStore, FileStoreConfig};
use super::service::{json_msg, stream_key, Service};
use super::storage::AnyStore;

/// Page size of `STREAM.NAMES`.
const NAMES_PAGE: usize = 1024;
/// Subjects per page of `STREAM.INFO` with `subjects_filter` (nats-server: 100,000).
const SUBJECTS_PAGE: usize = 100_000;
/// Page size of `STREAM.LIST`.
const LIST_PAGE: usize = 256;

/// A store failure as clients see it.
pub fn store_error(e: StoreError) -> ApiError {
    ApiError::with_err(ErrorId::StreamStoreFailed, e)
}

/// Opens the store a stream's config asks for.
pub fn open_store(dir: &Path, config: &StreamConfig) -> anyhow::Result<AnyStore> {
    Ok(match config.storage {
        StorageType::Memory => AnyStore::Mem(MemStore::new()),
        StorageType::File => {
            let path = dir.join("streams").join(&config.name).join("msgs");
            AnyStore::File(Box::new(FileStore::open(path, FileStoreConfig::default())?))
        }
    })
}

impl Service {
    /// Answers one API request (replies are held until the batch is durable).
    pub(super) fn handle_api(&mut self, now: UnixNanos, msg: &Publish) {
        let subject = String::from_utf8_lossy(&msg.subject).into_owned();
        self.handle_api_inner(now, msg, subject);
        self.api_total += 1;
    }

    fn handle_api_inner(&mut self, now: UnixNanos, msg: &Publish, subject: String) {
        let req = match ApiRequest::parse(&subject) {
            Ok(r) => r,
            Err(_) if self.cfg.clustered && !self.applying => {
                // Every server got it: the meta leader answers.
                self.forward_to_cluster(msg);
                return;
            }
            Err(e) => {
                self.api_errors += 1;
                if let Some(to) = &msg.reply {
                    self.pending_replies_msg(json_msg(
                        to.clone(),
                        Bytes::from(error_json("api", &e)),
                    ));
                }
                return;
            }
        };
        let kind = req.response_kind().unwrap_or("api");
        if self.route_to_cluster(&req, msg) || self.route_replicated(&req, kind, msg) {
            return;
        }
        let result = match self.dispatch_consumer(now, &req, kind, msg) {
            Some(r) => r,
            None => self.dispatch(now, &req, kind, msg),
        };
        if let Err(e) = result {
            self.api_errors += 1;
            if let Some(to) = &msg.reply {
                self.pending_replies_msg(json_msg(to.clone(), Bytes::from(error_json(kind, &e))));
            }
        }
    }

    fn dispatch(
        &mut self,
        now: UnixNanos,
        req: &ApiRequest,
        kind: &str,
        msg: &Publish,
    ) -> Result<(), ApiError> {
        let to = msg.reply.as_ref();
        let body = &msg.payload[..];
        match req {
            ApiRequest::Info => {
                let info = self.account_info();
                self.reply(to, kind, &info);
            }
            ApiRequest::StreamCreate(name) => {
                let resp = self.stream_create(now, name, body)?;
                self.reply(to, kind, &resp);
            }
            ApiRequest::StreamUpdate(name) => {
                let info = self.stream_update(now, name, body)?;
                self.reply(to, kind, &info);
            }
            ApiRequest::StreamInfo(name) => {
                let r: StreamInfoRequest = decode_optional_request(body)?;
                let mut info = self.stream_info(name, now)?;
                let entry = self
                    .streams
                    .get(name)
                    .ok_or_else(ApiError::stream_not_found)?;
                let mut total = 0;
                let mut limit = 0;
                if !r.subjects_filter.is_empty() {
                    let mut subjects = entry.stream.subjects_state(r.subjects_filter.as_bytes());
                    subjects.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                    total = subjects.len() as u64;
                    limit = SUBJECTS_PAGE as u64;
                    info.state.subjects = Some(
                        subjects
                            .into_iter()
                            .skip(r.offset as usize)
                            .take(SUBJECTS_PAGE)
                            .map(|(s, n)| (String::from_utf8_lossy(&s).into_owned(), n))
                            .collect(),
                    );
                }
                let resp = StreamInfoResponse {
                    info,
                    total,
                    offset: r.offset,
                    limit,
                };
                self.reply(to, kind, &resp);
            }
            ApiRequest::StreamNames | ApiRequest::StreamList => {
                let r: StreamNamesRequest = decode_optional_request(body)?;
                self.stream_names_or_list(now, matches!(req, ApiRequest::StreamList), &r, to, kind);
            }
            ApiRequest::StreamDelete(name) => {
                if !is_empty_request(body) {
                    return Err(ApiError::not_empty_request());
                }
                self.stream_delete(name)?;
                self.reply(to, kind, &SuccessResponse { success: true });
            }
            ApiRequest::StreamPurge(name) => {
                let r: api::PurgeRequest = decode_optional_request(body)?;
                r.validate()?;
                let store_req = PurgeRequest {
                    filter: (!r.filter.is_empty()).then(|| Bytes::from(r.filter.clone())),
                    up_to_seq: (r.seq > 0).then_some(r.seq),
                    keep: (r.keep > 0).then_some(r.keep),
                };
                let entry = self
                    .streams
                    .get_mut(name)
                    .ok_or_else(ApiError::stream_not_found)?;
                let purged = entry.stream.purge(&store_req)?;
                entry.dirty = true;
                self.reply(
                    to,
                    kind,
                    &PurgeResponse {
                        success: true,
                        purged,
                    },
                );
            }
            ApiRequest::StreamMsgGet(name) => {
                if is_empty_request(body) {
                    return Err(ApiError::new(ErrorId::BadRequest));
                }
                let r: MsgGetRequest = decode_request(body)?;
                r.validate_msg_get()?;
                let stored = self.msg_get(name, &r)?;
                self.reply(
                    to,
                    kind,
                    &MsgGetResponse {
                        message: StoredMessage::from(&stored),
                    },
                );
            }
            ApiRequest::StreamMsgDelete(name) => {
                if is_empty_request(body) {
                    return Err(ApiError::new(ErrorId::BadRequest));
                }
                let r: MsgDeleteRequest = decode_request(body)?;
                let entry = self
                    .streams
                    .get_mut(name)
                    .ok_or_else(ApiError::stream_not_found)?;
                entry.stream.delete_msg(r.seq)?;
                entry.dirty = true;
                self.reply(to, kind, &SuccessResponse { success: true });
            }
            ApiRequest::DirectGet(name, subj) => {
                self.direct_get(name, subj.as_deref(), body, to)?
            }
            _ => {
                return Err(ApiError::with_err(
                    ErrorId::BadRequest,
                    "this JetStream API is not available in rill yet",
                ))
            }
        }
        Ok(())
    }

    fn account_info(&self) -> AccountInfo {
        let (mut memory, mut storage) = (0, 0);
        for e in self.streams.values() {
            let bytes = e.stream.state().bytes;
            match e.stream.config().storage {
                StorageType::Memory => memory += bytes,
                StorageType::File => storage += bytes,
            }
        }
        AccountInfo {
            memory,
            storage,
            reserved_memory: self.reserved(StorageType::Memory, None),
            reserved_storage: self.reserved(StorageType::File, None),
            streams: self.streams.len() as u64,
            consumers: self
                .streams
                .values()
                .map(|e| e.consumers.len() as u64)
                .sum(),
            domain: self.cfg.domain.clone(),
            api: api::ApiStats {
                level: api::API_LEVEL,
                total: self.api_total,
                errors: self.api_errors,
                inflight: 0,
            },
            ..AccountInfo::default()
        }
    }

    pub(super) fn stream_info(&self, name: &str, now: UnixNanos) -> Result<StreamInfo, ApiError> {
        let e = self
            .streams
            .get(name)
            .ok_or_else(ApiError::stream_not_found)?;
        let state = StreamState::from_store(&e.stream.state(), e.consumers.len() as u64);
        let mut info = StreamInfo {
            config: e.stream.config().clone(),
            created: Timestamp(e.stream.created()),
            state,
            domain: self.cfg.domain.clone(),
            cluster: Some(
                e.replica
                    .as_ref()
                    .and_then(|r| r.group.cluster_info())
                    .unwrap_or_else(|| api::ClusterInfo {
                        leader: self.cfg.server_name.clone(),
                        ..Default::default()
                    }),
            ),
            ts: Timestamp(now),
            ..StreamInfo::default()
        };
        self.fill_source_info(name, &mut info, now);
        Ok(info)
    }

    fn stream_create(
        &mut self,
        now: UnixNanos,
        name: &str,
        body: &[u8],
    ) -> Result<StreamCreateResponse, ApiError> {
        let req: StreamConfigRequest = decode_optional_request(body)?;
        req.config.check_create_request(name)?;
        let config = req
            .config
            .normalize_with(self.cfg.loopback_replication, req.pedantic)?;
        if let Some(existing) = self.streams.get(name) {
            if existing.stream.config() == &config {
                return Ok(StreamCreateResponse {
                    info: self.stream_info(name, now)?,
                    did_create: false,
                });
            }
            return Err(ApiError::new(ErrorId::StreamNameExist));
        }
        if self
            .streams
            .values()
            .any(|e| e.stream.config().overlaps_with(&config))
        {
            return Err(ApiError::new(ErrorId::StreamSubjectOverlap));
        }
        self.check_reservation(&config, None)?;
        self.check_sourcing(&config)?;
        let mut entry = self
            .open_stream(config.clone(), now)
            .map_err(|e| ApiError::with_err(ErrorId::StreamCreate, e))?;
        self.save_stream_meta(&config, now)
            .map_err(|e| ApiError::with_err(ErrorId::StreamCreate, e))?;
        if self.cfg.loopback_replication {
            entry.replica = Some(self.loopback_replica(name));
        }
        self.streams.insert(name.to_string(), entry);
        self.reconcile_sources(name);
        self.directory_dirty = true;
        info!(stream = name, "stream created");
        Ok(StreamCreateResponse {
            info: self.stream_info(name, now)?,
            did_create: true,
        })
    }

    fn stream_update(
        &mut self,
        now: UnixNanos,
        name: &str,
        body: &[u8],
    ) -> Result<StreamInfo, ApiError> {
        // As nats-server: an empty or `null` body is an empty config, refused for its name.
        let req: StreamConfigRequest = decode_optional_request(body)?;
        if req.config.name.is_empty() {
            req.config.clone().normalize_with(false, req.pedantic)?;
        }
        if req.config.name != name {
            return Err(ApiError::new(ErrorId::StreamMismatch));
        }
        let old = self
            .streams
            .get(name)
            .ok_or_else(ApiError::stream_not_found)?
            .stream
            .config()
            .clone();
        let new = StreamConfig::apply_update(&old, req.config, false, req.pedantic)?;
        self.check_consumer_limits(name, &new)?;
        self.check_reservation(&new, Some(name))?;
        let overlap = self
            .streams
            .iter()
            .any(|(n, e)| n != name && e.stream.config().overlaps_with(&new));
        if overlap {
            return Err(ApiError::new(ErrorId::StreamSubjectOverlap));
        }
        self.check_sourcing(&new)?;
        // allow_direct may change.
        self.directory_dirty = true;
        // A replicated stream's configuration lives in the meta group; only its leader
        // captures the subjects.
        let replica = self.streams.get(name).and_then(|e| e.replica.as_ref());
        let replicated = replica.is_some();
        let captures = replica.is_none_or(|r| r.leader);
        let subs = if new.subjects != old.subjects && captures {
            Some(
                self.capture(&new)
                    .map_err(|e| ApiError::with_err(ErrorId::StreamUpdate, e))?,
            )
        } else {
            None
        };
        if !replicated {
            self.save_stream_meta(&new, 0)
                .map_err(|e| ApiError::with_err(ErrorId::StreamUpdate, e))?;
        }
        let entry = self
            .streams
            .get_mut(name)
            .ok_or_else(ApiError::stream_not_found)?;
        let created = entry.stream.created();
        entry.stream.update(new.clone(), now)?;
        entry.dirty = true;
        if let Some(subs) = subs {
            let old_subs = std::mem::replace(&mut entry.subs, subs);
            self.release(&old_subs);
        }
        if !replicated {
            self.save_stream_meta(&new, created)
                .map_err(|e| ApiError::with_err(ErrorId::StreamUpdate, e))?;
        }
        self.reconcile_sources(name);
        self.stream_info(name, now)
    }

    fn stream_delete(&mut self, name: &str) -> Result<(), ApiError> {
        let entry = self
            .streams
            .remove(name)
            .ok_or_else(ApiError::stream_not_found)?;
        self.directory_dirty = true;
        self.release(&entry.subs);
        drop(entry);
        self.reconcile_sources(name);
        self.meta
            .delete(stream_key(name).as_bytes())
            .map_err(store_error)?;
        self.meta.flush().map_err(store_error)?;
        let dir = self.cfg.dir.join("streams").join(name);
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                warn!(stream = name, "cannot remove stream files: {e}");
            }
        }
        info!(stream = name, "stream deleted");
        Ok(())
    }

    fn stream_names_or_list(
        &mut self,
        now: UnixNanos,
        list: bool,
        r: &StreamNamesRequest,
        to: Option<&Bytes>,
        kind: &str,
    ) {
        let names: Vec<String> = self
            .streams
            .iter()
            .filter(|(_, e)| {
                r.subject.is_empty()
                    || e.stream
                        .config()
                        .subjects
                        .iter()
                        .any(|s| subject::overlaps(s.as_bytes(), r.subject.as_bytes()))
            })
            .map(|(n, _)| n.clone())
            .collect();
        let total = names.len() as u64;
        let page = if list { LIST_PAGE } else { NAMES_PAGE };
        let slice: Vec<String> = names
            .into_iter()
            .skip(r.offset as usize)
            .take(page)
            .collect();
        if list {
            let streams = slice
                .iter()
                .filter_map(|n| self.stream_info(n, now).ok())
                .collect();
            let resp = StreamListResponse {
                total,
                offset: r.offset,
                limit: page as u64,
                streams,
                ..Default::default()
            };
            self.reply(to, kind, &resp);
        } else {
            let resp = StreamNamesResponse {
                total,
                offset: r.offset,
                limit: page as u64,
                streams: Some(slice),
            };
            self.reply(to, kind, &resp);
        }
    }

    fn msg_get(
        &self,
        name: &str,
        r: &MsgGetRequest,
    ) -> Result<rill_core::jetstream::store::StoredMsg, ApiError> {
        let e = self
            .streams
            .get(name)
            .ok_or_else(ApiError::stream_not_found)?;
        if !r.last_by_subj.is_empty() {
            return e.stream.last_for_subject(r.last_by_subj.as_bytes());
        }
        if !r.next_by_subj.is_empty() {
            return e
                .stream
                .next_matching(r.seq, Some(r.next_by_subj.as_bytes()));
        }
        e.stream.get(r.seq)
    }

    /// `DIRECT.GET`: the raw message with `Nats-Stream`/`Nats-Subject`/`Nats-Sequence`/
    /// `Nats-Time-Stamp` headers, or a status message.
    fn direct_get(
        &mut self,
        name: &str,
        subj: Option<&str>,
        body: &[u8],
        to: Option<&Bytes>,
    ) -> Result<(), ApiError> {
        let Some(to) = to.cloned() else {
            return Ok(());
        };
        let name = &self.direct_get_server(name);
        let Some(e) = self.streams.get(name) else {
            return Err(ApiError::stream_not_found());
        };
        if !e.stream.config().allow_direct && !e.stream.config().mirror_direct {
            return Err(ApiError::with_err(
                ErrorId::BadRequest,
                "direct get not allowed",
            ));
        }
        let found = match subj {
            Some(s) => e.stream.last_for_subject(s.as_bytes()),
            None => match decode_request::<MsgGetRequest>(body) {
                Ok(r) => self.msg_get(name, &r),
                Err(_) => {
                    self.status(to, "408 Bad Request");
                    return Ok(());
                }
            },
        };
        match found {
            Ok(m) => {
                let headers = direct_headers(name, &m);
                let reply = Publish {
                    subject: to,
                    reply: None,
                    headers: Some(headers),
                    payload: m.payload,
                };
                self.pending_replies_msg(reply);
            }
            Err(_) => self.status(to, "404 Message Not Found"),
        }
        Ok(())
    }

    fn status(&mut self, to: Bytes, status: &str) {
        let headers = Bytes::from(format!("NATS/1.0 {status}\r\n\r\n"));
        self.pending_replies_msg(Publish {
            subject: to,
            reply: None,
            headers: Some(headers),
            payload: Bytes::new(),
        });
    }
}

/// The header block of a direct-get reply: the stored headers plus where the message is from.
fn direct_headers(stream: &str, m: &rill_core::jetstream::store::StoredMsg) -> Bytes {
    let mut h = match m.headers.as_ref().filter(|h| h.ends_with(b"\r\n\r\n")) {
        Some(stored) => stored[..stored.len() - 2].to_vec(),
        None => b"NATS/1.0\r\n".to_vec(),
    };
    let time = serde_json::to_value(Timestamp(m.time)).ok();
    let time = time.as_ref().and_then(|v| v.as_str()).unwrap_or_default();
    h.extend_from_slice(format!("Nats-Stream: {stream}\r\nNats-Subject: {}\r\nNats-Sequence: {}\r\nNats-Time-Stamp: {time}\r\n\r\n", String::from_utf8_lossy(&m.subject), m.seq).as_bytes());
    Bytes::from(h)
}

impl Service {
    /// A stream update may not set consumer limits that existing consumers exceed.
    fn check_consumer_limits(&self, name: &str, new: &StreamConfig) -> Result<(), ApiError> {
        let limits = &new.consumer_limits;
        let Some(entry) = self.streams.get(name) else {
            return Ok(());
        };
        for (cname, c) in &entry.consumers {
            let cfg = c.consumer.config();
            let over_pending = limits.max_ack_pending > 0
                && (cfg.max_ack_pending <= 0 || cfg.max_ack_pending > limits.max_ack_pending);
            let over_inactive = limits.inactive_threshold > 0
                && (cfg.inactive_threshold <= 0
                    || cfg.inactive_threshold > limits.inactive_threshold);
            if over_pending || over_inactive {
                return Err(ApiError::with_err(
                    ErrorId::StreamUpdate,
                    format!("consumer \"{cname}\" exceeds the new consumer limits"),
                ));
            }
        }
        Ok(())
    }
}
