//! The shape of a cluster before any process or file exists: how many nodes, their names,
//! addresses and ports, and each node's configuration file in nats-server syntax (so both
//! `rill-server` and `nats-server` accept it).
//!
//! Pure: no I/O. `rill cluster up` fills a layout with loopback addresses and free ports,
//! `rill cluster gen` with the hosts of real machines.

use std::fmt::Write as _;

/// Fewest nodes a cluster may have: with three, one can fail and two still make a majority.
pub const NODES_MIN: usize = 3;
/// Most nodes a cluster may have (as the seed's deployment offers: 3 to 11).
pub const NODES_MAX: usize = 11;

/// Why a cluster description was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// An even number of nodes.
    #[error("a cluster needs an odd number of nodes ({NODES_MIN} to {NODES_MAX}), not {0}: with an even number, a split into two halves leaves neither side a majority")]
    EvenNodes(usize),
    /// Fewer than [`NODES_MIN`] or more than [`NODES_MAX`] nodes.
    #[error("a cluster needs {NODES_MIN} to {NODES_MAX} nodes (an odd number), not {0}")]
    NodesOutOfRange(usize),
    /// `--nodes` and `--hosts` disagree.
    #[error("--nodes {nodes} but {hosts} hosts given: give one host per node")]
    HostCount {
        /// Nodes asked for.
        nodes: usize,
        /// Hosts given.
        hosts: usize,
    },
    /// A host name or address that cannot appear in a route URL.
    #[error(
        "invalid host {0:?}: expected a host name (letters, digits, '-', '.') or an IPv4 address"
    )]
    BadHost(String),
    /// The same host twice (its ports would collide).
    #[error("host {0:?} is listed twice: every node needs its own machine")]
    DuplicateHost(String),
    /// Two roles on one port.
    #[error("the client, cluster and monitoring ports must differ (port {0} is given twice)")]
    PortClash(u16),
    /// A port range that goes past 65535 or uses port 0.
    #[error("port {0} is out of range (1 to 65535)")]
    BadPort(u32),
    /// A cluster name nats-server would refuse.
    #[error("invalid cluster name {0:?}: it cannot be empty or contain spaces")]
    BadClusterName(String),
}

/// Checks that `n` nodes make a cluster that tolerates failures: odd, 3 to 11.
pub fn check_node_count(n: usize) -> Result<(), LayoutError> {
    if !(NODES_MIN..=NODES_MAX).contains(&n) {
        return Err(LayoutError::NodesOutOfRange(n));
    }
    if n % 2 == 0 {
        return Err(LayoutError::EvenNodes(n));
    }
    Ok(())
}

/// A host name (RFC 1123 labels) or a dotted IPv4 address.
pub fn check_host(host: &str) -> Result<(), LayoutError> {
    let bad = || LayoutError::BadHost(host.to_string());
    if host.is_empty() || host.len() > 253 {
        return Err(bad());
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return Err(bad());
        }
    }
    Ok(())
}

/// Checks a cluster name as nats-server does (non-empty, no spaces).
pub fn check_cluster_name(name: &str) -> Result<(), LayoutError> {
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(LayoutError::BadClusterName(name.to_string()));
    }
    Ok(())
}

/// Where one node listens and keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// `server_name`.
    pub name: String,
    /// Address other nodes and clients reach it at (route URLs, client URLs).
    pub host: String,
    /// Address it binds (`127.0.0.1` for a local cluster, `0.0.0.0` on a machine).
    pub bind: String,
    /// Client port.
    pub client_port: u16,
    /// Route port.
    pub cluster_port: u16,
    /// HTTP monitoring port.
    pub http_port: u16,
    /// JetStream store directory.
    pub store_dir: String,
}

impl Node {
    /// `nats://host:client_port`.
    pub fn client_url(&self) -> String {
        format!("nats://{}:{}", self.host, self.client_port)
    }

    /// `http://host:http_port`.
    pub fn monitor_url(&self) -> String {
        format!("http://{}:{}", self.host, self.http_port)
    }

    /// `nats-route://host:cluster_port`.
    pub fn route_url(&self) -> String {
        format!("nats-route://{}:{}", self.host, self.cluster_port)
    }
}

/// A system-account user, as the seed's configuration has (`accounts { $SYS { users } }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemUser {
    /// User name.
    pub user: String,
    /// Password (plain, or a bcrypt hash starting `$2a$`).
    pub password: String,
}

/// Every node of a cluster and what they share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Cluster name.
    pub name: String,
    /// The nodes, in order.
    pub nodes: Vec<Node>,
    /// Whether the configurations enable JetStream.
    pub jetstream: bool,
    /// An optional system-account user.
    pub system_user: Option<SystemUser>,
    /// The command named in each file's first comment line.
    pub generated_by: &'static str,
}

/// A double-quoted configuration string (`\\` and `\"` escaped).
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Layout {
    /// Node `index`'s configuration file.
    pub fn config(&self, index: usize) -> Option<String> {
        let node = self.nodes.get(index)?;
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "# Node {} of cluster {} ({} nodes), generated by `{}`.",
            node.name,
            self.name,
            self.nodes.len(),
            self.generated_by
        );
        let _ = writeln!(out, "server_name: {}", quoted(&node.name));
        let _ = writeln!(out, "listen: {}:{}", node.bind, node.client_port);
        let _ = writeln!(out, "http: {}:{}", node.bind, node.http_port);
        if let Some(sys) = &self.system_user {
            out.push_str("\naccounts {\n  $SYS {\n    users = [\n");
            let _ = writeln!(
                out,
                "      {{ user: {}, pass: {} }}",
                quoted(&sys.user),
                quoted(&sys.password)
            );
            out.push_str("    ]\n  }\n}\n");
        }
        if self.jetstream {
            out.push_str("\njetstream {\n");
            let _ = writeln!(out, "  store_dir: {}", quoted(&node.store_dir));
            out.push_str("}\n");
        }
        out.push_str("\ncluster {\n");
        let _ = writeln!(out, "  name: {}", self.name);
        let _ = writeln!(out, "  listen: {}:{}", node.bind, node.cluster_port);
        out.push_str("  routes = [\n");
        for peer in &self.nodes {
            let _ = writeln!(out, "    {}", peer.route_url());
        }
        out.push_str("  ]\n}\n");
        Some(out)
    }

    /// Client URLs of all nodes, comma separated (for `--server`).
    pub fn server_list(&self) -> String {
        self.nodes
            .iter()
            .map(Node::client_url)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The three ports of node `index` when ports are laid out from `base`: clients on
/// `base..base+n`, routes on `base+n..`, monitoring on `base+2n..`.
pub fn ports_from_base(base: u16, n: usize, index: usize) -> Result<[u16; 3], LayoutError> {
    let mut out = [0u16; 3];
    for (role, slot) in out.iter_mut().enumerate() {
        let port = u32::from(base) + (role * n + index) as u32;
        *slot = u16::try_from(port)
            .ok()
            .filter(|p| *p != 0)
            .ok_or(LayoutError::BadPort(port))?;
    }
    Ok(out)
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
