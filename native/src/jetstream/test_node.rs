//! In-process servers with a JetStream service started by hand, for the tests of the
//! replicated path (loopback group, replica pairs, three-replica groups, the meta group).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::service::{self, Input, ServiceConfig};
use crate::options::ServerOptions;
use crate::raft::GroupConfig;
use crate::server::Server;

/// A server on a random loopback port with its JetStream service.
pub(crate) struct TestNode {
    pub(crate) server: Server,
    pub(crate) tx: mpsc::Sender<Input>,
    pub(crate) dir: PathBuf,
}

impl Drop for TestNode {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts a server named `name` whose service stores under a fresh temp folder tagged `tag`;
/// `clustered` makes it wait for a cluster controller, `loopback` replicates every stream
/// through a one-member group.
pub(crate) async fn start(tag: &str, name: &str, clustered: bool, loopback: bool) -> TestNode {
    let dir = std::env::temp_dir().join(format!("rill-jstest-{tag}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server = Server::start(ServerOptions {
        host: "127.0.0.1".into(),
        port: -1,
        ..ServerOptions::default()
    })
    .await
    .expect("server starts");
    let cfg = ServiceConfig {
        dir: dir.join("jetstream"),
        sync_always: true,
        sync_interval: Duration::from_secs(1),
        domain: String::new(),
        server_name: name.into(),
        max_memory: None,
        max_store: None,
        limits: Default::default(),
        clustered,
        loopback_replication: loopback,
    };
    service::start(server.shared.clone(), cfg).expect("service starts");
    let tx = server
        .shared
        .jetstream
        .get()
        .expect("service registered")
        .clone();
    TestNode { server, tx, dir }
}

/// Raft timers for tests: quick elections on loopback.
pub(crate) fn group_config() -> GroupConfig {
    GroupConfig {
        heartbeat_interval_ms: 50,
        election_timeout_ms_min: 300,
        election_timeout_ms_max: 600,
        offline_after_ms: 1_000,
        ..GroupConfig::default()
    }
}
