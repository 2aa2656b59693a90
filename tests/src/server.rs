//! Spawning the server under test as a child process.
//!
//! The binary is `RILL_SERVER_BIN` (a whitespace-split command, e.g. `nats-server`) or, when that
//! is unset, `<workspace>/target/debug/rill-server`. Every server is started with
//! `-a 127.0.0.1 -p -1` (a random port, never a fixed one), so tests can run in parallel, and
//! is considered up once its stderr shows `Listening for client connections on <host>:<port>`
//! and `Server is ready` — the same lines the official client test harnesses scrape.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take from spawn to `Server is ready` (debug builds are slow to start).
pub const START_TIMEOUT: Duration = Duration::from_secs(15);

/// How long `Drop` waits after SIGTERM before it sends SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

const CLIENT_LINE: &str = "Listening for client connections on ";
const MONITOR_LINE: &str = "Starting http monitor on ";
const READY_LINE: &str = "Server is ready";

/// The command that runs the server under test: program plus leading arguments.
pub fn server_command() -> Vec<String> {
    if let Ok(cmd) = std::env::var("RILL_SERVER_BIN") {
        let parts: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
        assert!(!parts.is_empty(), "RILL_SERVER_BIN is set but empty");
        return parts;
    }
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debug/rill-server");
    assert!(
        bin.exists(),
        "server binary {} not found: build it with `cargo build -p rill --bins`, \
         or set RILL_SERVER_BIN (e.g. RILL_SERVER_BIN=nats-server)",
        bin.display()
    );
    vec![bin.to_string_lossy().into_owned()]
}

/// True when the suite runs against the reference server (`RILL_SERVER_BIN=nats-server`):
/// tests of guarantees only Rill gives skip those checks.
pub fn reference_server() -> bool {
    server_command()[0].contains("nats-server")
}

/// A fresh directory under the system temp dir, removed when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a uniquely named directory (pid, counter and clock in the name).
    pub fn new() -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "rill-tests-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let file = self.path.join(name);
        std::fs::write(&file, text).expect("write file in temp dir");
        file
    }
}

impl Default for TempDir {
    fn default() -> Self {
        TempDir::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Builder for a [`TestServer`]: extra arguments, a config file, monitoring.
#[derive(Debug, Default)]
pub struct ServerBuilder {
    args: Vec<String>,
    config: Option<String>,
    monitoring: bool,
    port: Option<u16>,
    monitor_port: Option<u16>,
}

impl ServerBuilder {
    /// A server with defaults only (`-a 127.0.0.1 -p -1`).
    pub fn new() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Appends one command-line argument.
    pub fn arg(mut self, arg: impl Into<String>) -> ServerBuilder {
        self.args.push(arg.into());
        self
    }

    /// Appends several command-line arguments.
    pub fn args<I, S>(mut self, args: I) -> ServerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Writes `text` to `server.conf` in the server's temp dir and passes `-c <file>`.
    pub fn config(mut self, text: impl Into<String>) -> ServerBuilder {
        self.config = Some(text.into());
        self
    }

    /// Enables the HTTP monitor on a random port (`-m -1`) and waits for its log line.
    pub fn monitoring(mut self) -> ServerBuilder {
        self.monitoring = true;
        self
    }

    /// Listens for clients on `port` instead of a random one (a node restarted on its port).
    pub fn port(mut self, port: u16) -> ServerBuilder {
        self.port = Some(port);
        self
    }

    /// Enables the HTTP monitor on `port` (instead of a random one) and waits for its log line.
    pub fn monitoring_on(mut self, port: u16) -> ServerBuilder {
        self.monitoring = true;
        self.monitor_port = Some(port);
        self
    }

    /// Spawns the server and waits until it is ready; panics (with its log) if it is not.
    pub fn start(self) -> TestServer {
        let dir = TempDir::new();
        let cmd = server_command();
        let mut command = Command::new(&cmd[0]);
        let port = self.port.map_or("-1".to_string(), |p| p.to_string());
        command
            .args(&cmd[1..])
            .args(["-a", "127.0.0.1", "-p", &port]);
        if self.monitoring {
            let monitor = self
                .monitor_port
                .map_or("-1".to_string(), |p| p.to_string());
            command.args(["-m", &monitor]);
        }
        if let Some(text) = &self.config {
            let file = dir.write("server.conf", text);
            command.arg("-c").arg(file);
        }
        command.args(&self.args);
        command.current_dir(dir.path());
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("failed to spawn {:?}: {e}", cmd));

        let log = Arc::new(Mutex::new(String::new()));
        let (line_tx, line_rx) = mpsc::channel::<String>();
        let stderr = child.stderr.take().expect("piped stderr");
        spawn_drain(stderr, Arc::clone(&log), Some(line_tx));
        let stdout = child.stdout.take().expect("piped stdout");
        spawn_drain(stdout, Arc::clone(&log), None);

        let mut server = TestServer {
            child,
            pid: 0,
            port: 0,
            monitor_port: None,
            log,
            _dir: dir,
            exit: None,
        };
        server.pid = server.child.id();
        server.wait_ready(&line_rx, self.monitoring);
        server
    }
}

/// Copies a child's output into `log` line by line; forwards stderr lines while someone listens.
fn spawn_drain<R: Read + Send + 'static>(
    stream: R,
    log: Arc<Mutex<String>>,
    lines: Option<mpsc::Sender<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf).into_owned();
                    if let Ok(mut log) = log.lock() {
                        log.push_str(&line);
                    }
                    if let Some(tx) = &lines {
                        // The receiver is gone once the server is ready: keep draining anyway.
                        let _ = tx.send(line);
                    }
                }
            }
        }
    })
}

/// Parses the port at the end of `...on <host>:<port>`.
fn port_after(line: &str, marker: &str) -> Option<u16> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let addr = rest.split_whitespace().next()?;
    addr.rsplit(':').next()?.parse().ok()
}

/// A running server process; `Drop` stops it (SIGTERM, then SIGKILL) and removes its temp dir.
#[derive(Debug)]
pub struct TestServer {
    child: Child,
    pid: u32,
    port: u16,
    monitor_port: Option<u16>,
    log: Arc<Mutex<String>>,
    _dir: TempDir,
    exit: Option<ExitStatus>,
}

impl TestServer {
    /// Starts a server with default options.
    pub fn start() -> TestServer {
        ServerBuilder::new().start()
    }

    /// Starts a server with `text` as its config file.
    pub fn with_config(text: &str) -> TestServer {
        ServerBuilder::new().config(text).start()
    }

    fn wait_ready(&mut self, lines: &mpsc::Receiver<String>, monitoring: bool) {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut ready = false;
        while !(ready && self.port != 0 && (!monitoring || self.monitor_port.is_some())) {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(port) = port_after(&line, CLIENT_LINE) {
                        self.port = port;
                    }
                    if let Some(port) = port_after(&line, MONITOR_LINE) {
                        self.monitor_port = Some(port);
                    }
                    ready |= line.contains(READY_LINE);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "server not ready within {START_TIMEOUT:?} (need `{CLIENT_LINE}<host>:<port>`, \
                         `{READY_LINE}`{}); log so far:\n{}",
                        if monitoring { ", `Starting http monitor on <host>:<port>`" } else { "" },
                        self.log()
                    )
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Give the stdout drain a moment to catch up so the log is complete.
                    let status = self.wait_exit(Duration::from_secs(2));
                    panic!(
                        "server exited before ready ({status:?}); log:\n{}",
                        self.log()
                    )
                }
            }
        }
    }

    /// The client port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The monitoring HTTP port; panics unless started with [`ServerBuilder::monitoring`].
    pub fn monitor_port(&self) -> u16 {
        self.monitor_port
            .expect("server was not started with monitoring()")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`, for raw TCP connections.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Everything the server wrote to stderr and stdout so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Polls the log for `needle` for up to `timeout`; true once it appears.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The log lines containing `needle`.
    pub fn log_lines_with(&self, needle: &str) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }

    /// Connects an async-nats client with default options (10 s connect timeout).
    pub async fn connect(&self) -> async_nats::Client {
        self.connect_with(async_nats::ConnectOptions::new())
            .await
            .unwrap_or_else(|e| panic!("connect to {} failed: {e}", self.url()))
    }

    /// Connects an async-nats client with `options`; returns the connect error, if any.
    pub async fn connect_with(
        &self,
        options: async_nats::ConnectOptions,
    ) -> Result<async_nats::Client, async_nats::ConnectError> {
        let fut = options
            .connection_timeout(Duration::from_secs(5))
            .connect(self.url());
        match tokio::time::timeout(Duration::from_secs(10), fut).await {
            Ok(result) => result,
            Err(_) => panic!("async-nats connect to {} hung for 10 s", self.url()),
        }
    }

    /// Sends `signal` (a `kill` name such as `TERM`, `USR2`, `INT`) to the server process.
    pub fn signal(&self, signal: &str) {
        send_signal(self.pid, signal);
    }

    /// SIGKILLs the process at once (no helper process in between) and reaps it.
    pub fn kill9(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            let _ = self.child.kill();
            self.exit = self.child.wait().ok();
        }
        self.exit
    }

    /// Polls for the process to exit for up to `timeout`; `None` if it is still running.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if self.exit.is_some() {
            return self.exit;
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.exit = Some(status);
                return self.exit;
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.exit.is_some() {
            return;
        }
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        send_signal(self.pid, "TERM");
        if self.wait_exit(STOP_GRACE).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends a signal by name with the `kill` utility (no libc dependency).
pub fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {pid} failed: {status}");
}

/// Output of a server run to completion (e.g. `-t -c file`).
#[derive(Debug)]
pub struct RunOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
}

/// Runs the server command with exactly `args` (no `-a`/`-p` added) and waits up to `timeout`
/// for it to exit; panics (after killing it) if it does not.
pub fn run_to_exit(args: &[&str], timeout: Duration) -> RunOutput {
    let cmd = server_command();
    let mut child = Command::new(&cmd[0])
        .args(&cmd[1..])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("failed to spawn {:?}: {e}", cmd));
    let out = Arc::new(Mutex::new(String::new()));
    let err = Arc::new(Mutex::new(String::new()));
    let drains = [
        spawn_drain(child.stdout.take().expect("stdout"), Arc::clone(&out), None),
        spawn_drain(child.stderr.take().expect("stderr"), Arc::clone(&err), None),
    ];
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{:?} {:?} did not exit within {timeout:?}", cmd, args);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // The pipes close at exit; wait (bounded, in case a grandchild holds them) for the copies.
    let drain_deadline = Instant::now() + Duration::from_secs(2);
    while drains.iter().any(|d| !d.is_finished()) && Instant::now() < drain_deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let text = |m: &Arc<Mutex<String>>| m.lock().map(|s| s.clone()).unwrap_or_default();
    RunOutput {
        status,
        stdout: text(&out),
        stderr: text(&err),
    }
}
