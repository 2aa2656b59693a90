//! What only a terminal sees: the progress bar of `rill pub --count` and colours, which
//! `NO_COLOR` turns off. The tool runs under `script` (util-linux), which gives it a
//! pseudo-terminal; without `script` on PATH these tests say so and pass vacuously.

use std::process::{Command, Stdio};
use std::time::Duration;

use rill_tests::tool::{rill_bin, Running, Tool};
use rill_tests::TestServer;

fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `rill ARGS` on a pseudo-terminal; returns what the terminal showed.
fn on_terminal(tool: &Tool, args: &str, no_color: bool) -> String {
    let mut cmd = Command::new("script");
    cmd.args([
        "-qfec",
        &format!("{} {args}", rill_bin().display()),
        "/dev/null",
    ])
    .env("XDG_CONFIG_HOME", tool.config_home())
    .env_remove("NO_COLOR")
    .env_remove("NATS_URL")
    .env_remove("NATS_CONTEXT");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let out = Running::start(cmd, format!("script rill {args}")).finish(Duration::from_secs(30));
    out.assert_ok();
    out.stdout
}

#[test]
fn pub_draws_the_seeds_progress_bar_on_a_terminal_only() {
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let server = TestServer::start();
    let tool = Tool::new();
    let args = format!(
        "pub foo 'n{{{{Count}}}}' --count 200 --server {}",
        server.url()
    );
    let shown = on_terminal(&tool, &args, false);
    assert!(
        shown.contains(" 200 / 200 [=================================================="),
        "{shown:?}"
    );
    assert!(shown.contains("Published 200 messages"), "{shown:?}");
    let piped = tool.run(&[
        "pub",
        "foo",
        "n",
        "--count",
        "200",
        "--server",
        &server.url(),
    ]);
    piped.assert_ok();
    assert!(!piped.stderr.contains(" / 200 ["), "{}", piped.stderr);
}

#[test]
fn colours_on_a_terminal_unless_no_color() {
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let server = TestServer::start();
    let tool = Tool::new();
    let args = format!("context save c --server {}", server.url());
    let coloured = on_terminal(&tool, &args, false);
    assert!(
        coloured.contains("Connection: \u{1b}[32mOK\u{1b}[0m"),
        "{coloured:?}"
    );
    let plain = on_terminal(&tool, &args, true);
    assert!(plain.contains("Connection: OK"), "{plain:?}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
}
