//! Dialling routes: configured ones forever with a capped, jittered back-off; gossiped ones a
//! few times (`connect_retries`).

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tracing::{debug, info, warn};

use super::config::RouteUrl;
use super::session::{self, Origin, RouteEnd};
use super::{Cluster, ROUTE_DIAL_TIMEOUT, ROUTE_RECONNECT_DELAY_MAX, ROUTE_RECONNECT_DELAY_MIN};
use crate::server::ids::FastRng;
use crate::server::state::Shared;
use rill_core::route_rules::backoff_delay;

async fn dial(url: &RouteUrl) -> std::io::Result<(TcpStream, std::net::SocketAddr)> {
    let connect = TcpStream::connect((url.host.as_str(), url.port));
    let stream = tokio::time::timeout(ROUTE_DIAL_TIMEOUT, connect)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    let _ = stream.set_nodelay(true);
    let addr = stream.peer_addr()?;
    Ok((stream, addr))
}

/// Sleeps for `d` unless the server shuts down first (then returns false).
async fn pause(shared: &Shared, d: Duration) -> bool {
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        return false;
    }
    tokio::select! {
        _ = shutdown.changed() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// Waits until no route to `peer_id` is registered (false on shutdown).
async fn until_disconnected(shared: &Shared, cluster: &Cluster, peer_id: &str) -> bool {
    let mut peers = cluster.peers();
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        peers.borrow_and_update();
        if *shutdown.borrow_and_update() {
            return false;
        }
        if !cluster.is_connected(peer_id) {
            return true;
        }
        tokio::select! {
            _ = shutdown.changed() => return false,
            r = peers.changed() => if r.is_err() { return false },
        }
    }
}

/// Dials a configured route until the server shuts down or the URL turns out to be this server.
pub(crate) fn spawn_configured(shared: Arc<Shared>, cluster: Arc<Cluster>, url: RouteUrl) {
    tokio::spawn(async move {
        let mut rng = FastRng::new();
        let mut failures = 0u32;
        let mut peer: Option<String> = None;
        loop {
            if let Some(id) = &peer {
                if !until_disconnected(&shared, &cluster, id).await {
                    return;
                }
            }
            let delay = match dial(&url).await {
                Ok((stream, addr)) => {
                    let origin = Origin::Dialled { configured: true };
                    match session::run(shared.clone(), cluster.clone(), stream, addr, origin).await
                    {
                        RouteEnd::SelfConnect => {
                            debug!("route {} is this server; not dialling it again", url.url);
                            return;
                        }
                        RouteEnd::Duplicate(id) => {
                            peer = Some(id);
                            failures = 0;
                            Duration::ZERO
                        }
                        RouteEnd::Closed(Some(id)) => {
                            peer = Some(id);
                            failures = 0;
                            backoff_delay(
                                0,
                                ROUTE_RECONNECT_DELAY_MIN,
                                ROUTE_RECONNECT_DELAY_MAX,
                                rng.next_u64(),
                            )
                        }
                        RouteEnd::Refused | RouteEnd::Closed(None) => {
                            failures = failures.saturating_add(1);
                            backoff_delay(
                                failures,
                                ROUTE_RECONNECT_DELAY_MIN,
                                ROUTE_RECONNECT_DELAY_MAX,
                                rng.next_u64(),
                            )
                        }
                    }
                }
                Err(e) => {
                    if failures == 0 {
                        info!(
                            "error trying to connect to route {}: {e}; retrying",
                            url.url
                        );
                    }
                    failures = failures.saturating_add(1);
                    backoff_delay(
                        failures,
                        ROUTE_RECONNECT_DELAY_MIN,
                        ROUTE_RECONNECT_DELAY_MAX,
                        rng.next_u64(),
                    )
                }
            };
            if !pause(&shared, delay).await {
                return;
            }
        }
    });
}

/// Dials a route another server told us about, up to `1 + connect_retries` times in a row.
/// The caller has claimed the dial ([`Cluster::claim_dial`]); it is released at the end.
pub(crate) fn spawn_implicit(
    shared: Arc<Shared>,
    cluster: Arc<Cluster>,
    url: RouteUrl,
    peer_id: String,
) {
    tokio::spawn(async move {
        let mut rng = FastRng::new();
        let attempts = cluster.config.connect_retries.saturating_add(1);
        let mut failures = 0u32;
        while failures < attempts {
            if cluster.is_connected(&peer_id) {
                break;
            }
            match dial(&url).await {
                Ok((stream, addr)) => {
                    let origin = Origin::Dialled { configured: false };
                    match session::run(shared.clone(), cluster.clone(), stream, addr, origin).await
                    {
                        RouteEnd::SelfConnect | RouteEnd::Duplicate(_) => break,
                        RouteEnd::Closed(Some(_)) => failures = 0,
                        RouteEnd::Refused | RouteEnd::Closed(None) => failures += 1,
                    }
                }
                Err(e) => {
                    debug!("error connecting to gossiped route {}: {e}", url.url);
                    failures += 1;
                }
            }
            let delay = backoff_delay(
                failures,
                ROUTE_RECONNECT_DELAY_MIN,
                ROUTE_RECONNECT_DELAY_MAX,
                rng.next_u64(),
            );
            if failures >= attempts || !pause(&shared, delay).await {
                break;
            }
        }
        if failures >= attempts {
            warn!(
                "giving up on gossiped route {} after {attempts} attempts",
                url.url
            );
        }
        cluster.release_dial(&peer_id);
    });
}
