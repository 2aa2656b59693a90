//! The API requests the meta leader answers: stream create, update, delete, names, list,
//! account info, meta step-down, and "not found" for streams nobody holds.
//!
//! Checks and placement are the core's (`rill_core::jetstream::cluster::plan_*`); here they
//! meet the meta group: a change is proposed, and once committed the servers holding the
//! stream act on it (the new stream's first leader answers a create; the stream's leader an
//! update). Lists and account totals are gathered from the stream leaders with internal
//! `STREAM.INFO` requests, in a task of their own.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rill_core::jetstream::api::{
    error_json, response_json, AccountInfo, ApiError, ApiRequest, ErrorId, StorageType,
    StreamCreateResponse, StreamInfo, StreamInfoResponse, StreamListResponse, StreamNamesResponse,
    StreamState, SuccessResponse, Timestamp,
};
use rill_core::jetstream::cluster::{
    evacuate, peer_id, plan_stream_create, plan_stream_delete, plan_stream_update, stream_names,
    Candidate, CreatePlan, MetaCommand,
};
use rill_core::proto::Publish;
use tracing::warn;

use super::controller::Controller;
use super::request::request;
use crate::jetstream::service::unix_now;
use crate::raft::ProposeError;

/// Page sizes, as nats-server's.
const NAMES_PAGE: usize = 1024;
const LIST_PAGE: usize = 256;
/// How long the meta leader waits for one stream leader's info.
const INFO_WAIT_MS: u64 = 1_000;

impl Controller {
    /// Handles a request forwarded by the service (see the module docs).
    pub(super) async fn handle_api(&mut self, msg: Publish) {
        if !self.meta_leader.load(Ordering::Acquire) {
            return;
        }
        let subject = String::from_utf8_lossy(&msg.subject).into_owned();
        let to = msg.reply.clone();
        let req = match ApiRequest::parse(&subject) {
            Ok(r) => r,
            Err(e) => return self.send(to, Bytes::from(error_json("api", &e))),
        };
        let kind = req.response_kind().unwrap_or("api");
        if let Err(e) = self.dispatch(&req, kind, &msg).await {
            self.send(to, Bytes::from(error_json(kind, &e)));
        }
    }

    async fn dispatch(
        &mut self,
        req: &ApiRequest,
        kind: &str,
        msg: &Publish,
    ) -> Result<(), ApiError> {
        let to = msg.reply.clone();
        let body = &msg.payload[..];
        let reply = to.as_ref().map(|r| String::from_utf8_lossy(r).into_owned());
        match req {
            ApiRequest::StreamCreate(name) => {
                let plan = {
                    let a = self.read_assignments();
                    let group = format!(
                        "S-{name}-{}",
                        crate::server::ids::random_token::<8>(
                            b"abcdefghijklmnopqrstuvwxyz0123456789"
                        )
                    );
                    plan_stream_create(
                        &a,
                        name,
                        body,
                        reply.as_deref(),
                        &self.candidates(),
                        unix_now(),
                        group,
                    )?
                };
                match plan {
                    CreatePlan::Propose(cmd) => self.propose(cmd).await?,
                    CreatePlan::Exists(s) => {
                        let info = StreamInfo {
                            config: s.config,
                            created: Timestamp(s.created),
                            state: StreamState::default(),
                            ts: Timestamp(unix_now()),
                            ..StreamInfo::default()
                        };
                        let resp = StreamCreateResponse {
                            info,
                            did_create: false,
                        };
                        self.send(to, Bytes::from(response_json(kind, &resp)));
                    }
                }
            }
            ApiRequest::StreamUpdate(name) => {
                let cmd =
                    plan_stream_update(&self.read_assignments(), name, body, reply.as_deref())?;
                self.propose(cmd).await?;
            }
            ApiRequest::StreamDelete(name) => {
                let cmd = plan_stream_delete(&self.read_assignments(), name)?;
                self.propose(cmd).await?;
                self.send(
                    to,
                    Bytes::from(response_json(kind, &SuccessResponse { success: true })),
                );
            }
            ApiRequest::StreamNames => {
                let (total, streams, offset) =
                    stream_names(&self.read_assignments(), body, NAMES_PAGE)?;
                let resp = StreamNamesResponse {
                    total,
                    offset,
                    limit: NAMES_PAGE as u64,
                    streams: Some(streams),
                };
                self.send(to, Bytes::from(response_json(kind, &resp)));
            }
            ApiRequest::StreamList => {
                let (total, names, offset) =
                    stream_names(&self.read_assignments(), body, LIST_PAGE)?;
                let (shared, kind) = (self.shared.clone(), kind.to_string());
                tokio::spawn(async move {
                    let (streams, missing) = gather(&shared, &names).await;
                    let resp = StreamListResponse {
                        total,
                        offset,
                        limit: LIST_PAGE as u64,
                        streams,
                        missing,
                    };
                    reply_with(&shared, to, Bytes::from(response_json(&kind, &resp)));
                });
            }
            ApiRequest::Info => {
                let names: Vec<String> = self.read_assignments().streams.keys().cloned().collect();
                let (shared, kind) = (self.shared.clone(), kind.to_string());
                tokio::spawn(async move {
                    let (infos, _) = gather(&shared, &names).await;
                    let mut info = AccountInfo {
                        streams: names.len() as u64,
                        ..AccountInfo::default()
                    };
                    info.api.level = rill_core::jetstream::api::API_LEVEL;
                    for i in infos {
                        info.consumers += i.state.consumer_count;
                        match i.config.storage {
                            StorageType::Memory => info.memory += i.state.bytes,
                            StorageType::File => info.storage += i.state.bytes,
                        }
                    }
                    reply_with(&shared, to, Bytes::from(response_json(&kind, &info)));
                });
            }
            ApiRequest::ServerRemove => {
                self.remove_server(body).await?;
                self.send(
                    to,
                    Bytes::from(response_json(kind, &SuccessResponse { success: true })),
                );
            }
            ApiRequest::MetaLeaderStepdown => {
                let meta = self.meta.clone();
                let target = crate::jetstream::replica_route::preferred_server(body)
                    .map(|p| rill_core::jetstream::cluster::node_id(&p));
                if let Some(t) = target {
                    if !meta.members().contains_key(&t) {
                        return Err(ApiError::new(ErrorId::ClusterPeerNotMember));
                    }
                }
                tokio::spawn(async move {
                    if let Err(e) = meta.step_down_to(target).await {
                        warn!("meta leader step-down: {e}");
                    }
                });
                self.send(
                    to,
                    Bytes::from(response_json(kind, &SuccessResponse { success: true })),
                );
            }
            other => {
                // About one stream: its leader answers; a stream nobody holds is not found.
                if let Some(name) = stream_of(other) {
                    if self.assignment(name).is_none() {
                        return Err(ApiError::stream_not_found());
                    }
                    return Ok(());
                }
                return Err(ApiError::with_err(
                    ErrorId::BadRequest,
                    "this JetStream API is not available in rill yet",
                ));
            }
        }
        Ok(())
    }

    /// `SERVER.REMOVE` (`{"peer": name}` or `{"peer_id": id}`): moves the server's replicas
    /// to other servers and takes it out of the meta group.
    async fn remove_server(&mut self, body: &[u8]) -> Result<(), ApiError> {
        let req: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| ApiError::with_err(ErrorId::BadRequest, e))?;
        let peer = req["peer"].as_str().unwrap_or_default();
        let id = req["peer_id"].as_str().unwrap_or_default();
        let candidates = self.candidates();
        let Some(name) = candidates
            .iter()
            .map(|c| c.name.clone())
            .find(|n| (!peer.is_empty() && n == peer) || (!id.is_empty() && peer_id(n) == id))
        else {
            return Err(ApiError::new(ErrorId::ClusterServerNotMember));
        };
        if name == self.cfg.server_name {
            // The leader hands over first; the new leader removes this server.
            return Err(ApiError::with_err(
                ErrorId::BadRequest,
                "the meta leader can not remove itself, step down first",
            ));
        }
        let moves = evacuate(&self.read_assignments(), &name, &candidates);
        for cmd in moves {
            self.propose(cmd).await?;
        }
        self.propose(MetaCommand::RemoveServer { name }).await
    }

    fn read_assignments(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, rill_core::jetstream::cluster::Assignments> {
        self.assignments
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Servers replicas may go to: the meta group's members, online as the leader sees them.
    pub(super) fn candidates(&self) -> Vec<Candidate> {
        let status = self.meta.status();
        let mut out: Vec<Candidate> = status
            .replicas
            .iter()
            .filter(|r| r.voter)
            .map(|r| Candidate {
                name: r.server.clone(),
                online: !r.offline,
            })
            .collect();
        out.push(Candidate {
            name: self.cfg.server_name.clone(),
            online: true,
        });
        out
    }

    async fn propose(&mut self, cmd: MetaCommand) -> Result<(), ApiError> {
        let bytes =
            serde_json::to_vec(&cmd).map_err(|e| ApiError::with_err(ErrorId::BadRequest, e))?;
        match self.meta.propose(bytes).await {
            Ok(r) if r == b"refused" => Err(match cmd {
                MetaCommand::AddStream(_) => ApiError::new(ErrorId::StreamNameExist),
                _ => ApiError::stream_not_found(),
            }),
            Ok(_) => Ok(()),
            Err(ProposeError::NotLeader { .. }) => Err(ApiError::new(ErrorId::ClusterNotLeader)),
            Err(e) => Err(ApiError::with_err(ErrorId::ClusterNotAvail, e)),
        }
    }

    fn send(&mut self, to: Option<Bytes>, body: Bytes) {
        if let Some(to) = to {
            self.publisher.publish(&Publish {
                subject: to,
                reply: None,
                headers: None,
                payload: body,
            });
            self.publisher.flush();
        }
    }
}

/// The stream a stream-level request is about.
fn stream_of(req: &ApiRequest) -> Option<&str> {
    match rill_core::jetstream::cluster::api_scope(req) {
        rill_core::jetstream::cluster::ApiScope::Meta => None,
        rill_core::jetstream::cluster::ApiScope::StreamRead(s)
        | rill_core::jetstream::cluster::ApiScope::StreamWrite(s)
        | rill_core::jetstream::cluster::ApiScope::StreamStepdown(s) => Some(s),
    }
}

/// Asks each stream's leader for its info; returns the infos and the streams that did not
/// answer in time.
async fn gather(
    shared: &Arc<crate::server::state::Shared>,
    names: &[String],
) -> (Vec<StreamInfo>, Vec<String>) {
    let asks = names.iter().map(|n| {
        let subject = format!("$JS.API.STREAM.INFO.{n}");
        async move {
            let r = request(
                shared,
                &subject,
                Bytes::new(),
                Duration::from_millis(INFO_WAIT_MS),
            )
            .await;
            (
                n.clone(),
                r.and_then(|b| serde_json::from_slice::<StreamInfoResponse>(&b).ok()),
            )
        }
    });
    let mut infos = Vec::new();
    let mut missing = Vec::new();
    for (name, info) in futures::future::join_all(asks).await {
        match info {
            Some(i) => infos.push(i.info),
            None => missing.push(name),
        }
    }
    (infos, missing)
}

fn reply_with(shared: &Arc<crate::server::state::Shared>, to: Option<Bytes>, body: Bytes) {
    if let Some(to) = to {
        crate::server::internal::publish_once(shared, to, body);
    }
}
