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
    /// This server's part in a cluster, when `cluster { listen }` is configured.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
    /// The JetStream service's input, once it runs (monitoring asks it for `/jsz`).
    pub jetstream: std::sync::OnceLock<tokio::sync::mpsc::Sender<crate::jetstream::service::Input>>,
    /// The JetStream meta group as this server sees it (clustered JetStream only; `None`
    /// until the meta group is open): `/healthz`, `/jsz` and `$JS.API.INFO` read it.
    pub jetstream_meta: std::sync::RwLock<Option<crate::jetstream::cluster::MetaView>>,
}

impl Shared {
    /// Builds the shared state for `opts` with a finished INFO template.
    pub fn new(
        opts: ServerOptions,
        info: ServerInfo,
        cluster: Option<Arc<crate::cluster::Cluster>>,
    ) -> Arc<Shared> {
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
            cluster,
            jetstream: std::sync::OnceLock::new(),
            jetstream_meta: std::sync::RwLock::new(None),
        })
    }

    /// The core's notion of now.
    pub fn now(&self) -> rill_core::Instant {
        rill_core::Instant(self.origin.elapsed().as_nanos() as u64)
    }

    /// Adds a subscription to the index (and announces it to routes if it propagates).
    pub fn add_subscription(
        &self,
        sub: &Arc<Subscription>,
    ) -> Result<(), rill_core::sublist::SublistError> {
        {
            let mut sl = lock(&self.sublist);
            sl.insert(&sub.subject, sub.queue.as_deref(), SubRef(sub.clone()))?;
            self.sublist_genid.store(sl.genid(), Ordering::Release);
        }
        if let (Some(c), true) = (&self.cluster, sub.propagate) {
            c.local_interest_added(&sub.subject, sub.queue.as_ref());
        }
        Ok(())
    }

    /// Removes a subscription from the index (and withdraws it from routes when it was the
    /// last one for its subject). Removing twice is harmless.
    pub fn remove_subscription(&self, sub: &Arc<Subscription>) {
        let found = {
            let mut sl = lock(&self.sublist);
            let found = sl.remove(&sub.subject, sub.queue.as_deref(), &SubRef(sub.clone()));
            self.sublist_genid.store(sl.genid(), Ordering::Release);
            found
        };
        if let (Some(c), true, true) = (&self.cluster, sub.propagate, found) {
            c.local_interest_removed(&sub.subject, sub.queue.as_ref());
        }
    }

    /// Removes a client and all its subscriptions.
    pub fn remove_client(&self, client: &Arc<Client>) {
        let subs: Vec<Arc<Subscription>> = lock(&client.subs).drain().map(|(_, s)| s).collect();
        for s in &subs {
            self.remove_subscription(s);
        }
        lock(&self.clients).remove(&client.cid);
    }

    /// The `connect_urls` a client's INFO carries: the cluster's client URLs, or the
    /// configured `client_advertise` on a single server.
    pub fn connect_urls(&self) -> Vec<String> {
        match &self.cluster {
            Some(c) if !c.config.no_advertise => c.connect_urls(),
            _ => self.info.connect_urls.clone(),
        }
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
