//! What only a terminal sees: the progress bar of `rill pub --count` and colours, which
//! `NO_COLOR` turns off. The tool runs under `script` (util-linux), which gives it a
//! pseudo-terminal; without `script` on PATH these tests say so and pass vacuously.

use std::process::Command;
use std::time::Duration;

use rill_tests::tool::{have_script, rill_bin, Running, Tool};
use rill_tests::TestServer;

/// Runs `rill ARGS` on a pseudo-terminal; returns what the terminal showed.
fn on_terminal(tool: &Tool, args: &str, no_color: bool) -> String {
    on_terminal_with(tool, args, no_color, &[])
}

/// As [`on_terminal`], with extra environment variables.
fn on_terminal_with(tool: &Tool, args: &str, no_color: bool, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("script");
    cmd.envs(env.iter().copied());
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

#[test]
fn context_edit_without_flags_opens_the_editor_on_a_terminal() {
    if !have_script() {
        eprintln!("skipped: `script` is not on PATH");
        return;
    }
    let tool = Tool::new();
    let dead = rill_tests::tool::dead_url();
    tool.run(&[
        "context",
        "save",
        "c",
        "--server",
        &dead,
        "--description",
        "before",
    ])
    .assert_ok();
    let editor = tool.config_home().join("editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nsed -i 's/before/after/' \"$1\"\n").expect("write editor");
    let status = Command::new("chmod")
        .arg("+x")
        .arg(&editor)
        .status()
        .expect("chmod");
    assert!(status.success());
    let editor = editor.display().to_string();
    let shown = on_terminal_with(
        &tool,
        "context edit c",
        true,
        &[("EDITOR", editor.as_str())],
    );
    assert!(shown.contains("Description: after"), "{shown:?}");
    let info = tool.run(&["context", "info", "c", "--json"]);
    assert!(
        info.stdout.contains("\"description\": \"after\""),
        "{}",
        info.stdout
    );
}
