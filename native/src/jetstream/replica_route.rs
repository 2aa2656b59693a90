//! Which server answers an API request about a replicated stream, and the loopback group
//! that runs the replicated path on one server (tests).
//!
//! In a cluster every server receives every `$JS.API` request. A server holding a replica
//! of the stream handles stream-level requests: the leader collects writes for the stream's
//! log and answers reads and step-downs, followers stay silent. Everything else (the set of
//! streams, unknown streams) goes to the cluster controller, where the meta leader answers.

use std::sync::Arc;

use bytes::Bytes;
use rill_core::jetstream::api::ApiRequest;
use rill_core::jetstream::cluster::{api_scope, ApiScope, InputKind};
use rill_core::proto::Publish;
use tracing::warn;

use super::replica::{Replica, ReplicaInput, StreamGroup};
use super::service::{Input, Service};

/// A one-member group that commits every proposal at once, by sending it back to the
/// service: the replicated path on a single server, for tests.
#[derive(Debug)]
pub struct LoopbackGroup {
    stream: Arc<str>,
    tx: tokio::sync::mpsc::Sender<Input>,
    index: std::sync::atomic::AtomicU64,
}

impl StreamGroup for LoopbackGroup {
    fn propose(&self, entry: Vec<u8>) {
        let index = self
            .index
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let input = Input::Replica(ReplicaInput::Apply {
            stream: self.stream.clone(),
            index,
            entry: Bytes::from(entry),
            done: None,
        });
        if self.tx.try_send(input).is_err() {
            warn!(stream = %self.stream, index, "loopback group: service queue full, entry dropped");
        }
    }

    fn step_down(&self, _preferred: Option<&str>) {}
}

impl Service {
    /// A loopback replica for a stream being created (`loopback_replication`).
    pub(super) fn loopback_replica(&self, stream: &str) -> Replica {
        let group = LoopbackGroup {
            stream: Arc::from(stream),
            tx: self.input_sender(),
            index: std::sync::atomic::AtomicU64::new(0),
        };
        let mut replica = Replica::new(Arc::new(group), 0);
        replica.leader = true;
        replica
    }

    /// In a cluster, hands requests that are not about a stream held here (stream create,
    /// names, account info, unknown streams) to the controller; returns whether it did.
    pub(super) fn route_to_cluster(&mut self, req: &ApiRequest, msg: &Publish) -> bool {
        if self.applying || !self.cfg.clustered {
            return false;
        }
        if self.cluster.is_none() {
            // The controller is not up yet: nobody here answers.
            return true;
        }
        let local = match api_scope(req) {
            ApiScope::Meta => false,
            ApiScope::StreamRead(n) | ApiScope::StreamWrite(n) | ApiScope::StreamStepdown(n) => {
                self.streams.contains_key(n)
            }
        };
        if !local {
            self.forward_to_cluster(msg);
        }
        !local
    }

    /// Sends a request to the cluster controller.
    pub(super) fn forward_to_cluster(&mut self, msg: &Publish) {
        if let Some(link) = &self.cluster {
            let input = super::cluster::controller::ControlInput::Api(msg.clone());
            if link.tx.send(input).is_err() {
                warn!("cluster controller gone: API request dropped");
            }
        }
    }

    /// Routes an API request about a replicated stream: writes are collected for the
    /// stream's log (by its leader), reads and step-downs answered by its leader only.
    /// Returns false when the request is handled as on a single server.
    pub(super) fn route_replicated(&mut self, req: &ApiRequest, kind: &str, msg: &Publish) -> bool {
        if self.applying {
            return false;
        }
        let (stream, scope) = match api_scope(req) {
            ApiScope::Meta => return false,
            s @ (ApiScope::StreamRead(n)
            | ApiScope::StreamWrite(n)
            | ApiScope::StreamStepdown(n)) => (n.to_string(), s),
        };
        let Some(replica) = self.streams.get(&stream).and_then(|e| e.replica.as_ref()) else {
            return false;
        };
        let leader = replica.leader;
        match scope {
            ApiScope::StreamWrite(_) => {
                self.divert(&stream, InputKind::Api, msg);
                true
            }
            ApiScope::StreamStepdown(_) if leader => {
                let preferred = preferred_server(&msg.payload);
                match preferred.as_deref() {
                    Some(p) if !replica.group.has_member(p) => {
                        let e = rill_core::jetstream::api::ApiError::new(
                            rill_core::jetstream::api::ErrorId::ClusterPeerNotMember,
                        );
                        self.pending_replies_msg(super::service::json_msg(
                            msg.reply.clone().unwrap_or_default(),
                            Bytes::from(rill_core::jetstream::api::error_json(kind, &e)),
                        ));
                    }
                    p => {
                        replica.group.step_down(p);
                        let body = serde_json::json!({ "success": true });
                        self.reply(msg.reply.as_ref(), kind, &body);
                    }
                }
                true
            }
            // Only the leader answers; the others stay silent.
            _ => !leader,
        }
    }
}

/// `{"placement": {"preferred": "<server>"}}` of a leader step-down request.
pub fn preferred_server(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v["placement"]["preferred"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(String::from)
}
