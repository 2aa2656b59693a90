//! A clustered JetStream of server processes on loopback, for fault and failover tests.
//!
//! [`JsCluster::start`] runs `n` nodes of the server under test (`RILL_SERVER_BIN`), each with
//! the nats-server command line: `-p <client> -m <monitor> --server_name nK -js -sd <store>
//! --cluster_name <name> --cluster nats://127.0.0.1:<route> --routes <the others>`. Every port
//! is chosen at run time ([`free_port`]) and kept for the node's life, so
//! [`JsCluster::restart`] brings a node back on the same ports and store directory after
//! [`JsCluster::kill9`] or [`JsCluster::term`]. [`JsCluster::start`] waits until every node
//! routes to every other (`/routez`) and all name one meta leader (`/jsz`).
//!
//! With [`JsClusterOpts::proxied`] every node-to-node connection runs through a [`Proxy`]: node
//! i's routes list names one proxy per peer j, forwarding to j's route port, and each node
//! advertises (`--cluster_advertise`) a loopback port that refuses connections, so a peer that
//! learns of it by gossip cannot bypass the proxies. [`JsCluster::isolate`] then cuts every
//! link of one node and [`JsCluster::heal`] restores them.
//!
//! A server that refuses the cluster flags makes [`JsCluster::start`] return `None` after
//! printing a `SKIPPED` line, so the tests pass vacuously (and say so) until Rill clusters.
//! Dropping the cluster SIGKILLs every node (also when a test panics).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::cluster_up::clustering_server;
use crate::http;
use crate::proxy::Proxy;
use crate::server::{ServerBuilder, TestServer};
use crate::TempDir;

/// How long a cluster may take to form: routes meshed, one meta leader agreed by all nodes.
pub const FORM_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a killed process may take to exit.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a node may take to stop after SIGTERM before the test fails.
const TERM_TIMEOUT: Duration = Duration::from_secs(20);

/// Options for [`JsCluster::start`].
#[derive(Debug, Clone)]
pub struct JsClusterOpts {
    /// The cluster name (`--cluster_name`).
    pub name: String,
    /// Route every node-to-node connection through a [`Proxy`] (for partitions).
    pub proxied: bool,
}

impl Default for JsClusterOpts {
    fn default() -> Self {
        JsClusterOpts {
            name: "C1".to_string(),
            proxied: false,
        }
    }
}

/// One node's fixed identity: name, ports, store and command line.
#[derive(Debug)]
struct NodeSpec {
    name: String,
    client_port: u16,
    monitor_port: u16,
    route_port: u16,
    store: TempDir,
    args: Vec<String>,
}

/// The proxy for node-to-node connections from `from` to `to` (node indexes).
#[derive(Debug)]
struct Link {
    from: usize,
    to: usize,
    proxy: Proxy,
}

/// A running clustered JetStream; see the module docs.
#[derive(Debug)]
pub struct JsCluster {
    specs: Vec<NodeSpec>,
    servers: Vec<Option<TestServer>>,
    links: Vec<Link>,
    /// Bound, never listening: the advertised route addresses refuse connections.
    _advertised: Vec<tokio::net::TcpSocket>,
}

/// The range [`free_port`] draws from: below Linux's ephemeral range (32768-60999), so a
/// port found free is not taken a moment later by some outgoing connection or by a server
/// started with port 0 — unlike a port the kernel handed out for port 0.
const PORT_RANGE: std::ops::Range<u16> = 20_000..32_000;

/// A loopback port that was free a moment ago: a random one from [`PORT_RANGE`] that binds,
/// released at once for a node to listen on (and to listen on again after a restart).
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let span = u64::from(PORT_RANGE.end - PORT_RANGE.start);
    for attempt in 0u64..200 {
        // RandomState is seeded per instance: a random draw without a dependency.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(attempt);
        let port = PORT_RANGE.start + (hasher.finish() % span) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

impl JsCluster {
    /// Starts `n` nodes and waits until they form one cluster with a meta leader; `None`
    /// (after a `SKIPPED` line on stderr) when the server under test cannot cluster.
    ///
    /// Must run on a multi-threaded tokio runtime (proxies are tasks; starting a process
    /// blocks its thread).
    pub async fn start(n: usize, opts: JsClusterOpts) -> Option<JsCluster> {
        clustering_server()?;
        let route_ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let mut links = Vec::new();
        let mut advertised = Vec::new();
        let mut routes: Vec<Vec<String>> = vec![Vec::new(); n];
        for (i, list) in routes.iter_mut().enumerate() {
            for (j, &port) in route_ports.iter().enumerate().filter(|(j, _)| *j != i) {
                let target = SocketAddr::from(([127, 0, 0, 1], port));
                let addr = if opts.proxied {
                    let proxy = Proxy::start(target).await;
                    let addr = proxy.addr();
                    links.push(Link {
                        from: i,
                        to: j,
                        proxy,
                    });
                    addr
                } else {
                    target
                };
                list.push(format!("nats://{addr}"));
            }
        }
        let mut specs = Vec::new();
        for (i, list) in routes.into_iter().enumerate() {
            let name = format!("n{}", i + 1);
            let store = TempDir::new();
            let mut args = vec![
                "--server_name".to_string(),
                name.clone(),
                "-js".to_string(),
                "-sd".to_string(),
                store.path().to_string_lossy().into_owned(),
                "--cluster_name".to_string(),
                opts.name.clone(),
                "--cluster".to_string(),
                format!("nats://127.0.0.1:{}", route_ports[i]),
                "--routes".to_string(),
                list.join(","),
            ];
            if opts.proxied {
                let socket = refusing_socket();
                let addr = socket.local_addr().expect("advertised addr");
                args.extend(["--cluster_advertise".to_string(), addr.to_string()]);
                advertised.push(socket);
            }
            specs.push(NodeSpec {
                name,
                client_port: free_port(),
                monitor_port: free_port(),
                route_port: route_ports[i],
                store,
                args,
            });
        }
        let servers = tokio::task::block_in_place(|| start_all(&specs));
        let cluster = JsCluster {
            specs,
            servers,
            links,
            _advertised: advertised,
        };
        cluster.wait_formed(FORM_TIMEOUT).await;
        Some(cluster)
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// Whether the cluster has no nodes (never, once started).
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Node `i`'s server name (`n1`, `n2`, ...).
    pub fn name(&self, i: usize) -> &str {
        &self.specs[i].name
    }

    /// The index of the node called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.name == name)
    }

    /// Node `i`'s client URL.
    pub fn url(&self, i: usize) -> String {
        format!("nats://127.0.0.1:{}", self.specs[i].client_port)
    }

    /// Node `i`'s monitoring port.
    pub fn monitor_port(&self, i: usize) -> u16 {
        self.specs[i].monitor_port
    }

    /// Node `i`'s route listen port (what its peers' proxies forward to).
    pub fn route_port(&self, i: usize) -> u16 {
        self.specs[i].route_port
    }

    /// Node `i`'s JetStream store directory (`-sd`), kept across restarts.
    pub fn store_dir(&self, i: usize) -> &std::path::Path {
        self.specs[i].store.path()
    }

    /// Whether node `i` is running (not killed or stopped).
    pub fn is_up(&self, i: usize) -> bool {
        self.servers[i].is_some()
    }

    /// The indexes of the running nodes.
    pub fn up_nodes(&self) -> Vec<usize> {
        (0..self.len()).filter(|&i| self.is_up(i)).collect()
    }

    /// Node `i`'s log so far (empty once it was killed).
    pub fn log(&self, i: usize) -> String {
        self.servers[i]
            .as_ref()
            .map(TestServer::log)
            .unwrap_or_default()
    }

    /// Connects an async-nats client to node `i` only (it learns the others, as clients do,
    /// and fails over to them if node `i` goes away).
    pub async fn client(&self, i: usize) -> async_nats::Client {
        let options = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .request_timeout(Some(Duration::from_secs(5)));
        let connect = options.connect(self.url(i));
        match tokio::time::timeout(Duration::from_secs(10), connect).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!("connect to {} ({}) failed: {e}", self.name(i), self.url(i)),
            Err(_) => panic!("connect to {} hung for 10 s", self.name(i)),
        }
    }

    /// SIGKILLs node `i` and waits for the process to exit; its store stays for a restart.
    pub fn kill9(&mut self, i: usize) {
        let mut server = self.servers[i].take().expect("node is running");
        assert!(server.kill9().is_some(), "{} not reaped", self.name(i));
    }

    /// SIGTERMs node `i` and waits for a clean exit.
    pub fn term(&mut self, i: usize) {
        let mut server = self.servers[i].take().expect("node is running");
        server.signal("TERM");
        let status = tokio::task::block_in_place(|| server.wait_exit(TERM_TIMEOUT));
        assert!(
            status.is_some(),
            "{} did not stop within {TERM_TIMEOUT:?} of SIGTERM; log:\n{}",
            self.name(i),
            server.log()
        );
    }

    /// Starts node `i` again on its ports and store directory.
    pub fn restart(&mut self, i: usize) {
        assert!(
            self.servers[i].is_none(),
            "{} is still running",
            self.name(i)
        );
        let server = tokio::task::block_in_place(|| start_node(&self.specs[i]));
        self.servers[i] = Some(server);
    }

    /// Cuts every proxied link to and from node `i` (requires [`JsClusterOpts::proxied`]).
    pub fn isolate(&self, i: usize) {
        assert!(!self.links.is_empty(), "isolate needs a proxied cluster");
        for link in self.links.iter().filter(|l| l.from == i || l.to == i) {
            link.proxy.cut();
        }
    }

    /// Cuts every proxied link.
    pub fn cut_all(&self) {
        assert!(!self.links.is_empty(), "cut_all needs a proxied cluster");
        self.links.iter().for_each(|l| l.proxy.cut());
    }

    /// Restores every proxied link.
    pub fn heal(&self) {
        self.links.iter().for_each(|l| l.proxy.heal());
    }

    /// Connections forwarded by all proxies so far.
    pub fn proxied_connections(&self) -> u64 {
        self.links.iter().map(|l| l.proxy.forwarded()).sum()
    }

    /// Node `i`'s distinct route peers by server name, from `/routez` (none if the monitor
    /// does not answer).
    pub fn route_peers(&self, i: usize) -> Vec<String> {
        let routez = monitor_json(self.monitor_port(i), "/routez");
        let mut peers: Vec<String> = routez["routes"]
            .as_array()
            .map(|routes| {
                routes
                    .iter()
                    .filter_map(|r| r["remote_name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        peers.sort();
        peers.dedup();
        peers
    }

    /// The meta leader node `i` reports in `/jsz` (`meta_cluster.leader`), if any.
    pub fn meta_leader_seen_by(&self, i: usize) -> Option<String> {
        let jsz = monitor_json(self.monitor_port(i), "/jsz");
        jsz["meta_cluster"]["leader"]
            .as_str()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
    }

    /// Waits until every running node routes to every other running node and all agree on
    /// one meta leader.
    pub async fn wait_formed(&self, limit: Duration) {
        let up = self.up_nodes();
        let formed = || {
            let mut leaders = Vec::new();
            for &i in &up {
                if self.route_peers(i).len() != up.len() - 1 {
                    return false;
                }
                leaders.push(self.meta_leader_seen_by(i));
            }
            leaders[0].is_some() && leaders.iter().all(|l| *l == leaders[0])
        };
        let started = Instant::now();
        if !wait_until(limit, formed).await {
            let logs: Vec<String> = up
                .iter()
                .map(|&i| format!("--- {}:\n{}", self.name(i), self.log(i)))
                .collect();
            panic!(
                "cluster of {:?} not formed within {limit:?} (routes: {:?}); logs:\n{}",
                up.iter().map(|&i| self.name(i)).collect::<Vec<_>>(),
                up.iter().map(|&i| self.route_peers(i)).collect::<Vec<_>>(),
                logs.join("\n")
            );
        }
        eprintln!("cluster of {} formed in {:?}", up.len(), started.elapsed());
    }
}

impl Drop for JsCluster {
    fn drop(&mut self) {
        // The tests are done with the data: SIGKILL all at once, then reap each.
        let mut servers: Vec<TestServer> =
            self.servers.iter_mut().filter_map(Option::take).collect();
        servers.iter().for_each(|s| s.signal("KILL"));
        for server in &mut servers {
            let _ = server.wait_exit(EXIT_TIMEOUT);
        }
    }
}

/// Polls `check` every 100 ms until it is true or `limit` passes. `check` may block (it runs
/// under `block_in_place`, so this needs a multi-threaded runtime).
pub async fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if tokio::task::block_in_place(&mut check) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `GET <path>` on a monitor port as JSON; `Null` if the node does not answer (it may be down
/// or still starting), so polls keep polling and diagnostics never panic.
fn monitor_json(port: u16, path: &str) -> serde_json::Value {
    http::try_get(port, path)
        .filter(|r| r.status == 200)
        .and_then(|r| serde_json::from_str(&r.body).ok())
        .unwrap_or_default()
}

/// A bound loopback socket that does not listen: connections to it are refused.
fn refusing_socket() -> tokio::net::TcpSocket {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind advertised port");
    socket
}

fn start_node(spec: &NodeSpec) -> TestServer {
    ServerBuilder::new()
        .port(spec.client_port)
        .monitoring_on(spec.monitor_port)
        .args(spec.args.iter().cloned())
        .start()
}

/// Starts every node at once (each waits for its own `Server is ready`).
fn start_all(specs: &[NodeSpec]) -> Vec<Option<TestServer>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = specs
            .iter()
            .map(|spec| scope.spawn(move || start_node(spec)))
            .collect();
        handles
            .into_iter()
            .map(|h| Some(h.join().expect("node start panicked")))
            .collect()
    })
}
