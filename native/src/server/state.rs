//! State shared by every task of one server: options, the interest index, clients, counters.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rill_core::proto::json::ServerInfo;
use rill_core::sublist::Sublist;
use tokio::sync::watch;

use super::auth::Authenticator;
use super::client::{lock, Client, SubRef, Subscription};
use crate::options::ServerOptions;

/// Server-wide counters (the `/varz` totals).
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Messages received from clients.
    pub in_msgs: AtomicU64,
    /// Payload bytes received.
    pub in_bytes: AtomicU64,
    /// Messages delivered.
    pub out_msgs: AtomicU64,
    /// Payload bytes delivered.
    pub out_bytes: AtomicU64,
    /// Clients cut off for reading too slowly.
    pub slow_consumers: AtomicU64,
    /// Clients closed for not answering PINGs.
    pub stale_connections: AtomicU64,
    /// Connections accepted since start.
    pub total_connections: AtomicU64,
}

/// What every task of a server shares.
#[derive(Debug)]
pub struct Shared {
    /// Options in effect.
    pub opts: ServerOptions,
    /// INFO template (per-connection fields filled at accept).
    pub info: ServerInfo,
    /// Authentication.
    pub auth: Authenticator,
    /// The interest index.
    pub sublist: Mutex<Sublist<SubRef>>,
    /// Mirror of the index generation, readable without the lock.
    pub sublist_genid: AtomicU64,
    /// Open connections by cid.
    pub clients: Mutex<BTreeMap<u64, Arc<Client>>>,
    /// Next connection id.
    pub next_cid: AtomicU64,
    /// Counters.
    pub stats: ServerStats,
    /// Start time.
    pub start: SystemTime,
    /// Monotonic origin for the core's `Instant`.
    pub origin: tokio::time::Instant,
    /// In lame duck mode.
    pub lame_duck: AtomicBool,
    /// Set to true to shut down.
    pub shutdown: watch::Sender<bool>,
    /// Monitoring endpoint hit counters.
    pub http_req_stats: Mutex<BTreeMap<String, u64>>,
    /// The server's own pseudo-client: the sender of internal publishes.
    pub system_client: Arc<Client>,
    /// Subscriptions of internal subscribers (JetStream, system services).
    pub internal_subs: Mutex<Vec<Arc<Subscription>>>,
    /// The JetStream service's input, once it runs (monitoring asks it for `/jsz`).
    pub jetstream: std::sync::OnceLock<tokio::sync::mpsc::Sender<crate::jetstream::service::Input>>,
}

impl Shared {
    /// Builds the shared state for `opts` with a finished INFO template.
    pub fn new(opts: ServerOptions, info: ServerInfo) -> Arc<Shared> {
        let auth = Authenticator::new(opts.auth.clone());
        let (shutdown, _) = watch::channel(false);
        Arc::new(Shared {
            opts,
            info,
            auth,
            sublist: Mutex::new(Sublist::new()),
            sublist_genid: AtomicU64::new(0),
            clients: Mutex::new(BTreeMap::new()),
            next_cid: AtomicU64::new(1),
            stats: ServerStats::default(),
            start: SystemTime::now(),
            origin: tokio::time::Instant::now(),
            lame_duck: AtomicBool::new(false),
            shutdown,
            http_req_stats: Mutex::new(BTreeMap::new()),
            system_client: Client::new(0, std::net::SocketAddr::from(([0, 0, 0, 0], 0)), 0),
            internal_subs: Mutex::new(Vec::new()),
            jetstream: std::sync::OnceLock::new(),
        })
    }

    /// The core's notion of now.
    pub fn now(&self) -> rill_core::Instant {
        rill_core::Instant(self.origin.elapsed().as_nanos() as u64)
    }

    /// Adds a subscription to the index.
    pub fn add_subscription(
        &self,
        sub: &Arc<Subscription>,
    ) -> Result<(), rill_core::sublist::SublistError> {
        let mut sl = lock(&self.sublist);
        sl.insert(&sub.subject, sub.queue.as_deref(), SubRef(sub.clone()))?;
        self.sublist_genid.store(sl.genid(), Ordering::Release);
        Ok(())
    }

    /// Removes a subscription from the index.
    pub fn remove_subscription(&self, sub: &Arc<Subscription>) {
        let mut sl = lock(&self.sublist);
        sl.remove(&sub.subject, sub.queue.as_deref(), &SubRef(sub.clone()));
        self.sublist_genid.store(sl.genid(), Ordering::Release);
    }

    /// Removes a client and all its subscriptions.
    pub fn remove_client(&self, client: &Arc<Client>) {
        let subs: Vec<Arc<Subscription>> = lock(&client.subs).drain().map(|(_, s)| s).collect();
        if !subs.is_empty() {
            let mut sl = lock(&self.sublist);
            for s in &subs {
                sl.remove(&s.subject, s.queue.as_deref(), &SubRef(s.clone()));
            }
            self.sublist_genid.store(sl.genid(), Ordering::Release);
        }
        lock(&self.clients).remove(&client.cid);
    }

    /// Snapshot of open clients.
    pub fn client_list(&self) -> Vec<Arc<Client>> {
        lock(&self.clients).values().cloned().collect()
    }

    /// Counts a monitoring request.
    pub fn count_http(&self, path: &str) {
        *lock(&self.http_req_stats)
            .entry(path.to_string())
            .or_default() += 1;
    }
}
