//! The server processes `rill cluster up` runs: started with their config file and their
//! output in a log file, watched for an early exit, and stopped with SIGTERM, then SIGKILL.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

/// How long a node gets to stop after SIGTERM before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// Lines of a node's log shown when it fails.
pub const LOG_TAIL_LINES: usize = 20;

/// One running server.
#[derive(Debug)]
pub struct NodeProcess {
    /// The node's `server_name`.
    pub name: String,
    /// Its log file (stdout and stderr).
    pub log: PathBuf,
    child: Child,
    status: Option<ExitStatus>,
}

impl NodeProcess {
    /// Starts `bin --config config`, its output appended to `log`.
    pub fn start(bin: &Path, name: &str, config: &Path, log: &Path) -> anyhow::Result<Self> {
        let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out
            .try_clone()
            .with_context(|| format!("cannot share {}", log.display()))?;
        let child = Command::new(bin)
            .arg("--config")
            .arg(config)
            // Its own process group: Ctrl-C on the terminal reaches `rill cluster up` only,
            // which then stops the nodes itself, in order.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {} for node {name}", bin.display()))?;
        Ok(NodeProcess {
            name: name.to_string(),
            log: log.to_path_buf(),
            child,
            status: None,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has ended (it is reaped then).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.status = Some(status);
            }
        }
        self.status
    }

    /// Asks the process to stop (SIGTERM); false if it already ended.
    fn terminate(&mut self) -> bool {
        if self.exited().is_some() {
            return false;
        }
        // No libc in this crate: `kill` is always there where the servers run.
        Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Kills the process (SIGKILL) and reaps it.
    fn kill(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            if let Ok(status) = self.child.wait() {
                self.status = Some(status);
            }
        }
    }

    /// The last `lines` lines of the node's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for NodeProcess {
    /// A node is never left running when `rill cluster up` ends, whatever the path out.
    fn drop(&mut self) {
        self.kill();
    }
}

/// How one node ended when the cluster was stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// It stopped after SIGTERM.
    Terminated,
    /// It had to be killed after [`STOP_GRACE`].
    Killed,
    /// It had ended before.
    AlreadyGone,
}

/// Stops every node: SIGTERM to all, then waits up to `grace` and kills what is left.
pub async fn stop_all(nodes: &mut [NodeProcess], grace: Duration) -> Vec<Stopped> {
    let asked: Vec<bool> = nodes.iter_mut().map(NodeProcess::terminate).collect();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && nodes.iter_mut().any(|n| n.exited().is_none()) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    nodes
        .iter_mut()
        .zip(asked)
        .map(|(node, asked)| {
            if !asked {
                Stopped::AlreadyGone
            } else if node.exited().is_some() {
                Stopped::Terminated
            } else {
                node.kill();
                Stopped::Killed
            }
        })
        .collect()
}

/// The first node that has ended, with its exit status.
pub fn first_exited(nodes: &mut [NodeProcess]) -> Option<(usize, ExitStatus)> {
    nodes
        .iter_mut()
        .enumerate()
        .find_map(|(i, n)| n.exited().map(|s| (i, s)))
}
