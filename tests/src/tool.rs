//! Running the `rill` command-line tool (`target/debug/rill`) as a process in tests.
//!
//! Every [`Tool`] has its own `XDG_CONFIG_HOME` (so contexts never touch the user's), clears the
//! `NATS_*` environment, sets `NO_COLOR` and `TZ=UTC` (tests may override it), and gives the process an empty stdin, so a command
//! that waited for input would hang visibly rather than read the test's terminal. Every run is
//! bounded in time: a process still running at its deadline is killed and the test fails.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::TempDir;

/// Longest a one-shot `rill` command may run.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment variables the tool reads, cleared for every run.
const NATS_ENV: [&str; 11] = [
    "NATS_URL",
    "NATS_USER",
    "NATS_PASSWORD",
    "NATS_TOKEN",
    "NATS_CREDS",
    "NATS_NKEY",
    "NATS_CERT",
    "NATS_KEY",
    "NATS_CA",
    "NATS_TIMEOUT",
    "NATS_CONTEXT",
];

/// The `rill` binary; panics with a hint if it was not built.
pub fn rill_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/rill");
    assert!(bin.exists(), "build it: cargo build -p rill --bins");
    bin
}

/// What a finished `rill` process left.
#[derive(Debug)]
pub struct ToolOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl ToolOutput {
    /// The exit code (-1 if killed by a signal).
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }

    /// Panics with both streams unless the process succeeded.
    pub fn assert_ok(&self) -> &ToolOutput {
        assert!(
            self.status.success(),
            "rill failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A `rill` environment with its own configuration directory.
#[derive(Debug)]
pub struct Tool {
    config: TempDir,
    env: Vec<(String, String)>,
}

impl Default for Tool {
    fn default() -> Self {
        Tool::new()
    }
}

fn drain(mut from: impl Read + Send + 'static) -> (Arc<Mutex<Vec<u8>>>, JoinHandle<()>) {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = buf.clone();
    let handle = std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = from.read(&mut chunk) {
            if n == 0 {
                break;
            }
            if let Ok(mut b) = sink.lock() {
                b.extend_from_slice(&chunk[..n]);
            }
        }
    });
    (buf, handle)
}

fn text(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    buf.lock()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

impl Tool {
    /// A fresh environment.
    pub fn new() -> Tool {
        Tool {
            config: TempDir::new(),
            env: Vec::new(),
        }
    }

    /// The `XDG_CONFIG_HOME` the tool sees.
    pub fn config_home(&self) -> &Path {
        self.config.path()
    }

    /// Sets an environment variable for later runs.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Tool {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(rill_bin());
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.config.path())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for key in NATS_ENV {
            cmd.env_remove(key);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Starts `rill ARGS` in the background.
    pub fn spawn(&self, args: &[&str]) -> Running {
        Running::start(self.command(args), args.join(" "))
    }

    /// Runs `rill ARGS` to completion (at most [`RUN_TIMEOUT`]).
    pub fn run(&self, args: &[&str]) -> ToolOutput {
        self.spawn(args).finish(RUN_TIMEOUT)
    }
}

/// A `rill` process running in the background.
#[derive(Debug)]
pub struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    threads: Vec<JoinHandle<()>>,
    what: String,
}

impl Running {
    /// Starts `cmd` with stdout and stderr piped and drained; `what` names it in failures.
    pub fn start(mut cmd: Command, what: String) -> Running {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {what}: {e}"));
        let (stdout, out_thread) = drain(child.stdout.take().expect("stdout piped"));
        let (stderr, err_thread) = drain(child.stderr.take().expect("stderr piped"));
        Running {
            child,
            stdout,
            stderr,
            threads: vec![out_thread, err_thread],
            what,
        }
    }

    /// Waits until stderr contains `needle`; panics after `timeout` or if the process ends.
    pub fn wait_stderr(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !text(&self.stderr).contains(needle) {
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(50));
                if text(&self.stderr).contains(needle) {
                    return;
                }
                panic!(
                    "rill {} exited ({status:?}) before printing {needle:?}; stderr:\n{}",
                    self.what,
                    text(&self.stderr)
                );
            }
            assert!(
                Instant::now() < deadline,
                "rill {} did not print {needle:?} within {timeout:?}; stderr:\n{}",
                self.what,
                text(&self.stderr)
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until stdout contains `needle`; panics after `timeout` or if the process ends.
    pub fn wait_stdout(&mut self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !text(&self.stdout).contains(needle) {
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(50));
                if text(&self.stdout).contains(needle) {
                    return;
                }
                panic!(
                    "rill {} exited ({status:?}) before printing {needle:?}; stdout:\n{}\nstderr:\n{}",
                    self.what,
                    text(&self.stdout),
                    text(&self.stderr)
                );
            }
            assert!(
                Instant::now() < deadline,
                "rill {} did not print {needle:?} within {timeout:?}; stdout:\n{}\nstderr:\n{}",
                self.what,
                text(&self.stdout),
                text(&self.stderr)
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything printed on stdout so far.
    pub fn stdout_so_far(&self) -> String {
        text(&self.stdout)
    }

    /// Everything printed on stderr so far.
    pub fn stderr_so_far(&self) -> String {
        text(&self.stderr)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit (killing it and failing after `timeout`).
    pub fn finish(mut self, timeout: Duration) -> ToolOutput {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "rill {} still running after {timeout:?}; stdout:\n{}\nstderr:\n{}",
                    self.what,
                    text(&self.stdout),
                    text(&self.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        ToolOutput {
            status,
            stdout: text(&self.stdout),
            stderr: text(&self.stderr),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A `nats://127.0.0.1:<port>` URL nobody listens on (the port was just free).
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("nats://127.0.0.1:{port}")
}

/// Whether util-linux `script` (the pseudo-terminal the terminal tests run under) is on PATH.
pub fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `rill ARGS` on a pseudo-terminal (`script`) with `input` typed into it (one answer a
/// line), `NO_COLOR` and `TZ=UTC`; panics unless it succeeds; returns what the terminal showed.
pub fn on_terminal_typing(tool: &Tool, args: &str, input: &str) -> String {
    let dir = TempDir::new();
    let answers = dir.write("answers.txt", input);
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "script -qfec '{} {args}' /dev/null < '{}'",
            rill_bin().display(),
            answers.display()
        ))
        .env("XDG_CONFIG_HOME", tool.config_home())
        .env("NO_COLOR", "1")
        .env("TZ", "UTC");
    for key in NATS_ENV {
        cmd.env_remove(key);
    }
    let out = Running::start(cmd, format!("script rill {args}")).finish(RUN_TIMEOUT);
    out.assert_ok();
    out.stdout
}
