//! The shared handle of one route: its outbound buffer (a [`Client`] the writer task drains),
//! what the peer said about itself, and the remote interest it announced.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use rill_core::proto::json::RouteInfo;
use rill_core::proto::route::{write_rmsg, RoutedMsgRef};
use rill_core::proto::Publish;

use crate::server::client::{lock, Client, FlushList, Subscription};

/// The account every route message carries (Rill has one global account).
pub const GLOBAL_ACCOUNT: &[u8] = b"$G";

/// Key of a remote subscription: subject and queue group.
pub type RemoteKey = (Bytes, Option<Bytes>);

/// One route connection. Subscriptions of remote interest point at it.
#[derive(Debug)]
pub struct Route {
    /// Route id (`rid` in `/routez`), from the server's connection id counter.
    pub rid: u64,
    /// Outbound buffer, writer wake-up, counters and close signal.
    pub conn: Arc<Client>,
    /// This server dialled it.
    pub did_solicit: bool,
    /// It was dialled because the configuration lists it.
    pub is_configured: bool,
    /// The peer's `INFO`, once received (the route URL fixed up to a dialable host).
    pub remote: OnceLock<RouteInfo>,
    /// The peer's latest client URLs (an `INFO` update may change them).
    pub remote_client_urls: Mutex<Vec<String>>,
    /// Remote interest announced with `RS+`, as index subscriptions.
    pub remote_subs: Mutex<HashMap<RemoteKey, Arc<Subscription>>>,
    /// Set once the route is in the route table.
    pub registered: AtomicBool,
}

impl Route {
    /// A new, not yet registered route over a connection from/to `addr`.
    pub fn new(rid: u64, addr: SocketAddr, did_solicit: bool, is_configured: bool) -> Arc<Route> {
        Arc::new(Route {
            rid,
            conn: Client::new(rid, addr, super::ROUTE_PENDING_BYTES_MAX),
            did_solicit,
            is_configured,
            remote: OnceLock::new(),
            remote_client_urls: Mutex::new(Vec::new()),
            remote_subs: Mutex::new(HashMap::new()),
            registered: AtomicBool::new(false),
        })
    }

    /// The peer's server id (empty before its INFO).
    pub fn remote_id(&self) -> &str {
        self.remote.get().map_or("", |i| i.server_id.as_str())
    }

    /// Queues raw frames and wakes the writer (control traffic: never refused for size).
    pub fn send_control(&self, write: impl FnOnce(&mut bytes::BytesMut)) {
        if self.conn.enqueue(0, write).is_ok() {
            self.conn.flush.notify_one();
        }
    }

    /// Queues one message for the peer with the queue groups it must deliver to; the writer is
    /// woken through `flush`. Returns false when the route refused it (closing or slow).
    pub fn send_msg(&self, msg: &Publish, queues: &[Bytes], flush: &mut FlushList) -> bool {
        let headers = msg.headers.as_deref();
        let size = msg.subject.len()
            + msg.payload.len()
            + headers.map_or(0, <[u8]>::len)
            + msg.reply.as_ref().map_or(0, Bytes::len)
            + queues.iter().map(|q| q.len() + 1).sum::<usize>()
            + 64;
        let queued = self.conn.enqueue(size, |buf| {
            write_rmsg(
                buf,
                &RoutedMsgRef {
                    account: GLOBAL_ACCOUNT,
                    subject: &msg.subject,
                    reply: msg.reply.as_deref(),
                    queues,
                    headers,
                    payload: &msg.payload,
                },
            )
        });
        if queued.is_err() {
            return false;
        }
        let bytes = msg.payload.len() as u64 + headers.map_or(0, |h| h.len() as u64);
        self.conn.stats.out_msgs.fetch_add(1, Ordering::Relaxed);
        self.conn
            .stats
            .out_bytes
            .fetch_add(bytes, Ordering::Relaxed);
        flush.add(&self.conn);
        true
    }

    /// Number of remote subscriptions.
    pub fn remote_sub_count(&self) -> usize {
        lock(&self.remote_subs).len()
    }
}

/// Routes one message goes to, each with the queue groups picked on it. Most publishes touch no
/// route, so this allocates nothing until one is added.
#[derive(Debug, Default)]
pub struct RouteFanout(Vec<(Arc<Route>, Vec<Bytes>)>);

impl RouteFanout {
    /// Adds `route` (once), with `queue` if a queue member there was picked.
    pub fn add(&mut self, route: &Arc<Route>, queue: Option<&Bytes>) {
        let i = match self.0.iter().position(|(r, _)| Arc::ptr_eq(r, route)) {
            Some(i) => i,
            None => {
                self.0.push((route.clone(), Vec::new()));
                self.0.len() - 1
            }
        };
        if let Some(q) = queue {
            self.0[i].1.push(q.clone());
        }
    }

    /// Whether no route was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sends `msg` to every route added. Returns how many took it.
    pub fn send(&self, msg: &Publish, flush: &mut FlushList) -> usize {
        self.0
            .iter()
            .filter(|(r, queues)| r.send_msg(msg, queues, flush))
            .count()
    }
}
