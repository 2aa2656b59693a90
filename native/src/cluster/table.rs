//! The route table: one registered route per peer, the duplicate rule, gossip of new peers,
//! and what follows a route coming or going (peers view, client `connect_urls`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::BytesMut;
use rill_core::proto::json::RouteInfo;
use tracing::{debug, info};

use rill_core::route_rules::new_route_wins;

use super::route::Route;
use super::{Cluster, PeerInfo, ROUTES_MAX};
use crate::server::client::{lock, CloseKind};
use crate::server::state::Shared;

/// Registered routes by peer id, and peers being dialled after gossip.
#[derive(Debug, Default)]
pub struct RouteTable {
    /// One route per peer.
    pub routes: HashMap<String, Arc<Route>>,
    /// Peers an implicit dial is under way for.
    pub dialing: HashSet<String>,
}

/// Why a route could not be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RegisterError {
    /// Another route to the same peer wins.
    Duplicate,
    /// [`ROUTES_MAX`] routes are up.
    TooMany,
}

impl Cluster {
    /// Registers `route` (its INFO is set) and sends it all local interest, unless another route
    /// to the same peer wins. A losing existing route is closed.
    pub(crate) fn register(
        &self,
        shared: &Shared,
        route: &Arc<Route>,
    ) -> Result<(), RegisterError> {
        let peer_id = route.remote_id().to_string();
        let replaced = {
            let interest = lock(&self.interest);
            let mut table = lock(&self.table);
            let replaced = match table.routes.get(&peer_id) {
                Some(old)
                    if !new_route_wins(
                        &self.server_id,
                        &peer_id,
                        old.did_solicit,
                        route.did_solicit,
                    ) =>
                {
                    return Err(RegisterError::Duplicate)
                }
                Some(old) => Some(old.clone()),
                None if table.routes.len() >= ROUTES_MAX => return Err(RegisterError::TooMany),
                None => None,
            };
            table.routes.insert(peer_id.clone(), route.clone());
            route.registered.store(true, Ordering::Release);
            let mut buf = BytesMut::new();
            interest.write_all(&mut buf);
            route.send_control(|b| b.extend_from_slice(&buf));
            replaced
        };
        if let Some(old) = replaced {
            debug!(rid = old.rid, "closing duplicate route to {peer_id}");
            old.registered.store(false, Ordering::Release);
            super::interest::remove_all_remote(shared, &old);
            old.conn.close(CloseKind::ServerShutdown);
        }
        let remote = route.remote.get().cloned().unwrap_or_default();
        info!(
            rid = route.rid,
            "route connection to {} ({}) established", remote.server_name, remote.ip
        );
        self.peer_up(&remote);
        self.gossip(route, &remote);
        self.refresh_connect_urls(shared);
        Ok(())
    }

    /// Forgets a closing route: its remote interest, and its table entry if it still holds it.
    pub(crate) fn unregister(&self, shared: &Shared, route: &Arc<Route>) {
        super::interest::remove_all_remote(shared, route);
        let peer_id = route.remote_id().to_string();
        let was_current = {
            let mut table = lock(&self.table);
            match table.routes.get(&peer_id) {
                Some(r) if Arc::ptr_eq(r, route) => {
                    table.routes.remove(&peer_id);
                    true
                }
                _ => false,
            }
        };
        route.registered.store(false, Ordering::Release);
        if was_current {
            info!(rid = route.rid, "route connection to {peer_id} closed");
            self.update_peers(|peers| {
                if let Some(p) = peers.get_mut(&peer_id) {
                    p.connected = false;
                    p.last_seen = SystemTime::now();
                }
            });
            self.refresh_connect_urls(shared);
        }
    }

    /// Whether a route to `peer_id` is registered.
    pub fn is_connected(&self, peer_id: &str) -> bool {
        lock(&self.table).routes.contains_key(peer_id)
    }

    fn peer_up(&self, remote: &RouteInfo) {
        let peer = PeerInfo {
            server_id: remote.server_id.clone(),
            server_name: remote.server_name.clone(),
            cluster: remote.cluster.clone(),
            route_url: remote.ip.clone(),
            client_urls: remote.connect_urls.clone(),
            jetstream: remote.jetstream,
            connected: true,
            last_seen: SystemTime::now(),
        };
        self.update_peers(|peers| {
            // A restarted server comes back with a new id: forget its old, disconnected entry.
            peers.retain(|id, p| {
                p.connected || p.server_name != peer.server_name || *id == peer.server_id
            });
            peers.insert(peer.server_id.clone(), peer);
        });
    }

    /// A registered route's peer sent a new INFO about itself: its client URLs changed, or it
    /// entered lame duck mode (then clients are no longer told about it, as nats-server does).
    pub(crate) fn peer_updated(&self, shared: &Shared, route: &Route, info: &RouteInfo) {
        let urls = if info.ldm {
            Vec::new()
        } else {
            info.connect_urls.clone()
        };
        *lock(&route.remote_client_urls) = urls.clone();
        let id = route.remote_id().to_string();
        self.update_peers(|peers| {
            if let Some(p) = peers.get_mut(&id) {
                p.client_urls = urls;
                p.jetstream = info.jetstream;
            }
        });
        self.refresh_connect_urls(shared);
    }

    /// Tells every route this server entered lame duck mode (`INFO` with `ldm`).
    pub fn announce_lame_duck(&self, shared: &Shared) {
        let mut info = self.route_info(shared);
        info.ldm = true;
        let Ok(json) = serde_json::to_vec(&info) else {
            return;
        };
        for route in lock(&self.table).routes.values() {
            route.send_control(|b| {
                b.extend_from_slice(b"INFO ");
                b.extend_from_slice(&json);
                b.extend_from_slice(b"\r\n");
            });
        }
    }

    /// Tells every other route about the peer behind `route`, so they dial it.
    fn gossip(&self, route: &Arc<Route>, remote: &RouteInfo) {
        let Ok(json) = serde_json::to_vec(remote) else {
            return;
        };
        let table = lock(&self.table);
        for other in table.routes.values().filter(|r| !Arc::ptr_eq(r, route)) {
            other.send_control(|b| {
                b.extend_from_slice(b"INFO ");
                b.extend_from_slice(&json);
                b.extend_from_slice(b"\r\n");
            });
        }
    }

    /// Recomputes the client URLs of the cluster; when they change, pushes an async INFO to
    /// clients that asked for them (CONNECT `protocol` 1), as nats-server does.
    pub(crate) fn refresh_connect_urls(&self, shared: &Shared) {
        if self.config.no_advertise {
            return;
        }
        let mut urls = self.client_urls.clone();
        for route in lock(&self.table).routes.values() {
            for u in lock(&route.remote_client_urls).iter() {
                if !urls.contains(u) {
                    urls.push(u.clone());
                }
            }
        }
        {
            let mut current = lock(&self.connect_urls);
            if *current == urls {
                return;
            }
            current.clone_from(&urls);
        }
        let mut info = shared.info.clone();
        info.connect_urls = urls;
        let Ok(json) = serde_json::to_vec(&info) else {
            return;
        };
        for client in shared.client_list() {
            if client.async_info.load(Ordering::Acquire) {
                let ok = client.enqueue(0, |b| {
                    b.extend_from_slice(b"INFO ");
                    b.extend_from_slice(&json);
                    b.extend_from_slice(b"\r\n");
                });
                if ok.is_ok() {
                    client.flush.notify_one();
                }
            }
        }
    }

    /// Claims an implicit dial to `peer_id` unless it is this server, connected, or being
    /// dialled already.
    pub(crate) fn claim_dial(&self, peer_id: &str) -> bool {
        if peer_id == self.server_id {
            return false;
        }
        let mut table = lock(&self.table);
        !table.routes.contains_key(peer_id) && table.dialing.insert(peer_id.to_string())
    }

    /// Ends an implicit dial claim.
    pub(crate) fn release_dial(&self, peer_id: &str) {
        lock(&self.table).dialing.remove(peer_id);
    }
}
