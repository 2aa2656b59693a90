//! A cluster started by `rill cluster up` for the tests of the cluster commands.
//!
//! The nodes run the server under test (`RILL_SERVER_BIN`, else `target/debug/rill-server`),
//! passed to `rill cluster up --server-bin`. A server that cannot cluster yet refuses the
//! cluster flags at once; [`clustering_server`] finds that out so those tests can say they
//! were skipped rather than fail.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{reference_server, server_command};
use crate::tool::{Running, Tool, ToolOutput};
use crate::TempDir;

/// How long `rill cluster up` may take until it prints its table.
pub const UP_TIMEOUT: Duration = Duration::from_secs(90);

/// How long a probe server gets to refuse the cluster flags.
const PROBE_WAIT: Duration = Duration::from_secs(2);

/// The server under test as one program (for `--server-bin`).
pub fn server_bin() -> String {
    let cmd = server_command();
    assert_eq!(
        cmd.len(),
        1,
        "the cluster tests pass RILL_SERVER_BIN as one program to --server-bin"
    );
    cmd[0].clone()
}

/// Whether `bin` accepts the cluster flags (a server that cannot cluster refuses them at once).
pub fn can_cluster(bin: &str) -> bool {
    if reference_server() {
        return true;
    }
    let mut child = Command::new(bin)
        .args(["-a", "127.0.0.1", "-p", "-1", "--cluster_name", "probe"])
        .args(["--cluster", "nats://127.0.0.1:-1"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let deadline = Instant::now() + PROBE_WAIT;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    true
}

/// The server program if it can run as a cluster node; `None` (with a note on stderr) if it
/// refuses clustering.
pub fn clustering_server() -> Option<String> {
    let bin = server_bin();
    if can_cluster(&bin) {
        Some(bin)
    } else {
        eprintln!("SKIPPED: {bin} refuses the cluster flags; run with RILL_SERVER_BIN=nats-server");
        None
    }
}

/// One row of the table `rill cluster up` prints.
#[derive(Debug, Clone)]
pub struct NodeRow {
    /// `n1`...
    pub name: String,
    /// `nats://127.0.0.1:<port>`.
    pub url: String,
    /// `http://127.0.0.1:<port>`.
    pub monitor: String,
    /// The process id.
    pub pid: u32,
}

/// A running `rill cluster up`; dropping it stops the nodes too (even when a test panics).
#[derive(Debug)]
pub struct LocalCluster {
    /// The `rill cluster up` process (taken by [`LocalCluster::stop`]).
    up: Option<Running>,
    /// Its nodes, from the table.
    pub nodes: Vec<NodeRow>,
    /// The `--dir` (removed when dropped).
    pub dir: TempDir,
}

/// System-account user the clusters are started with.
pub const SYS_USER: &str = "admin";
/// Its password.
pub const SYS_PASSWORD: &str = "s3cret";

/// Parses the node rows of the table (`│ n1 │ nats://... │ http://... │ dir │ pid │`).
pub fn parse_rows(stdout: &str) -> Vec<NodeRow> {
    stdout
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('│').map(str::trim).collect();
            if cells.len() != 7 || !cells[2].starts_with("nats://") {
                return None;
            }
            Some(NodeRow {
                name: cells[1].to_string(),
                url: cells[2].to_string(),
                monitor: cells[3].to_string(),
                pid: cells[5].parse().ok()?,
            })
        })
        .collect()
}

impl LocalCluster {
    /// Runs `rill cluster up --nodes n` with `bin` (and the system user [`SYS_USER`] when
    /// `sys`) and waits for its table.
    pub fn start(tool: &Tool, bin: &str, n: usize, sys: bool) -> LocalCluster {
        let dir = TempDir::new();
        let dir_arg = dir.path().join("c").to_string_lossy().into_owned();
        let nodes = n.to_string();
        let mut args = vec![
            "cluster",
            "up",
            "--nodes",
            &nodes,
            "--dir",
            &dir_arg,
            "--server-bin",
            bin,
        ];
        if sys {
            args.extend_from_slice(&["--sys-user", SYS_USER, "--sys-password", SYS_PASSWORD]);
        }
        let mut up = tool.spawn(&args);
        up.wait_stdout("Press Ctrl-C to stop the cluster.", UP_TIMEOUT);
        let nodes = parse_rows(&up.stdout_so_far());
        assert_eq!(nodes.len(), n, "{}", up.stdout_so_far());
        LocalCluster {
            up: Some(up),
            nodes,
            dir,
        }
    }

    /// `url1,url2,...` for `--server`.
    pub fn servers(&self) -> String {
        self.nodes
            .iter()
            .map(|n| n.url.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Runs `rill ARGS --server <all nodes>`, as the system user when `sys`.
    pub fn run(&self, tool: &Tool, sys: bool, args: &[&str]) -> ToolOutput {
        let servers = self.servers();
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&["--server", &servers]);
        if sys {
            all.extend_from_slice(&["--user", SYS_USER, "--password", SYS_PASSWORD]);
        }
        tool.run(&all)
    }

    /// What `rill cluster up` wrote on stderr so far.
    pub fn stderr_so_far(&self) -> String {
        self.up
            .as_ref()
            .map(Running::stderr_so_far)
            .unwrap_or_default()
    }

    /// The `rill cluster up` process id.
    pub fn pid(&self) -> u32 {
        self.up.as_ref().map(Running::pid).unwrap_or(0)
    }

    /// SIGTERM to `rill cluster up`; waits for it to stop its nodes and exit.
    pub fn stop(mut self) -> ToolOutput {
        let up = self.up.take().expect("cluster still running");
        crate::send_signal(up.pid(), "TERM");
        up.finish(Duration::from_secs(60))
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        let Some(up) = self.up.take() else { return };
        crate::send_signal(up.pid(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && self.nodes.iter().any(|n| process_exists(n.pid)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        for node in self.nodes.iter().filter(|n| process_exists(n.pid)) {
            let _ = Command::new("kill")
                .args(["-KILL", &node.pid.to_string()])
                .status();
        }
        drop(up);
    }
}

/// Whether a process with this id exists (`/proc/<pid>`).
pub fn process_exists(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}
