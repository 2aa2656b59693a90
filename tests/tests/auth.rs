//! Authentication: token (`--auth`), user/password (`--user --pass`), a users list in a config file
//! with plain and bcrypt passwords, a bcrypt token, and what unauthenticated connections see.

use std::time::{Duration, Instant};

use async_nats::{ConnectErrorKind, ConnectOptions};
use rill_tests::{next_msg, sync, RawClient, ServerBuilder, TestServer};

/// bcrypt("bcrypt-pass-2a", cost 6), `$2a$` variant.
const HASH_2A: &str = "$2a$06$U6dh/hxxWAeFphM4/0Tr3ept5VCAPTcgoeEjYhnK8QEaKrCu7mFw.";
/// bcrypt("bcrypt-pass-2b", cost 4), `$2b$` variant.
const HASH_2B: &str = "$2b$04$EHMwdatocfXNb9pRBvoPXOcBplcrJKe9TsFEiIemdPOU5lfzoDlIG";
/// bcrypt("bcrypt-token", cost 4).
const HASH_TOKEN: &str = "$2a$04$79dAJ7vMrPA7y1D01LopZ.k59oCc6QiTQqCftWRcCoY9Ly9yhga5u";

fn users_config() -> String {
    format!(
        "authorization {{\n  users = [\n    {{ user: plain, password: \"plain-pass\" }}\n    \
         {{ user: hashed_a, password: \"{HASH_2A}\" }}\n    \
         {{ user: hashed_b, password: \"{HASH_2B}\" }}\n  ]\n}}\n"
    )
}

/// Connects with `options` and proves the connection works with a publish round trip.
async fn assert_accepted(server: &TestServer, options: ConnectOptions) {
    let client = server
        .connect_with(options)
        .await
        .expect("credentials should be accepted");
    let mut sub = client.subscribe("auth.ok").await.expect("subscribe");
    client
        .publish("auth.ok", "x".into())
        .await
        .expect("publish");
    sync(&client).await;
    next_msg(&mut sub).await;
}

/// Connecting with `options` fails quickly with an authorization violation.
async fn assert_rejected(server: &TestServer, options: ConnectOptions) {
    let started = Instant::now();
    let err = server
        .connect_with(options)
        .await
        .expect_err("credentials should be rejected");
    assert_eq!(
        err.kind(),
        ConnectErrorKind::AuthorizationViolation,
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn token_auth_accepts_the_right_token() {
    let server = ServerBuilder::new().args(["--auth", "s3cr3t"]).start();
    assert_accepted(&server, ConnectOptions::with_token("s3cr3t".into())).await;
}

#[tokio::test]
async fn token_auth_rejects_wrong_or_missing_token() {
    let server = ServerBuilder::new().args(["--auth", "s3cr3t"]).start();
    assert_rejected(&server, ConnectOptions::with_token("wrong".into())).await;
    assert_rejected(&server, ConnectOptions::new()).await;
    assert_rejected(
        &server,
        ConnectOptions::with_user_and_password("s3cr3t".into(), "s3cr3t".into()),
    )
    .await;
}

#[tokio::test]
async fn user_password_auth_accepts_the_right_pair() {
    let server = ServerBuilder::new()
        .args(["--user", "alice", "--pass", "wonderland"])
        .start();
    assert_accepted(
        &server,
        ConnectOptions::with_user_and_password("alice".into(), "wonderland".into()),
    )
    .await;
}

#[tokio::test]
async fn user_password_auth_rejects_wrong_password_user_or_none() {
    let server = ServerBuilder::new()
        .args(["--user", "alice", "--pass", "wonderland"])
        .start();
    for (user, pass) in [("alice", "nope"), ("bob", "wonderland"), ("alice", "")] {
        assert_rejected(
            &server,
            ConnectOptions::with_user_and_password(user.into(), pass.into()),
        )
        .await;
    }
    assert_rejected(&server, ConnectOptions::new()).await;
    assert_rejected(&server, ConnectOptions::with_token("wonderland".into())).await;
}

#[tokio::test]
async fn users_list_accepts_plain_and_bcrypt_passwords() {
    let server = TestServer::with_config(&users_config());
    for (user, pass) in [
        ("plain", "plain-pass"),
        ("hashed_a", "bcrypt-pass-2a"),
        ("hashed_b", "bcrypt-pass-2b"),
    ] {
        assert_accepted(
            &server,
            ConnectOptions::with_user_and_password(user.into(), pass.into()),
        )
        .await;
    }
}

#[tokio::test]
async fn users_list_rejects_wrong_passwords_and_the_hash_itself() {
    let server = TestServer::with_config(&users_config());
    for (user, pass) in [
        ("plain", "wrong"),
        ("hashed_a", "bcrypt-pass-2b"),
        ("hashed_a", HASH_2A), // sending the stored hash must not work
        ("hashed_b", "wrong"),
        ("nobody", "plain-pass"),
    ] {
        assert_rejected(
            &server,
            ConnectOptions::with_user_and_password(user.into(), pass.into()),
        )
        .await;
    }
}

#[tokio::test]
async fn bcrypt_token_accepts_the_plain_token() {
    let server = TestServer::with_config(&format!("authorization {{ token: \"{HASH_TOKEN}\" }}\n"));
    assert_accepted(&server, ConnectOptions::with_token("bcrypt-token".into())).await;
    assert_rejected(&server, ConnectOptions::with_token("wrong".into())).await;
    assert_rejected(&server, ConnectOptions::with_token(HASH_TOKEN.into())).await;
}

#[tokio::test]
async fn info_advertises_auth_required() {
    let server = ServerBuilder::new().args(["--auth", "s3cr3t"]).start();
    let c = RawClient::connect(&server.addr()).await;
    assert_eq!(c.info["auth_required"], true, "{}", c.info);
}

#[tokio::test]
async fn wrong_credentials_on_raw_connection_get_authorization_violation_and_close() {
    let server = ServerBuilder::new()
        .args(["--user", "alice", "--pass", "wonderland"])
        .start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false,\"user\":\"alice\",\"pass\":\"bad\"}\r\nPING\r\n")
        .await;
    c.expect_exact("-ERR 'Authorization Violation'").await;
    c.expect_closed(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn operations_before_connect_on_auth_server_get_authorization_violation() {
    let server = ServerBuilder::new().args(["--auth", "s3cr3t"]).start();
    for op in ["PUB foo 1\r\nx\r\n", "SUB foo 1\r\n", "PING\r\n"] {
        let mut c = RawClient::connect(&server.addr()).await;
        c.send(op).await;
        c.expect_exact("-ERR 'Authorization Violation'").await;
        c.expect_closed(Duration::from_secs(2)).await;
    }
}

#[tokio::test]
async fn silent_connection_gets_authentication_timeout() {
    let server = TestServer::with_config("authorization { token: s3cr3t, timeout: 0.5 }\n");
    let started = Instant::now();
    let mut c = RawClient::connect(&server.addr()).await;
    c.expect_exact("-ERR 'Authentication Timeout'").await;
    c.expect_closed(Duration::from_secs(2)).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(3),
        "auth timeout of 0.5 s fired after {elapsed:?}"
    );
}

#[tokio::test]
async fn plaintext_passwords_log_a_warning() {
    let server = TestServer::with_config(&users_config());
    assert!(
        server.wait_for_log("Plaintext passwords detected", Duration::from_secs(2)),
        "log:\n{}",
        server.log()
    );
    let line = &server.log_lines_with("Plaintext passwords detected")[0];
    assert!(line.contains("[WRN]"), "{line}");
}

#[tokio::test]
async fn bcrypt_only_passwords_log_no_plaintext_warning() {
    let server = TestServer::with_config(&format!(
        "authorization {{ users = [ {{ user: hashed_a, password: \"{HASH_2A}\" }} ] }}\n"
    ));
    // The server is ready: startup warnings have been written by now.
    assert_accepted(
        &server,
        ConnectOptions::with_user_and_password("hashed_a".into(), "bcrypt-pass-2a".into()),
    )
    .await;
    assert!(
        !server.log().contains("Plaintext passwords"),
        "log:\n{}",
        server.log()
    );
}
