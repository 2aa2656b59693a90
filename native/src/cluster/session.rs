//! One route connection from handshake to close: INFO exchange, then interest, messages and
//! keep-alive, with the reader on this task and the writer on its own.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rill_core::proto::json::{RouteConnect, RouteInfo};
use rill_core::proto::route::{RouteDecoder, RouteOp, RouteSub, RouteUnsub, RoutedMsg};
use rill_core::proto::{write_err, DecodeLimits};
use rill_core::route_keepalive::{KeepaliveAction, KeepaliveConfig, RouteKeepalive};
use rill_core::route_rules::{judge_info, InfoVerdict, LocalRoute};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tracing::{debug, error, warn};

use super::config::RouteUrl;
use super::route::{Route, GLOBAL_ACCOUNT};
use super::table::RegisterError;
use super::{
    interest, solicit, Cluster, ROUTE_CONTROL_LINE_BYTES_MAX, ROUTE_FIRST_PING_DELAY,
    ROUTE_HANDSHAKE_TIMEOUT, ROUTE_PAYLOAD_BYTES_MIN,
};
use crate::server::client::{lock, CloseKind, FlushList};
use crate::server::connection::write_loop;
use crate::server::deliver::{deliver_routed, RouteCache};
use crate::server::state::Shared;

/// How a route connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RouteEnd {
    /// The peer is this server (a route URL pointing back at us).
    SelfConnect,
    /// Another route to this peer (id) is kept instead.
    Duplicate(String),
    /// Refused during the handshake (cluster name, bad INFO, timeout, too many routes).
    Refused,
    /// Closed; the peer id once known.
    Closed(Option<String>),
}

/// How this side came to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Accepted on the route listener.
    Accepted,
    /// Dialled; `configured` when the configuration lists the URL.
    Dialled {
        /// From the configuration (retried forever) rather than gossip.
        configured: bool,
    },
}

/// Runs one route connection until it closes.
pub(crate) async fn run<S>(
    shared: Arc<Shared>,
    cluster: Arc<Cluster>,
    stream: S,
    addr: SocketAddr,
    origin: Origin,
) -> RouteEnd
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let rid = shared.next_cid.fetch_add(1, Ordering::Relaxed);
    let dialled = matches!(origin, Origin::Dialled { .. });
    let route = Route::new(
        rid,
        addr,
        dialled,
        origin == Origin::Dialled { configured: true },
    );
    let (rd, wr) = tokio::io::split(stream);
    let writer = tokio::spawn(write_loop(shared.clone(), route.conn.clone(), wr));
    if dialled {
        let connect = RouteConnect {
            echo: true,
            headers: !shared.opts.no_header_support,
            name: cluster.server_id.clone(),
            cluster: cluster.name.clone(),
            cluster_dynamic: cluster.name_dynamic,
            ..RouteConnect::default()
        };
        send_json(&route, "CONNECT ", &connect);
    }
    send_json(&route, "INFO ", &cluster.route_info(&shared));
    let mut session = Session {
        shared: shared.clone(),
        cluster: cluster.clone(),
        route: route.clone(),
        addr,
        keepalive: RouteKeepalive::new(
            KeepaliveConfig {
                handshake_timeout: ROUTE_HANDSHAKE_TIMEOUT,
                first_ping_delay: ROUTE_FIRST_PING_DELAY,
                ping_interval: shared.opts.ping_interval,
                pings_out_max: shared.opts.ping_max,
            },
            shared.now(),
        ),
    };
    let end = session.read_loop(rd).await;
    cluster.unregister(&shared, &route);
    route.conn.close(CloseKind::ClientClosed);
    let _ = writer.await;
    debug!(rid, %addr, ?end, "route connection ended");
    end
}

fn send_json<T: serde::Serialize>(route: &Route, verb: &str, value: &T) {
    let Ok(json) = serde_json::to_vec(value) else {
        return;
    };
    route.send_control(|b| {
        b.extend_from_slice(verb.as_bytes());
        b.extend_from_slice(&json);
        b.extend_from_slice(b"\r\n");
    });
}

struct Session {
    shared: Arc<Shared>,
    cluster: Arc<Cluster>,
    route: Arc<Route>,
    addr: SocketAddr,
    keepalive: RouteKeepalive,
}

impl Session {
    fn peer(&self) -> Option<String> {
        self.route.remote.get().map(|i| i.server_id.clone())
    }

    fn registered(&self) -> bool {
        self.route.registered.load(Ordering::Acquire)
    }

    async fn read_loop<R: AsyncRead>(&mut self, rd: R) -> RouteEnd {
        tokio::pin!(rd);
        let limits = DecodeLimits {
            control_line_bytes_max: ROUTE_CONTROL_LINE_BYTES_MAX,
            // Clients are held to max_payload where they publish; routes also carry the
            // server's own larger messages (Raft RPCs up to 4 MiB).
            payload_bytes_max: (self.shared.opts.max_payload as usize).max(ROUTE_PAYLOAD_BYTES_MIN),
        };
        let mut decoder = RouteDecoder::new(limits);
        let mut rbuf = BytesMut::with_capacity(4096);
        let mut closed = self.route.conn.closed_watch();
        let mut cache = RouteCache::default();
        let mut flush = FlushList::default();
        loop {
            let _ = flush.flush();
            if self.route.conn.close_kind().is_some() {
                return RouteEnd::Closed(self.peer());
            }
            let deadline =
                self.shared.origin + Duration::from_nanos(self.keepalive.poll_timeout().0);
            tokio::select! {
                _ = closed.changed() => return RouteEnd::Closed(self.peer()),
                r = rd.read_buf(&mut rbuf) => match r {
                    Ok(0) | Err(_) => return RouteEnd::Closed(self.peer()),
                    Ok(_) => lock(&self.route.conn.meta).last_activity = Some(std::time::SystemTime::now()),
                },
                _ = tokio::time::sleep_until(deadline) => {
                    match self.keepalive.handle_timeout(self.shared.now()) {
                        KeepaliveAction::Nothing => {}
                        KeepaliveAction::SendPing => {
                            self.route.send_control(|b| b.extend_from_slice(b"PING\r\n"))
                        }
                        KeepaliveAction::HandshakeTimedOut => {
                            warn!(addr = %self.addr, "route handshake timed out");
                            return RouteEnd::Refused;
                        }
                        KeepaliveAction::Stale => {
                            warn!(addr = %self.addr, "stale route connection to {}, closing", self.peer().unwrap_or_default());
                            return RouteEnd::Closed(self.peer());
                        }
                    }
                    continue;
                }
            }
            loop {
                match decoder.decode(&mut rbuf) {
                    Ok(None) => break,
                    Ok(Some(op)) => {
                        if let Some(end) = self.handle(op, &mut cache, &mut flush) {
                            let _ = flush.flush();
                            return end;
                        }
                    }
                    Err(e) => {
                        warn!(rid = self.route.rid, addr = %self.addr, "route protocol error: {e}");
                        self.route.send_control(|b| write_err(b, &e.to_string()));
                        return RouteEnd::Closed(self.peer());
                    }
                }
            }
        }
    }

    /// Acts on one operation; `Some` ends the connection.
    fn handle(
        &mut self,
        op: RouteOp,
        cache: &mut RouteCache,
        flush: &mut FlushList,
    ) -> Option<RouteEnd> {
        let registered = self.registered();
        match op {
            RouteOp::Info(json) => return self.info(&json),
            RouteOp::Connect(json) => {
                if serde_json::from_slice::<RouteConnect>(&json).is_err() {
                    self.route.send_control(|b| write_err(b, "Invalid Connect"));
                    return Some(RouteEnd::Refused);
                }
            }
            RouteOp::Ping => self
                .route
                .send_control(|b| b.extend_from_slice(b"PONG\r\n")),
            RouteOp::Pong => self.keepalive.handle_pong(),
            RouteOp::Ok => {}
            RouteOp::Err(text) => {
                warn!(
                    rid = self.route.rid,
                    "route error from peer: {}",
                    String::from_utf8_lossy(&text)
                )
            }
            _ if !registered => {
                self.route
                    .send_control(|b| write_err(b, "Unknown Protocol Operation"));
                return Some(RouteEnd::Refused);
            }
            // Rill has the global account only: other accounts' traffic (nats-server's `$SYS`
            // services, for one) has no subscribers here.
            RouteOp::Sub(RouteSub { account, .. })
            | RouteOp::Unsub(RouteUnsub { account, .. })
            | RouteOp::Msg(RoutedMsg { account, .. })
                if &account[..] != GLOBAL_ACCOUNT => {}
            RouteOp::Sub(sub) => {
                if let Err(text) = interest::remote_sub(&self.shared, &self.route, sub) {
                    self.route.send_control(|b| write_err(b, text));
                }
            }
            RouteOp::Unsub(unsub) => interest::remote_unsub(&self.shared, &self.route, unsub),
            RouteOp::Msg(msg) => {
                let bytes =
                    msg.payload.len() as u64 + msg.headers.as_ref().map_or(0, |h| h.len() as u64);
                let stats = &self.route.conn.stats;
                stats.in_msgs.fetch_add(1, Ordering::Relaxed);
                stats.in_bytes.fetch_add(bytes, Ordering::Relaxed);
                self.shared.stats.in_msgs.fetch_add(1, Ordering::Relaxed);
                self.shared
                    .stats
                    .in_bytes
                    .fetch_add(bytes, Ordering::Relaxed);
                deliver_routed(&self.shared, cache, &msg, flush);
            }
        }
        None
    }

    fn info(&mut self, json: &[u8]) -> Option<RouteEnd> {
        let Ok(mut info) = serde_json::from_slice::<RouteInfo>(json) else {
            warn!(addr = %self.addr, "invalid route INFO");
            self.route.send_control(|b| write_err(b, "Invalid INFO"));
            return Some(RouteEnd::Refused);
        };
        fix_up_hosts(&mut info, self.addr.ip());
        if let Some(known) = self.route.remote.get() {
            if info.server_id == known.server_id {
                self.cluster.peer_updated(&self.shared, &self.route, &info);
            } else {
                self.learned(info);
            }
            return None;
        }
        self.first_info(info)
    }

    fn first_info(&mut self, info: RouteInfo) -> Option<RouteEnd> {
        let c = &self.cluster;
        let local = LocalRoute {
            server_id: &c.server_id,
            cluster: &c.name,
            cluster_dynamic: c.name_dynamic,
        };
        match judge_info(local, &info) {
            InfoVerdict::Accept => {}
            InfoVerdict::MissingId => return Some(RouteEnd::Refused),
            InfoVerdict::SelfConnect => {
                debug!(addr = %self.addr, "detected route to self, ignoring");
                return Some(RouteEnd::SelfConnect);
            }
            InfoVerdict::ClusterNameMismatch => {
                error!(
                    addr = %self.addr,
                    "Rejecting route connection: cluster name {:?} does not match {:?}",
                    info.cluster, c.name
                );
                self.route
                    .send_control(|b| write_err(b, "Cluster Name Conflict"));
                return Some(RouteEnd::Refused);
            }
        }
        *lock(&self.route.remote_client_urls) = info.connect_urls.clone();
        let id = info.server_id.clone();
        let _ = self.route.remote.set(info);
        self.keepalive.handshake_done();
        match c.register(&self.shared, &self.route) {
            Ok(()) => None,
            Err(RegisterError::Duplicate) => {
                debug!(addr = %self.addr, "duplicate route to {id}, closing this one");
                Some(RouteEnd::Duplicate(id))
            }
            Err(RegisterError::TooMany) => {
                warn!(addr = %self.addr, "route refused: {} routes already", super::ROUTES_MAX);
                Some(RouteEnd::Refused)
            }
        }
    }

    /// Gossip: the peer told us about another server; dial it unless known.
    fn learned(&self, info: RouteInfo) {
        if !self.cluster.claim_dial(&info.server_id) {
            return;
        }
        match RouteUrl::parse(&info.ip) {
            Ok(url) => solicit::spawn_implicit(
                self.shared.clone(),
                self.cluster.clone(),
                url,
                info.server_id,
            ),
            Err(e) => {
                warn!("cannot dial gossiped route: {e}");
                self.cluster.release_dial(&info.server_id);
            }
        }
    }
}

/// Replaces an unspecified host (`0.0.0.0`, `::`) in the peer's route and client URLs with
/// the address it connected from, so the URLs can be dialled and told to others. A missing
/// route URL (nats-server sends none unless it advertises one) becomes that address with the
/// route port the peer reported.
fn fix_up_hosts(info: &mut RouteInfo, peer_ip: IpAddr) {
    if info.ip.is_empty() && info.port != 0 {
        let hostport = super::config::join_host_port(&peer_ip.to_string(), info.port);
        info.ip = format!("nats-route://{hostport}/");
    }
    let fix = |hostport: &str| -> Option<String> {
        let (host, port) = super::config::split_host_port(hostport)?;
        let unspecified = host.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified());
        unspecified.then(|| super::config::join_host_port(&peer_ip.to_string(), port))
    };
    if let Some((scheme, rest)) = info.ip.split_once("://") {
        if let Some(fixed) = fix(rest.trim_end_matches('/')) {
            info.ip = format!("{scheme}://{fixed}/");
        }
    }
    for u in &mut info.connect_urls {
        if let Some(fixed) = fix(u) {
            *u = fixed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_hosts_become_the_peer_address() {
        let mut info = RouteInfo {
            ip: "nats-route://0.0.0.0:6222/".into(),
            connect_urls: vec!["0.0.0.0:4222".into(), "10.0.0.9:4222".into()],
            ..RouteInfo::default()
        };
        fix_up_hosts(&mut info, "10.1.2.3".parse().unwrap());
        assert_eq!(info.ip, "nats-route://10.1.2.3:6222/");
        assert_eq!(info.connect_urls, ["10.1.2.3:4222", "10.0.0.9:4222"]);
        let mut info = RouteInfo {
            port: 7000,
            ..RouteInfo::default()
        };
        fix_up_hosts(&mut info, "10.1.2.3".parse().unwrap());
        assert_eq!(info.ip, "nats-route://10.1.2.3:7000/");
    }
}
