//! Helpers shared by the `rill stream` process tests (`cli_stream.rs`, `cli_stream_admin.rs`).

// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rill_tests::tool::{rill_bin, Tool, ToolOutput};
use rill_tests::{ServerBuilder, TempDir, TestServer};

/// A JetStream server with its own store directory (kept alive with it).
pub fn js_server() -> (TempDir, TestServer) {
    let store = TempDir::new();
    let server = ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start();
    (store, server)
}

pub fn run(tool: &Tool, server: &TestServer, args: &[&str]) -> ToolOutput {
    let url = server.url();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--server", &url]);
    tool.run(&all)
}

/// `stream add NAME --subjects foo --defaults`, checked.
pub fn add_seed_stream(tool: &Tool, server: &TestServer, name: &str) -> ToolOutput {
    let out = run(
        tool,
        server,
        &["stream", "add", name, "--subjects", "foo", "--defaults"],
    );
    out.assert_ok();
    out
}

pub fn publish(tool: &Tool, server: &TestServer, subject: &str, count: &str) {
    run(
        tool,
        server,
        &[
            "pub",
            subject,
            "--count",
            count,
            "--jetstream",
            "publication #{{Count}}",
        ],
    )
    .assert_ok();
}

/// Runs `rill ARGS --server URL` on a pseudo-terminal, typing `answers`; returns what the
/// terminal showed (with `\n` line ends) and whether the tool succeeded.
pub fn on_terminal_answering(
    tool: &Tool,
    server: &TestServer,
    args: &str,
    answers: &str,
) -> (String, bool) {
    let line = format!("{} {args} --server {}", rill_bin().display(), server.url());
    let mut child = Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env("XDG_CONFIG_HOME", tool.config_home())
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env_remove("NATS_URL")
        .env_remove("NATS_CONTEXT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn script");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(answers.as_bytes())
        .expect("answers");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rill {args} still asking after 30s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    (shown, out.status.success())
}
