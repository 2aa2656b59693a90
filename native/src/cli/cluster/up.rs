//! `rill cluster up`: a whole cluster on this machine, for development. Writes one config per
//! node under `--dir`, starts the servers on loopback, waits until each answers, prints where
//! they are, then stays in the foreground until Ctrl-C or SIGTERM and stops them all (SIGTERM,
//! then SIGKILL after a grace period).
//!
//! A node that exits during start-up fails the command: its log tail is shown and the others
//! are stopped. A node that exits later is reported and the others keep running, so failover
//! can be watched (as in the seed's high-availability check).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};

use super::layout::{
    check_cluster_name, check_node_count, ports_from_base, Layout, Node, SystemUser,
};
use super::nodes::{first_exited, stop_all, NodeProcess, Stopped, LOG_TAIL_LINES, STOP_GRACE};
use super::probe::{self, Health};
use crate::cli::format::{parse_duration, Table};

/// How long the nodes get to form their routes before `up` warns that they have not.
const ROUTES_WAIT: Duration = Duration::from_secs(10);

/// `rill cluster up [flags]`.
#[derive(clap::Args, Debug, Clone)]
pub struct UpArgs {
    /// Number of nodes (odd, 3 to 11).
    #[arg(long, default_value_t = 3)]
    pub nodes: usize,
    /// Directory for the configs, logs and data (default: a new one under the temp dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// First port: clients on P.., routes on P+N.., monitoring on P+2N.. (default: free ports).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub base_port: Option<u16>,
    /// Cluster name.
    #[arg(long, default_value = "C1")]
    pub name: String,
    /// Enable JetStream on every node (the default).
    #[arg(long, overrides_with = "no_js")]
    pub js: bool,
    /// Run the nodes without JetStream.
    #[arg(long, overrides_with = "js")]
    pub no_js: bool,
    /// Add a system-account user (for `rill server report jetstream`).
    #[arg(long, requires = "sys_password")]
    pub sys_user: Option<String>,
    /// The system user's password.
    #[arg(long, requires = "sys_user")]
    pub sys_password: Option<String>,
    /// How long the nodes may take to become healthy.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub wait: Duration,
    /// The server program (default: rill-server next to this rill).
    #[arg(long, hide = true)]
    pub server_bin: Option<PathBuf>,
}

/// The server program: `--server-bin`, else `rill-server` beside the running `rill`.
fn server_bin(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(bin) = given {
        return Ok(bin.to_path_buf());
    }
    let me = std::env::current_exe().context("cannot locate the running rill binary")?;
    let bin = me.with_file_name("rill-server");
    if !bin.exists() {
        bail!(
            "cannot find rill-server next to rill ({}): build it with `cargo build -p rill --bins`",
            bin.display()
        );
    }
    Ok(bin)
}

/// `n * 3` ports free on loopback right now (held open together so they differ).
fn free_ports(count: usize) -> anyhow::Result<Vec<u16>> {
    let listeners = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .context("cannot find free ports on 127.0.0.1")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect()
}

/// The local layout: loopback addresses, ports from `--base-port` or free ones.
fn layout(a: &UpArgs, dir: &Path) -> anyhow::Result<Layout> {
    let n = a.nodes;
    let free = match a.base_port {
        Some(_) => Vec::new(),
        None => free_ports(n * 3)?,
    };
    let mut nodes = Vec::with_capacity(n);
    for i in 0..n {
        let [client, cluster, http] = match a.base_port {
            Some(base) => ports_from_base(base, n, i)?,
            None => [free[i], free[n + i], free[2 * n + i]],
        };
        nodes.push(Node {
            name: format!("n{}", i + 1),
            host: "127.0.0.1".into(),
            bind: "127.0.0.1".into(),
            client_port: client,
            cluster_port: cluster,
            http_port: http,
            store_dir: dir
                .join(format!("n{}", i + 1))
                .to_string_lossy()
                .into_owned(),
        });
    }
    Ok(Layout {
        name: a.name.clone(),
        nodes,
        jetstream: !a.no_js,
        system_user: a
            .sys_user
            .clone()
            .zip(a.sys_password.clone())
            .map(|(user, password)| SystemUser { user, password }),
        generated_by: "rill cluster up",
    })
}

/// Writes the configs and data folders, then starts every node.
fn start_nodes(layout: &Layout, dir: &Path, bin: &Path) -> anyhow::Result<Vec<NodeProcess>> {
    let mut started = Vec::with_capacity(layout.nodes.len());
    for (i, node) in layout.nodes.iter().enumerate() {
        let config = dir.join(format!("{}.conf", node.name));
        let text = layout
            .config(i)
            .ok_or_else(|| anyhow!("no node {i} in the layout"))?;
        std::fs::write(&config, text)
            .with_context(|| format!("cannot write {}", config.display()))?;
        std::fs::create_dir_all(&node.store_dir)
            .with_context(|| format!("cannot create {}", node.store_dir))?;
        let log = dir.join(format!("{}.log", node.name));
        // On an error the nodes started so far are dropped, which kills them.
        started.push(NodeProcess::start(bin, &node.name, &config, &log)?);
    }
    Ok(started)
}

/// Ctrl-C or SIGTERM, noted by a background task.
fn watch_signals() -> anyhow::Result<Arc<AtomicBool>> {
    use tokio::signal::unix::{signal, SignalKind};
    let flag = Arc::new(AtomicBool::new(false));
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    let set = flag.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        set.store(true, Ordering::SeqCst);
    });
    Ok(flag)
}

/// Why the foreground wait ended.
enum Ended {
    /// Ctrl-C or SIGTERM.
    Signal,
    /// A node ended by itself during start-up.
    NodeExited(usize, std::process::ExitStatus),
    /// Every node ended by itself after start-up.
    AllExited,
    /// Start-up took longer than `--wait` (what the slowest node said).
    TimedOut(String),
}

/// Waits until every node is healthy; `None` when all are.
async fn wait_healthy(
    layout: &Layout,
    procs: &mut [NodeProcess],
    stop: &AtomicBool,
    wait: Duration,
) -> Option<Ended> {
    let deadline = Instant::now() + wait;
    let mut ready = vec![false; procs.len()];
    loop {
        if stop.load(Ordering::SeqCst) {
            return Some(Ended::Signal);
        }
        if let Some((i, status)) = first_exited(procs) {
            return Some(Ended::NodeExited(i, status));
        }
        let mut last = String::new();
        for (i, node) in layout.nodes.iter().enumerate() {
            if ready[i] {
                continue;
            }
            match probe::health(&node.host, node.client_port, node.http_port).await {
                Health::Ready => ready[i] = true,
                Health::NotYet(why) => last = format!("{}: {why}", node.name),
            }
        }
        if ready.iter().all(|r| *r) {
            return None;
        }
        if Instant::now() >= deadline {
            return Some(Ended::TimedOut(last));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Warns on stderr when the nodes have not connected to each other within [`ROUTES_WAIT`].
async fn check_routes(layout: &Layout) {
    let want = (layout.nodes.len() - 1) as u64;
    let deadline = Instant::now() + ROUTES_WAIT;
    loop {
        let mut lacking = Vec::new();
        for node in &layout.nodes {
            match probe::routes(&node.host, node.http_port).await {
                Ok(n) if n >= want => {}
                Ok(n) => lacking.push(format!("{} has {n} of {want} routes", node.name)),
                Err(e) => lacking.push(format!("{}: {e}", node.name)),
            }
        }
        if lacking.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            eprintln!(
                "rill: warning: the nodes are running but not connected to each other ({}); \
                 the server may not support clustering yet",
                lacking.join(", ")
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The table of nodes and the context hint.
fn summary(layout: &Layout, procs: &[NodeProcess], dir: &Path) -> String {
    let mut table = Table::new(["Name", "Client URL", "Monitor URL", "Data Dir", "PID"])
        .title(format!("Cluster {}", layout.name));
    for (node, proc_) in layout.nodes.iter().zip(procs) {
        table.row([
            node.name.clone(),
            node.client_url(),
            node.monitor_url(),
            node.store_dir.clone(),
            proc_.pid().to_string(),
        ]);
    }
    format!(
        "{}\nUse it with:\n\n  rill context save {} --server {} --select\n\n\
         Logs and configs are in {}. Press Ctrl-C to stop the cluster.\n",
        table.render(),
        layout.name,
        layout.server_list(),
        dir.display()
    )
}

/// Runs `rill cluster up`.
pub async fn run(a: UpArgs) -> anyhow::Result<()> {
    check_node_count(a.nodes)?;
    check_cluster_name(&a.name)?;
    let bin = server_bin(a.server_bin.as_deref())?;
    let dir = match &a.dir {
        // Absolute, so the configs do not depend on the directory the nodes start in.
        Some(d) if d.is_relative() => std::env::current_dir()
            .context("cannot read the current directory")?
            .join(d),
        Some(d) => d.clone(),
        None => {
            std::env::temp_dir().join(format!("rill-cluster-{}-{}", a.name, std::process::id()))
        }
    };
    let layout = layout(&a, &dir)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stop = watch_signals()?;
    let mut procs = start_nodes(&layout, &dir, &bin)?;
    let mut ended = wait_healthy(&layout, &mut procs, &stop, a.wait).await;
    if ended.is_none() {
        check_routes(&layout).await;
        print!("{}", summary(&layout, &procs, &dir));
        ended = Some(wait_for_end(&mut procs, &stop).await);
    }
    finish(ended, &mut procs).await
}

/// Stays in the foreground until a signal, or until every node has ended. A node that ends
/// while the others run is reported and left down (as a crashed machine would be), so the
/// cluster's failover can be watched.
async fn wait_for_end(procs: &mut [NodeProcess], stop: &AtomicBool) -> Ended {
    let mut reported = vec![false; procs.len()];
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ended::Signal;
        }
        for (i, node) in procs.iter_mut().enumerate() {
            if reported[i] {
                continue;
            }
            if let Some(status) = node.exited() {
                reported[i] = true;
                report_exit(node, status);
                eprintln!("rill: the other nodes keep running; Ctrl-C stops them");
            }
        }
        if reported.iter().all(|r| *r) {
            return Ended::AllExited;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A node's exit status and the end of its log, on stderr.
fn report_exit(node: &NodeProcess, status: std::process::ExitStatus) {
    eprintln!(
        "rill: node {} exited ({status}); last lines of {}:",
        node.name,
        node.log.display()
    );
    for line in node.log_tail(LOG_TAIL_LINES).lines() {
        eprintln!("  {line}");
    }
}

/// Stops every node and reports how the run ended.
async fn finish(ended: Option<Ended>, procs: &mut [NodeProcess]) -> anyhow::Result<()> {
    let failure = match ended {
        Some(Ended::NodeExited(i, status)) => {
            let node = &procs[i];
            report_exit(node, status);
            Some(anyhow!(
                "node {} exited during start-up ({status}): stopped the cluster",
                node.name
            ))
        }
        Some(Ended::AllExited) => Some(anyhow!("every node has exited")),
        Some(Ended::TimedOut(why)) => Some(anyhow!("the cluster was not healthy in time ({why})")),
        Some(Ended::Signal) | None => None,
    };
    let how = stop_all(procs, STOP_GRACE).await;
    for (node, how) in procs.iter().zip(how) {
        match how {
            Stopped::Terminated => println!("Stopped {} (pid {})", node.name, node.pid()),
            Stopped::Killed => {
                println!("Killed {} (pid {}): it did not stop", node.name, node.pid())
            }
            Stopped::AlreadyGone => {}
        }
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
