//! Raft RPCs between servers, carried as NATS request/reply over the cluster's routes.
//!
//! A request for group `G` on node `N` is published to `$NRG.<kind>.<G>.<N>` (node ids in
//! hex) with the reply subject `$NRG.R.<me>.<n>`; every node subscribes to its own request
//! subjects and reply subjects, and the routes carry them like any other interest. So Raft
//! traffic takes the same connections, limits and failures as messages do: cutting a route
//! partitions Raft too. The receiving server hands the body to its [`Registry`] on a task of
//! its own and publishes the answer: first byte 0 and the reply body, or 1 and an error text.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use rill_core::proto::Publish;
use tokio::sync::oneshot;
use tracing::debug;

use crate::raft::{NodeId, Registry, RpcKind, Transport, TransportError};
use crate::server::client::InternalSink;
use crate::server::internal::InternalPublisher;
use crate::server::state::Shared;

/// How long a Raft RPC waits for its answer.
pub const RPC_TIMEOUT_MS: u64 = 2_000;
/// Most RPCs waiting for answers at once; more fail at once as unreachable.
pub const RPCS_PENDING_MAX: usize = 16_384;

const OK: u8 = 0;
const ERR: u8 = 1;

type Pending = Mutex<HashMap<u64, oneshot::Sender<Bytes>>>;

/// The Raft transport over routes (see the module docs).
#[derive(Debug)]
pub struct RouteTransport {
    shared: Arc<Shared>,
    me: NodeId,
    next: AtomicU64,
    pending: Arc<Pending>,
}

/// Receives answers to this node's RPCs.
#[derive(Debug)]
struct Replies {
    pending: Arc<Pending>,
}

impl InternalSink for Replies {
    fn deliver(&self, msg: &Publish) -> bool {
        let Some(id) = msg
            .subject
            .rsplit(|b| *b == b'.')
            .next()
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| t.parse::<u64>().ok())
        else {
            return false;
        };
        let waiter = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        if let Some(w) = waiter {
            let _ = w.send(msg.payload.clone());
        }
        true
    }
}

/// Receives RPCs for groups on this node and answers them.
#[derive(Debug)]
struct Requests {
    shared: Arc<Shared>,
    registry: Arc<Registry>,
}

impl InternalSink for Requests {
    fn deliver(&self, msg: &Publish) -> bool {
        let Some(reply) = msg.reply.clone() else {
            return false;
        };
        let Some((kind, group)) = parse_request(&msg.subject) else {
            return false;
        };
        let (shared, registry, body) = (
            self.shared.clone(),
            self.registry.clone(),
            msg.payload.clone(),
        );
        tokio::spawn(async move {
            let answer = match registry.handle(&group, kind, &body).await {
                Ok(mut b) => {
                    b.insert(0, OK);
                    b
                }
                Err(e) => {
                    debug!(group, %kind, "raft rpc refused: {e}");
                    let mut b = vec![ERR];
                    b.extend_from_slice(e.to_string().as_bytes());
                    b
                }
            };
            crate::server::internal::publish_once(&shared, reply, Bytes::from(answer));
        });
        true
    }
}

/// `$NRG.<kind>.<group>.<node>` → (kind, group).
fn parse_request(subject: &[u8]) -> Option<(RpcKind, String)> {
    let s = std::str::from_utf8(subject).ok()?;
    let mut t = s.split('.');
    if t.next()? != "$NRG" {
        return None;
    }
    let kind = RpcKind::parse(t.next()?)?;
    let group = t.next()?.to_string();
    Some((kind, group))
}

impl RouteTransport {
    /// Subscribes this node's request and reply subjects; requests go to `registry`.
    pub fn start(
        shared: Arc<Shared>,
        me: NodeId,
        registry: Arc<Registry>,
    ) -> anyhow::Result<Arc<RouteTransport>> {
        let pending: Arc<Pending> = Arc::default();
        shared.subscribe_internal(
            &format!("$NRG.R.{me:x}.*"),
            None,
            Arc::new(Replies {
                pending: pending.clone(),
            }),
        )?;
        let requests = Arc::new(Requests {
            shared: shared.clone(),
            registry,
        });
        for kind in [
            RpcKind::AppendEntries,
            RpcKind::Vote,
            RpcKind::InstallSnapshot,
            RpcKind::Campaign,
        ] {
            shared.subscribe_internal(
                &format!("$NRG.{}.*.{me:x}", kind.as_str()),
                None,
                requests.clone(),
            )?;
        }
        Ok(Arc::new(RouteTransport {
            shared,
            me,
            next: AtomicU64::new(1),
            pending,
        }))
    }

    async fn call_inner(
        &self,
        to: NodeId,
        group: &str,
        kind: RpcKind,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending.len() >= RPCS_PENDING_MAX {
                return Err(TransportError::Unreachable(to));
            }
            pending.insert(id, tx);
        }
        let msg = Publish {
            subject: Bytes::from(format!("$NRG.{}.{group}.{to:x}", kind.as_str())),
            reply: Some(Bytes::from(format!("$NRG.R.{:x}.{id}", self.me))),
            headers: None,
            payload: Bytes::from(body),
        };
        let mut publisher = InternalPublisher::new(self.shared.clone());
        let delivered = publisher.publish(&msg);
        publisher.flush();
        let forget = || {
            self.pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
        };
        if delivered == 0 {
            forget();
            return Err(TransportError::Unreachable(to));
        }
        match tokio::time::timeout(Duration::from_millis(RPC_TIMEOUT_MS), rx).await {
            Ok(Ok(answer)) => match answer.first() {
                Some(&OK) => Ok(answer[1..].to_vec()),
                _ => Err(TransportError::Remote(
                    String::from_utf8_lossy(answer.get(1..).unwrap_or_default()).into_owned(),
                )),
            },
            Ok(Err(_)) => Err(TransportError::Unreachable(to)),
            Err(_) => {
                forget();
                Err(TransportError::Timeout(to))
            }
        }
    }
}

impl Transport for RouteTransport {
    fn call<'a>(
        &'a self,
        to: NodeId,
        group: &'a str,
        kind: RpcKind,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<Vec<u8>, TransportError>> {
        Box::pin(self.call_inner(to, group, kind, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_subjects_name_kind_and_group() {
        assert_eq!(
            parse_request(b"$NRG.append.S-ORDERS-x1.ab12"),
            Some((RpcKind::AppendEntries, "S-ORDERS-x1".to_string()))
        );
        assert_eq!(parse_request(b"$NRG.bogus.g.1"), None);
        assert_eq!(parse_request(b"$JS.API.INFO"), None);
    }
}
