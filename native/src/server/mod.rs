//! The single-node server: listener, per-connection tasks, monitoring, and lifecycle.
//!
//! [`Server::start`] binds and returns at once (tests embed it); [`run`] is what the binaries
//! call: start, log the lines harnesses wait for, then live until a signal.

pub mod auth;
pub mod client;
pub mod connection;
pub mod deliver;
pub mod ids;
pub mod internal;
mod lifecycle;
pub mod monitor;
pub mod state;
pub mod sys_requests;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use rill_core::proto::json::ServerInfo;
use tokio::net::TcpListener;
use tracing::{info, warn};

pub use lifecycle::run;
use state::Shared;

use crate::cluster::{Cluster, ClusterConfig, LocalIdentity};
use crate::options::ServerOptions;

/// The NATS server version we report to clients: they gate features on it.
pub const NATS_COMPAT_VERSION: &str = "2.12.0";

/// A started server.
#[derive(Debug)]
pub struct Server {
    /// Shared state.
    pub shared: Arc<Shared>,
    /// Bound client address.
    pub client_addr: SocketAddr,
    /// Bound monitoring address, if monitoring is on.
    pub http_addr: Option<SocketAddr>,
}

fn bind_port(port: i32) -> u16 {
    u16::try_from(port).unwrap_or(0)
}

impl Server {
    /// Binds the listeners and spawns the accept loops.
    pub async fn start(opts: ServerOptions) -> anyhow::Result<Server> {
        let listener = TcpListener::bind((opts.host.as_str(), bind_port(opts.port)))
            .await
            .with_context(|| format!("cannot listen for clients on {}:{}", opts.host, opts.port))?;
        let client_addr = listener.local_addr()?;
        let id = ids::server_id();
        let info = ServerInfo {
            server_name: opts.server_name.clone().unwrap_or_else(|| id.clone()),
            server_id: id,
            version: NATS_COMPAT_VERSION.to_string(),
            proto: 1,
            go: format!("rill {}", env!("CARGO_PKG_VERSION")),
            host: opts.host.clone(),
            port: client_addr.port(),
            headers: !opts.no_header_support,
            max_payload: opts.max_payload as usize,
            auth_required: opts.auth.required(),
            connect_urls: opts.client_advertise.iter().cloned().collect(),
            jetstream: opts.jetstream.enabled,
            domain: opts.jetstream.domain.clone(),
            api_lvl: opts
                .jetstream
                .enabled
                .then_some(rill_core::jetstream::api::API_LEVEL),
            ..ServerInfo::default()
        };
        let http = match &opts.http {
            Some((host, port)) => Some(
                TcpListener::bind((host.as_str(), bind_port(*port)))
                    .await
                    .with_context(|| format!("cannot listen for monitoring on {host}:{port}"))?,
            ),
            None => None,
        };
        let http_addr = http.as_ref().map(TcpListener::local_addr).transpose()?;
        let cluster = match ClusterConfig::from_options(&opts)? {
            Some(config) => {
                let me = LocalIdentity {
                    server_id: info.server_id.clone(),
                    server_name: info.server_name.clone(),
                    client_url: own_client_url(&opts, client_addr),
                    jetstream: opts.jetstream.enabled,
                };
                Some(Cluster::bind(config, me).await?)
            }
            None => None,
        };
        let mut info = info;
        if let Some((c, _)) = &cluster {
            // Clients learn the cluster's name from INFO, as from nats-server.
            info.cluster = Some(c.name.clone());
        }
        let shared = Shared::new(opts, info, cluster.as_ref().map(|(c, _)| c.clone()));
        if shared.opts.jetstream.enabled {
            crate::jetstream::service::start(shared.clone(), jetstream_config(&shared))?;
            sys_requests::start(&shared)?;
        }
        if let Some((c, l)) = cluster {
            crate::cluster::start(shared.clone(), c, l);
            if shared.opts.jetstream.enabled {
                crate::jetstream::cluster::bootstrap::start(
                    shared.clone(),
                    jetstream_config(&shared).dir,
                )?;
            }
        }
        tokio::spawn(accept_loop(shared.clone(), listener));
        if let Some(l) = http {
            tokio::spawn(monitor::serve(shared.clone(), l));
        }
        Ok(Server {
            shared,
            client_addr,
            http_addr,
        })
    }
}

/// This server's client URL as other servers tell their clients: `client_advertise`, or the
/// listen address unless it is unspecified (`0.0.0.0`: peers fill in the address they see).
fn own_client_url(opts: &ServerOptions, bound: SocketAddr) -> Option<String> {
    if let Some(a) = &opts.client_advertise {
        return Some(a.clone());
    }
    let host = if bound.ip().is_unspecified() {
        "0.0.0.0".to_string()
    } else {
        bound.ip().to_string()
    };
    Some(crate::cluster::config::join_host_port(&host, bound.port()))
}

/// Where and how JetStream stores, from the options.
fn jetstream_config(shared: &Shared) -> crate::jetstream::service::ServiceConfig {
    let js = &shared.opts.jetstream;
    let base = js
        .store_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("rill"));
    crate::jetstream::service::ServiceConfig {
        dir: base.join("jetstream"),
        sync_always: js.sync_interval.is_none(),
        sync_interval: js
            .sync_interval
            .unwrap_or(std::time::Duration::from_secs(1)),
        domain: js.domain.clone().unwrap_or_default(),
        server_name: shared.info.server_name.clone(),
        max_memory: js.max_memory_store.and_then(|v| u64::try_from(v).ok()),
        max_store: js.max_file_store.and_then(|v| u64::try_from(v).ok()),
        limits: js.limits,
        clustered: shared.cluster.is_some(),
        loopback_replication: false,
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            r = listener.accept() => match r {
                Ok((stream, addr)) => {
                    if shared.lame_duck.load(std::sync::atomic::Ordering::Acquire) {
                        return;
                    }
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(connection::serve(shared.clone(), stream, addr));
                }
                Err(e) => {
                    warn!("error accepting client connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }
}

/// Logs the start-up banner in the shape harnesses wait for.
fn log_banner(server: &Server) {
    let info = &server.shared.info;
    info!("Starting rill-server");
    info!(
        "  Version:  {} (NATS protocol {})",
        env!("CARGO_PKG_VERSION"),
        NATS_COMPAT_VERSION
    );
    info!("  ID:       {}", info.server_id);
    info!("  Name:     {}", info.server_name);
    if let Some(f) = &server.shared.opts.config_file {
        info!("Using configuration file: {}", f.display());
    }
    if let Some(a) = server.http_addr {
        info!("Starting http monitor on {}:{}", a.ip(), a.port());
    }
    info!(
        "Listening for client connections on {}:{}",
        server.client_addr.ip(),
        server.client_addr.port()
    );
    if let Some(c) = &server.shared.cluster {
        info!(
            "Listening for route connections on {}:{}",
            c.listen_addr.ip(),
            c.listen_addr.port()
        );
    }
    if server.shared.opts.max_payload > 8 * 1024 * 1024 {
        warn!("Maximum payloads over 8.00 MB are generally discouraged and could lead to poor performance");
    }
    if server.shared.auth.has_plaintext_secrets() {
        warn!("Plaintext passwords detected, use nkeys or bcrypt");
    }
    info!("Server is ready");
}
