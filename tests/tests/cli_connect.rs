//! Connection options of every `rill` command: user/password and token from flags, the
//! environment and contexts; authentication failures and bad values as one-line errors.

use rill_tests::tool::Tool;
use rill_tests::ServerBuilder;

#[test]
fn user_and_password_from_flags_environment_or_context() {
    let server = ServerBuilder::new()
        .args(["--user", "alice", "--pass", "s3cret"])
        .start();
    let url = server.url();
    let mut tool = Tool::new();
    let out = tool.run(&["pub", "foo", "x", "--server", &url]);
    assert_eq!(out.code(), 1);
    assert_eq!(
        out.stderr,
        format!("rill: cannot connect to {url}: authorization violation\n")
    );
    tool.run(&[
        "pub",
        "foo",
        "x",
        "--server",
        &url,
        "--user",
        "alice",
        "--password",
        "s3cret",
    ])
    .assert_ok();
    let out = tool.run(&[
        "pub",
        "foo",
        "x",
        "--server",
        &url,
        "--user",
        "alice",
        "--password",
        "wrong",
    ]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr.contains("authorization violation"),
        "{}",
        out.stderr
    );

    tool.run(&[
        "context",
        "save",
        "auth",
        "--server",
        &url,
        "--user",
        "alice",
        "--password",
        "s3cret",
        "--select",
    ])
    .assert_ok();
    let info = tool.run(&["context", "info"]);
    assert!(
        info.stdout.contains("Password: *********\n"),
        "{}",
        info.stdout
    );
    assert!(!info.stdout.contains("s3cret"), "{}", info.stdout);
    tool.run(&["pub", "foo", "x"]).assert_ok();

    // The environment beats the context.
    tool.env("NATS_PASSWORD", "wrong");
    let out = tool.run(&["pub", "foo", "x"]);
    assert_eq!(out.code(), 1);
}

#[test]
fn token_from_flag_or_environment() {
    let server = ServerBuilder::new().args(["--auth", "t0ken"]).start();
    let url = server.url();
    let mut tool = Tool::new();
    tool.run(&["server", "ping", "--server", &url, "--token", "t0ken"])
        .assert_ok();
    tool.env("NATS_URL", &url).env("NATS_TOKEN", "t0ken");
    tool.run(&["server", "ping"]).assert_ok();
}

#[test]
fn bad_connection_values_are_refused_with_a_reason() {
    let tool = Tool::new();
    let out = tool.run(&["pub", "foo", "x", "--server", "nats://bad host:4222"]);
    assert_eq!(out.code(), 1);
    assert!(out.stderr.starts_with("rill: "), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    let out = tool.run(&["pub", "foo", "x", "--tlscert", "/nonexistent/cert.pem"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr
            .contains("--tlscert and --tlskey must be given together"),
        "{}",
        out.stderr
    );
    let out = tool.run(&["pub", "foo", "x", "--creds", "/nonexistent/user.creds"]);
    assert_eq!(out.code(), 1);
    assert!(
        out.stderr
            .contains("cannot read credentials /nonexistent/user.creds"),
        "{}",
        out.stderr
    );
}

#[test]
fn connection_flags_may_come_before_the_command() {
    let server = rill_tests::TestServer::start();
    let tool = Tool::new();
    let url = server.url();
    tool.run(&["--server", &url, "pub", "foo", "x"]).assert_ok();
    tool.run(&["-s", &url, "server", "check", "connection"])
        .assert_ok();
    let dead = rill_tests::tool::dead_url();
    // The command's own flag wins over one before it.
    tool.run(&["--server", &dead, "pub", "foo", "x", "--server", &url])
        .assert_ok();
    let out = tool.run(&["--context", "nope", "account", "info"]);
    assert_eq!(out.code(), 1);
    assert_eq!(out.stderr, "rill: unknown context \"nope\"\n");
}

#[test]
fn pub_without_a_body_and_without_a_terminal_sends_an_empty_message() {
    let server = rill_tests::TestServer::start();
    let tool = Tool::new();
    // stdin is /dev/null, not a terminal: nothing is read, nothing waits.
    let out = tool.run(&["pub", "foo", "--server", &server.url()]);
    out.assert_ok();
    assert!(
        out.stderr.contains("Published 0 bytes to \"foo\""),
        "{}",
        out.stderr
    );
}
