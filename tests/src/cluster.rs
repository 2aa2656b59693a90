//! Clusters of server processes on loopback: nodes with random client, route and monitoring
//! ports, and polling helpers that wait (bounded) for the mesh and for interest to spread.

use std::time::{Duration, Instant};

use crate::http::get_json;
use crate::server::{ServerBuilder, TestServer};

/// How long a cluster may take to form or to spread interest before a test fails.
pub const CLUSTER_TIMEOUT: Duration = Duration::from_secs(15);

const ROUTE_LINE: &str = "Listening for route connections on ";

/// One server of a test cluster.
#[derive(Debug)]
pub struct Node {
    /// The process.
    pub server: TestServer,
    /// Its server name.
    pub name: String,
    /// The port it accepts routes on (127.0.0.1).
    pub route_port: u16,
}

impl Node {
    /// Starts `name` in cluster `cluster` with a random route port, dialling `routes`.
    pub fn start(name: &str, cluster: &str, routes: &[u16]) -> Node {
        Node::start_with(name, cluster, None, routes, &[])
    }

    /// Starts a node; `route_port` reuses a port (a restart), `extra` adds arguments.
    pub fn start_with(
        name: &str,
        cluster: &str,
        route_port: Option<u16>,
        routes: &[u16],
        extra: &[&str],
    ) -> Node {
        Node::start_configured(name, cluster, route_port, routes, extra, None)
    }

    /// [`Node::start_with`] plus a configuration file's text.
    pub fn start_configured(
        name: &str,
        cluster: &str,
        route_port: Option<u16>,
        routes: &[u16],
        extra: &[&str],
        config: Option<&str>,
    ) -> Node {
        let listen = format!(
            "nats://127.0.0.1:{}",
            route_port.map_or("-1".to_string(), |p| p.to_string())
        );
        let mut b = ServerBuilder::new().monitoring().args([
            "--cluster",
            &listen,
            "--cluster_name",
            cluster,
            "-n",
            name,
        ]);
        if let Some(text) = config {
            b = b.config(text);
        }
        if !routes.is_empty() {
            let urls: Vec<String> = routes
                .iter()
                .map(|p| format!("nats-route://127.0.0.1:{p}"))
                .collect();
            b = b.args(["--routes".to_string(), urls.join(",")]);
        }
        let server = b.args(extra.iter().copied()).start();
        let route_port = route_port_of(&server);
        Node {
            server,
            name: name.to_string(),
            route_port,
        }
    }

    /// `/routez` (with `?subs=1`).
    pub fn routez(&self) -> serde_json::Value {
        get_json(self.server.monitor_port(), "/routez?subs=1")
    }

    /// Names of the servers this node has a route to, sorted (once each: nats-server keeps a
    /// pool of routes per peer).
    pub fn route_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.routez()["routes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| r["remote_name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.dedup();
        names
    }

    /// How many peers announced interest in `entry` (`subject` or `subject queue`, as
    /// `/routez?subs=1` lists it) over their routes to this node.
    pub fn routes_with_sub(&self, entry: &str) -> usize {
        let mut peers: Vec<String> = self.routez()["routes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|r| {
                        r["subscriptions_list"]
                            .as_array()
                            .is_some_and(|l| l.iter().any(|s| s.as_str() == Some(entry)))
                    })
                    .filter_map(|r| r["remote_name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        peers.sort();
        peers.dedup();
        peers.len()
    }
}

/// The route port from the server's `Listening for route connections on h:p` line.
pub fn route_port_of(server: &TestServer) -> u16 {
    assert!(
        server.wait_for_log(ROUTE_LINE, Duration::from_secs(5)),
        "no route listener line in the log:\n{}",
        server.log()
    );
    server
        .log_lines_with(ROUTE_LINE)
        .first()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot read the route port from:\n{}", server.log()))
}

/// Polls `check` every 50 ms until it holds; panics naming `what` after [`CLUSTER_TIMEOUT`].
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + CLUSTER_TIMEOUT;
    while !check() {
        if Instant::now() >= deadline {
            panic!("timed out after {CLUSTER_TIMEOUT:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until every node has a route to every other node and to nothing else.
pub async fn wait_full_mesh(nodes: &[&Node]) {
    eventually("a full mesh of routes", || {
        nodes.iter().all(|n| {
            let mut others: Vec<String> = nodes
                .iter()
                .filter(|o| o.name != n.name)
                .map(|o| o.name.clone())
                .collect();
            others.sort();
            n.route_names() == others
        })
    })
    .await;
}

/// Waits until `node` has `routes` routes that announced interest in `entry`.
pub async fn wait_remote_sub(node: &Node, entry: &str, routes: usize) {
    eventually(
        &format!("{routes} route(s) of {} announcing {entry:?}", node.name),
        || node.routes_with_sub(entry) == routes,
    )
    .await;
}
