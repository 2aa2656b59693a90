//! The `/jsz` monitoring document, built by the service task (which owns every stream) when
//! the monitoring server asks through [`Input::Jsz`](super::service::Input::Jsz). Field names
//! and layout follow nats-server's `/jsz`.

use rill_core::jetstream::api::{StorageType, Timestamp};
use rill_core::jetstream::store::UnixNanos;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::service::Service;

/// What a `/jsz` request asks for (its query parameters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JszOptions {
    /// `accounts=true`: per-account details.
    pub accounts: bool,
    /// `streams=true`: per-stream details (implies accounts).
    pub streams: bool,
    /// `consumers=true`: per-consumer details (implies streams).
    pub consumers: bool,
    /// `config=true`: stream and consumer configs in the details.
    pub config: bool,
}

/// A `/jsz` request queued to the service.
#[derive(Debug)]
pub struct JszRequest {
    /// What to include.
    pub opts: JszOptions,
    /// Where the document goes.
    pub reply: oneshot::Sender<Value>,
}

impl Service {
    /// Answers a `/jsz` request.
    pub(super) fn answer_jsz(&self, now: UnixNanos, req: JszRequest) {
        let _ = req.reply.send(self.jsz(now, req.opts));
    }

    fn jsz(&self, now: UnixNanos, opts: JszOptions) -> Value {
        let (mut messages, mut bytes, mut consumers) = (0u64, 0u64, 0u64);
        for e in self.streams.values() {
            let st = e.stream.state();
            messages += st.messages;
            bytes += st.bytes;
            consumers += e.consumers.len() as u64;
        }
        let account = self.account_usage(now, opts);
        let mut doc = json!({
            "memory": self.used(StorageType::Memory),
            "storage": self.used(StorageType::File),
            "reserved_memory": self.reserved(StorageType::Memory, None),
            "reserved_storage": self.reserved(StorageType::File, None),
            "accounts": 1,
            "ha_assets": 0,
            "api": {
                "level": rill_core::jetstream::api::API_LEVEL,
                "total": self.api_total,
                "errors": self.api_errors,
            },
            "server_id": self.shared.info.server_id,
            "now": Timestamp(now),
            "config": self.jsz_config(),
            "streams": self.streams.len(),
            "consumers": consumers,
            "messages": messages,
            "bytes": bytes,
            "total": 1,
        });
        if let (Some(map), Some(account)) = (doc.as_object_mut(), account) {
            map.insert("account_details".into(), json!([account]));
        }
        if let (Some(map), Some(meta)) = (doc.as_object_mut(), self.meta_cluster()) {
            map.insert("meta_cluster".into(), meta);
            let ha = self
                .streams
                .values()
                .filter(|e| e.replica.is_some())
                .count();
            map.insert("ha_assets".into(), json!(ha));
        }
        doc
    }

    /// The `meta_cluster` object of a clustered server: leader, members, their health.
    fn meta_cluster(&self) -> Option<Value> {
        let view = self.shared.jetstream_meta.read().ok()?.clone()?;
        let leader = view.leader.clone().unwrap_or_default();
        Some(json!({
            "name": view.cluster,
            "leader": leader,
            "peer": rill_core::jetstream::cluster::peer_id(&leader),
            "replicas": view.replicas,
            "cluster_size": view.size,
            "quorum_needed": view.size / 2 + 1,
        }))
    }

    /// The `config` object: limits as configured (-1 when unlimited), where data lives and
    /// how it is made durable.
    fn jsz_config(&self) -> Value {
        let limit = |l: Option<u64>| l.map_or(-1, |b| i64::try_from(b).unwrap_or(i64::MAX));
        let mut config = json!({
            "max_memory": limit(self.cfg.max_memory),
            "max_storage": limit(self.cfg.max_store),
            "store_dir": self.cfg.dir.display().to_string(),
            "strict": true,
        });
        if let Some(map) = config.as_object_mut() {
            if self.cfg.sync_always {
                map.insert("sync_always".into(), json!(true));
            } else {
                let nanos = u64::try_from(self.cfg.sync_interval.as_nanos()).unwrap_or(u64::MAX);
                map.insert("sync_interval".into(), json!(nanos));
            }
            if !self.cfg.domain.is_empty() {
                map.insert("domain".into(), json!(self.cfg.domain));
            }
        }
        config
    }

    /// The global account's entry of `account_details`, when asked for.
    fn account_usage(&self, now: UnixNanos, opts: JszOptions) -> Option<Value> {
        if !(opts.accounts || opts.streams || opts.consumers) {
            return None;
        }
        let mut account = json!({
            "name": "$G",
            "id": "$G",
            "memory": self.used(StorageType::Memory),
            "storage": self.used(StorageType::File),
            "reserved_memory": self.reserved(StorageType::Memory, None),
            "reserved_storage": self.reserved(StorageType::File, None),
            "api": { "total": self.api_total, "errors": self.api_errors },
        });
        if opts.streams || opts.consumers {
            let details: Vec<Value> = self
                .streams
                .keys()
                .filter_map(|name| self.stream_detail(now, name, opts))
                .collect();
            if let Some(map) = account.as_object_mut() {
                map.insert("stream_detail".into(), Value::Array(details));
            }
        }
        Some(account)
    }

    fn stream_detail(&self, now: UnixNanos, name: &str, opts: JszOptions) -> Option<Value> {
        let info = self.stream_info(name, now).ok()?;
        let mut detail = json!({
            "name": name,
            "created": info.created,
            "cluster": info.cluster,
            "state": info.state,
        });
        let map = detail.as_object_mut()?;
        if opts.config {
            map.insert("config".into(), serde_json::to_value(&info.config).ok()?);
        }
        if opts.consumers {
            let entry = self.streams.get(name)?;
            let consumers: Vec<Value> = entry
                .consumers
                .values()
                .map(|c| {
                    let mut ci = serde_json::to_value(c.consumer.info(now, entry.stream.store()))
                        .unwrap_or(Value::Null);
                    if let (false, Some(m)) = (opts.config, ci.as_object_mut()) {
                        m.remove("config");
                    }
                    ci
                })
                .collect();
            map.insert("consumer_detail".into(), Value::Array(consumers));
        }
        Some(detail)
    }
}
