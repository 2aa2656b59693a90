//! The shared handle of one client connection: its outbound buffer, subscriptions and counters.
//!
//! Publishers running on other tasks append `MSG` frames straight into a receiver's
//! [`Outbound`] buffer under a short lock and mark the receiver for a flush; the receiver's
//! writer task swaps the buffer out and writes it. The buffer is bounded by `max_pending`:
//! a receiver that falls further behind is cut off as a slow consumer, so one slow reader never
//! makes the server's memory grow without bound.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use tokio::sync::{watch, Notify};

/// Outbound bytes past which publishers to this client are slowed down.
pub const STALL_PENDING_BYTES: usize = 4 * 1024 * 1024;

/// Why a connection closed (the `reason` of `/connz?state=closed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// The client went away.
    ClientClosed,
    /// Outbound buffer over `max_pending` or a write past the deadline.
    SlowConsumer,
    /// A protocol error.
    ProtocolViolation,
    /// Server shutting down or in lame duck mode.
    ServerShutdown,
}

/// Why frames were not queued for a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The connection is closing.
    Closed,
    /// This frame pushed the client over `max_pending`: it is now cut off.
    BecameSlowConsumer,
}

/// Outbound bytes waiting for the writer task.
#[derive(Debug, Default)]
pub struct Outbound {
    /// Frames to write.
    pub buf: BytesMut,
    /// Bytes the writer has taken and is writing now (they count against `max_pending`).
    pub inflight: usize,
    /// No more frames are accepted; the writer flushes what is here (unless slow) and stops.
    pub closed: bool,
}

impl Outbound {
    /// Bytes queued or being written.
    pub fn pending(&self) -> usize {
        self.buf.len() + self.inflight
    }
}

/// Mutable per-connection facts for monitoring.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    /// CONNECT `name`.
    pub name: Option<String>,
    /// CONNECT `lang`.
    pub lang: Option<String>,
    /// CONNECT `version`.
    pub version: Option<String>,
    /// Authenticated user.
    pub user: Option<String>,
    /// Account.
    pub account: String,
    /// Last time something was received.
    pub last_activity: Option<SystemTime>,
}

/// A subscriber inside the server (JetStream streams and API, system services): it receives
/// messages as values instead of protocol frames on a socket.
pub trait InternalSink: Send + Sync + std::fmt::Debug {
    /// Takes one message. Returns false when the sink refuses it (full or closed): it is then
    /// not counted as delivered. Must not block.
    fn deliver(&self, msg: &rill_core::proto::Publish) -> bool;
}

/// Where a subscription's messages go.
#[derive(Debug, Clone)]
pub enum SubTarget {
    /// A client connection.
    Client(Arc<Client>),
    /// A subscriber inside the server.
    Internal(Arc<dyn InternalSink>),
    /// Interest another server of the cluster announced over a route.
    Route(Arc<crate::cluster::Route>),
}

impl SubTarget {
    /// The client, for client subscriptions.
    pub fn client(&self) -> Option<&Arc<Client>> {
        match self {
            SubTarget::Client(c) => Some(c),
            SubTarget::Internal(_) | SubTarget::Route(_) => None,
        }
    }

    /// The route, for remote interest.
    pub fn route(&self) -> Option<&Arc<crate::cluster::Route>> {
        match self {
            SubTarget::Route(r) => Some(r),
            _ => None,
        }
    }
}

/// One subscription as the index stores it.
#[derive(Debug)]
pub struct Subscription {
    /// Owner.
    pub target: SubTarget,
    /// Client-chosen id.
    pub sid: Bytes,
    /// Subject (may hold wildcards).
    pub subject: Bytes,
    /// Queue group.
    pub queue: Option<Bytes>,
    /// Auto-unsubscribe after this many deliveries (0 = never).
    pub max: AtomicU64,
    /// Deliveries so far.
    pub delivered: AtomicU64,
    /// Announced to the other servers of the cluster (client subscriptions, and internal ones
    /// unless subscribed local-only). Route subscriptions never propagate.
    pub propagate: bool,
    /// For a route's queue subscription: the members behind it (the `RS+` weight), so remote
    /// queue members are picked in proportion. 1 otherwise.
    pub weight: std::sync::atomic::AtomicU32,
}

/// A subscription handle compared by identity, the sublist's item type.
#[derive(Debug, Clone)]
pub struct SubRef(pub Arc<Subscription>);

impl PartialEq for SubRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Counters of one connection.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Messages received from the client.
    pub in_msgs: AtomicU64,
    /// Payload bytes received.
    pub in_bytes: AtomicU64,
    /// Messages delivered to the client.
    pub out_msgs: AtomicU64,
    /// Payload bytes delivered.
    pub out_bytes: AtomicU64,
}

/// The shared side of one client connection.
#[derive(Debug)]
pub struct Client {
    /// Connection id (`client_id`, `cid`).
    pub cid: u64,
    /// Peer address.
    pub addr: SocketAddr,
    /// When it connected.
    pub start: SystemTime,
    out: Mutex<Outbound>,
    /// Wakes the writer task.
    pub flush: Notify,
    /// Woken by the writer after each write, for stalled publishers.
    pub drained: Notify,
    /// Set while the client sits in some publisher's flush list.
    pub flush_queued: AtomicBool,
    /// Delivered messages may carry headers.
    pub headers: AtomicBool,
    /// Deliver this client's own publishes to it.
    pub echo: AtomicBool,
    /// The client takes asynchronous INFO updates (CONNECT `protocol` >= 1).
    pub async_info: AtomicBool,
    /// Authenticated into the system account (`$SYS`): may publish the system-only subjects.
    pub system_account: AtomicBool,
    /// Subscriptions by sid.
    pub subs: Mutex<HashMap<Bytes, Arc<Subscription>>>,
    /// Counters.
    pub stats: ClientStats,
    /// Monitoring facts.
    pub meta: Mutex<ClientMeta>,
    /// Outbound limit (`max_pending`).
    pub pending_bytes_max: usize,
    close_tx: watch::Sender<Option<CloseKind>>,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Client {
    /// A new client handle.
    pub fn new(cid: u64, addr: SocketAddr, pending_bytes_max: usize) -> Arc<Client> {
        let (close_tx, _) = watch::channel(None);
        Arc::new(Client {
            cid,
            addr,
            start: SystemTime::now(),
            out: Mutex::new(Outbound {
                buf: BytesMut::with_capacity(4096),
                inflight: 0,
                closed: false,
            }),
            flush: Notify::new(),
            drained: Notify::new(),
            flush_queued: AtomicBool::new(false),
            headers: AtomicBool::new(false),
            echo: AtomicBool::new(true),
            async_info: AtomicBool::new(false),
            system_account: AtomicBool::new(false),
            subs: Mutex::new(HashMap::new()),
            stats: ClientStats::default(),
            meta: Mutex::new(ClientMeta {
                account: "$G".into(),
                ..ClientMeta::default()
            }),
            pending_bytes_max,
            close_tx,
        })
    }

    /// Locks the outbound buffer.
    pub fn outbound(&self) -> MutexGuard<'_, Outbound> {
        lock(&self.out)
    }

    /// Appends frames with `write` unless closed; cuts the client off as a slow consumer if the
    /// buffer would pass `max_pending`.
    pub fn enqueue(
        &self,
        size_hint: usize,
        write: impl FnOnce(&mut BytesMut),
    ) -> Result<(), Refused> {
        let mut out = self.outbound();
        if out.closed {
            return Err(Refused::Closed);
        }
        if out.pending() + size_hint > self.pending_bytes_max {
            out.closed = true;
            out.buf.clear();
            drop(out);
            self.close(CloseKind::SlowConsumer);
            return Err(Refused::BecameSlowConsumer);
        }
        write(&mut out.buf);
        Ok(())
    }

    /// Bytes waiting to be written.
    pub fn pending_bytes(&self) -> usize {
        self.outbound().pending()
    }

    /// Whether publishers should pause for this client: more is waiting than
    /// [`STALL_PENDING_BYTES`] or half of `max_pending` (nats-server stalls producers at half),
    /// so a burst slows the sender instead of cutting off the receiver or piling up memory.
    pub fn is_stalled(&self) -> bool {
        self.pending_bytes() > STALL_PENDING_BYTES.min(self.pending_bytes_max / 2)
    }

    /// Asks the connection's tasks to stop (first reason wins).
    pub fn close(&self, kind: CloseKind) {
        self.close_tx.send_if_modified(|k| {
            if k.is_none() {
                *k = Some(kind);
                true
            } else {
                false
            }
        });
        self.outbound().closed = true;
        self.flush.notify_one();
    }

    /// Why the connection is closing, if it is.
    pub fn close_kind(&self) -> Option<CloseKind> {
        *self.close_tx.borrow()
    }

    /// A receiver that changes when the connection must close.
    pub fn closed_watch(&self) -> watch::Receiver<Option<CloseKind>> {
        self.close_tx.subscribe()
    }

    /// Snapshot of subscriptions (for monitoring).
    pub fn subscriptions(&self) -> Vec<Arc<Subscription>> {
        lock(&self.subs).values().cloned().collect()
    }
}

/// Clients that received frames during one read batch; flushed once at the batch's end.
#[derive(Debug, Default)]
pub struct FlushList(Vec<Arc<Client>>);

impl FlushList {
    /// Adds `client` unless it is already queued somewhere.
    pub fn add(&mut self, client: &Arc<Client>) {
        if !client.flush_queued.swap(true, Ordering::AcqRel) {
            self.0.push(client.clone());
        }
    }

    /// Wakes every queued writer. Returns a receiver that is stalled (see
    /// [`Client::is_stalled`]), if any, for the publisher to wait on.
    pub fn flush(&mut self) -> Option<Arc<Client>> {
        let mut stalled = None;
        for c in self.0.drain(..) {
            c.flush_queued.store(false, Ordering::Release);
            c.flush.notify_one();
            if stalled.is_none() && c.is_stalled() {
                stalled = Some(c);
            }
        }
        stalled
    }
}
