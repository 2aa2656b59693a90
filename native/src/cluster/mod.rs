//! Core NATS clustering over routes: a full mesh of servers exchanging interest and messages.
//!
//! Each server listens for routes and dials the configured ones (forever, with a capped,
//! jittered back-off) and the ones other servers tell it about (a few times). A route starts
//! with `INFO` both ways (the dialling side sends `CONNECT` first); a server that registers a
//! new route forwards the new peer's `INFO` to its other routes, so every server ends up dialling
//! every other (gossip). Two routes between the same pair are resolved by keeping the one dialled
//! by the server with the smaller id, on both sides.
//!
//! Interest: local subscriptions (clients, and internal ones that propagate) are counted per
//! subject and queue group ([`interest`]); the first subscription sends `RS+` to every route, the
//! last one `RS-` (queue groups re-send `RS+` with their weight on each change). Remote interest
//! sits in the server's one interest index as subscriptions whose target is the [`Route`], so a
//! publish reaches each interested route once (`server/deliver.rs`). Messages from a route are
//! delivered to local subscribers only.
//!
//! [`Cluster`] is this server's view of the cluster: its identity, the routes, and a
//! `tokio::sync::watch` of known peers ([`PeerInfo`]) other services (clustered JetStream) watch.

pub mod config;
pub mod inbox;
pub mod interest;
pub mod route;
mod session;
mod solicit;
mod table;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use rill_core::proto::json::RouteInfo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::warn;

pub use config::{ClusterConfig, ClusterConfigError, RouteUrl};
pub use route::Route;

use crate::server::client::lock;
use crate::server::state::Shared;
use interest::LocalInterest;
use table::RouteTable;

/// Most routes one server keeps (peers beyond it are refused).
pub const ROUTES_MAX: usize = 1024;
/// Outbound bytes queued for one route before it is cut off as a slow consumer.
pub const ROUTE_PENDING_BYTES_MAX: usize = 64 * 1024 * 1024;
/// Longest route control line (INFO carries URL lists, RMSG queue names).
pub const ROUTE_CONTROL_LINE_BYTES_MAX: usize = 64 * 1024;
/// Routes accept messages up to this size at least (or `max_payload` when larger): the
/// servers' own messages (Raft RPCs, up to 4 MiB) are bigger than a client may publish.
pub const ROUTE_PAYLOAD_BYTES_MIN: usize = 8 * 1024 * 1024;
/// Remote subscriptions one route may hold.
pub const ROUTE_REMOTE_SUBS_MAX: usize = 1 << 20;
/// Time for a new route to complete its INFO exchange.
pub const ROUTE_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for a dial to connect.
pub const ROUTE_DIAL_TIMEOUT: Duration = Duration::from_secs(2);
/// First reconnect delay of a route; doubles per failure up to [`ROUTE_RECONNECT_DELAY_MAX`].
pub const ROUTE_RECONNECT_DELAY_MIN: Duration = Duration::from_millis(100);
/// Longest reconnect delay of a route (before jitter).
pub const ROUTE_RECONNECT_DELAY_MAX: Duration = Duration::from_secs(2);
/// The first PING on a new route goes out this early.
pub const ROUTE_FIRST_PING_DELAY: Duration = Duration::from_secs(1);

/// Another server of the cluster, as this server knows it: every server it had a route to, by
/// server id (a server restarted under the same name replaces its old entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// Server id.
    pub server_id: String,
    /// Server name.
    pub server_name: String,
    /// Cluster name it reported.
    pub cluster: String,
    /// Route URL to dial it (`nats-route://host:port/`).
    pub route_url: String,
    /// Its client URLs (`host:port`).
    pub client_urls: Vec<String>,
    /// JetStream enabled there.
    pub jetstream: bool,
    /// A route to it is up now.
    pub connected: bool,
    /// When a route to it last came up or went down.
    pub last_seen: SystemTime,
}

/// This server's part in a cluster. See the module docs.
#[derive(Debug)]
pub struct Cluster {
    /// Cluster name (configured, or generated when [`Cluster::name_dynamic`]).
    pub name: String,
    /// The name was generated: peers with another name are accepted.
    pub name_dynamic: bool,
    /// This server's id.
    pub server_id: String,
    /// This server's name.
    pub server_name: String,
    /// The route URL other servers dial to reach this one.
    pub route_url: String,
    /// Where routes are accepted.
    pub listen_addr: SocketAddr,
    /// This server's client URLs (`host:port`) as told to peers (empty with `no_advertise`).
    pub client_urls: Vec<String>,
    /// JetStream enabled here.
    pub jetstream: bool,
    /// The checked configuration.
    pub config: ClusterConfig,
    peers: watch::Sender<BTreeMap<String, PeerInfo>>,
    pub(crate) table: Mutex<RouteTable>,
    pub(crate) interest: Mutex<LocalInterest>,
    connect_urls: Mutex<Vec<String>>,
}

/// Identity of this server for [`Cluster::bind`].
#[derive(Debug, Clone)]
pub struct LocalIdentity {
    /// Server id.
    pub server_id: String,
    /// Server name.
    pub server_name: String,
    /// This server's own client URL (`host:port`), if it has a dialable one.
    pub client_url: Option<String>,
    /// JetStream enabled.
    pub jetstream: bool,
}

impl Cluster {
    /// Binds the route listener and builds the cluster view (nothing runs until [`start`]).
    pub async fn bind(
        config: ClusterConfig,
        me: LocalIdentity,
    ) -> anyhow::Result<(Arc<Cluster>, TcpListener)> {
        let listener = TcpListener::bind((config.listen_host.as_str(), config.listen_port))
            .await
            .with_context(|| {
                format!(
                    "cannot listen for route connections on {}",
                    config::join_host_port(&config.listen_host, config.listen_port)
                )
            })?;
        let listen_addr = listener.local_addr()?;
        let (host, port) = config
            .advertise
            .clone()
            .unwrap_or_else(|| (config.listen_host.clone(), listen_addr.port()));
        let (name, name_dynamic) = match &config.name {
            Some(n) => (n.clone(), false),
            None => (
                crate::server::ids::random_token::<22>(
                    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                ),
                true,
            ),
        };
        let client_urls = if config.no_advertise {
            Vec::new()
        } else {
            me.client_url.iter().cloned().collect()
        };
        let cluster = Arc::new(Cluster {
            name,
            name_dynamic,
            route_url: format!("nats-route://{}/", config::join_host_port(&host, port)),
            server_id: me.server_id,
            server_name: me.server_name,
            listen_addr,
            connect_urls: Mutex::new(client_urls.clone()),
            client_urls,
            jetstream: me.jetstream,
            config,
            peers: watch::channel(BTreeMap::new()).0,
            table: Mutex::new(RouteTable::default()),
            interest: Mutex::new(LocalInterest::default()),
        });
        Ok((cluster, listener))
    }

    /// Known peers by server id; changes whenever a route comes up or goes down.
    pub fn peers(&self) -> watch::Receiver<BTreeMap<String, PeerInfo>> {
        self.peers.subscribe()
    }

    /// Snapshot of the known peers.
    pub fn peer_list(&self) -> Vec<PeerInfo> {
        self.peers.borrow().values().cloned().collect()
    }

    /// The registered routes (one per connected peer).
    pub fn routes(&self) -> Vec<Arc<Route>> {
        lock(&self.table).routes.values().cloned().collect()
    }

    /// The client URLs clients are told about (`connect_urls`): this server's and every
    /// connected peer's.
    pub fn connect_urls(&self) -> Vec<String> {
        lock(&self.connect_urls).clone()
    }

    /// This server's route `INFO`.
    pub fn route_info(&self, shared: &Shared) -> RouteInfo {
        RouteInfo {
            server_id: self.server_id.clone(),
            server_name: self.server_name.clone(),
            version: crate::server::NATS_COMPAT_VERSION.to_string(),
            proto: 1,
            host: self.listen_addr.ip().to_string(),
            port: self.listen_addr.port(),
            headers: !shared.opts.no_header_support,
            max_payload: shared.opts.max_payload as usize,
            cluster: self.name.clone(),
            cluster_dynamic: self.name_dynamic,
            ip: self.route_url.clone(),
            connect_urls: self.client_urls.clone(),
            jetstream: self.jetstream,
            ldm: false,
        }
    }

    fn update_peers(&self, f: impl FnOnce(&mut BTreeMap<String, PeerInfo>)) {
        self.peers.send_modify(f);
    }
}

/// Starts accepting routes on `listener` and dialling the configured routes.
pub fn start(shared: Arc<Shared>, cluster: Arc<Cluster>, listener: TcpListener) {
    for url in cluster.config.routes.clone() {
        solicit::spawn_configured(shared.clone(), cluster.clone(), url);
    }
    tokio::spawn(accept_loop(shared, cluster, listener));
}

async fn accept_loop(shared: Arc<Shared>, cluster: Arc<Cluster>, listener: TcpListener) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            r = listener.accept() => match r {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let (shared, cluster) = (shared.clone(), cluster.clone());
                    tokio::spawn(async move {
                        session::run(shared, cluster, stream, addr, session::Origin::Accepted).await;
                    });
                }
                Err(e) => {
                    warn!("error accepting route connection: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
