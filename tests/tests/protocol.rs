//! Wire-level protocol behaviour over raw TCP: INFO, CONNECT options (verbose, pedantic, echo,
//! protocol), PING/PONG, parser errors and which of them close the connection.

use std::time::Duration;

use rill_tests::{RawClient, TestServer};

const CLOSE_WAIT: Duration = Duration::from_secs(2);

#[tokio::test]
async fn info_fields_are_sane() {
    let server = TestServer::start();
    let first = RawClient::connect(&server.addr()).await;
    let second = RawClient::connect(&server.addr()).await;
    let info = &first.info;

    let server_id = info["server_id"].as_str().expect("server_id string");
    assert_eq!(server_id.len(), 56, "server_id {server_id}");
    assert!(server_id.starts_with('N'), "server_id {server_id}");
    assert!(info["server_name"].is_string(), "server_name: {info}");
    let version = info["version"].as_str().expect("version string");
    let parts: Vec<&str> = version.split(['.', '-']).collect();
    assert!(
        parts.len() >= 3 && parts[..3].iter().all(|p| p.parse::<u32>().is_ok()),
        "version {version} is not semver"
    );
    assert_eq!(info["proto"], 1);
    assert_eq!(info["headers"], true);
    assert_eq!(info["max_payload"], 1_048_576);
    assert_eq!(info["port"], server.port());
    assert!(info["host"].is_string(), "host: {info}");
    assert!(info["go"].is_string(), "go: {info}");
    assert!(
        info.get("connect_urls").is_none_or(|v| v.is_array()),
        "connect_urls must be absent or an array: {info}"
    );
    assert!(
        info.get("auth_required").is_none_or(|v| v == false),
        "no auth configured: {info}"
    );
    let cid1 = info["client_id"].as_u64().expect("client_id u64");
    let cid2 = second.info["client_id"].as_u64().expect("client_id u64");
    assert!(
        cid1 > 0 && cid2 > 0 && cid1 != cid2,
        "client ids {cid1} {cid2}"
    );
    assert_eq!(second.info["server_id"], info["server_id"]);
}

#[tokio::test]
async fn ping_gets_pong() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    for _ in 0..3 {
        c.send("PING\r\n").await;
        c.expect_exact("PONG").await;
    }
    c.send("PING\r\nPING\r\n").await;
    c.expect_exact("PONG").await;
    c.expect_exact("PONG").await;
}

#[tokio::test]
async fn first_ping_after_connect_with_protocol_1_gets_pong_then_connect_info() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
        .await;
    c.expect_exact("PONG").await;
    let info = rill_tests::raw::parse_info(&c.expect_line().await);
    assert_eq!(info["connect_info"], true, "{info}");
    assert_eq!(info["remote_account"], "$G", "{info}");
    // Only the first PING triggers it.
    c.ping_pong().await;
}

#[tokio::test]
async fn verbose_connection_gets_ok_for_each_operation() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":true}\r\n").await;
    c.expect_exact("+OK").await;
    c.send("SUB foo 1\r\n").await;
    c.expect_exact("+OK").await;
    c.send("PUB foo 2\r\nhi\r\n").await;
    c.expect_exact("+OK").await;
    let msg = c.expect_msg().await;
    assert_eq!(msg.line, "MSG foo 1 2");
    c.send("UNSUB 1\r\n").await;
    c.expect_exact("+OK").await;
    // PING is answered with PONG only.
    c.ping_pong().await;
}

#[tokio::test]
async fn connect_without_verbose_field_defaults_to_verbose() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {}\r\nSUB foo 1\r\nPING\r\n").await;
    c.expect_exact("+OK").await;
    c.expect_exact("+OK").await;
    c.expect_exact("PONG").await;
}

#[tokio::test]
async fn non_verbose_connection_gets_no_ok() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\nPING\r\n")
        .await;
    assert_eq!(c.expect_msg().await.line, "MSG foo 1 1");
    c.expect_exact("PONG").await;
}

/// nats-server 2.15 sends the (non-fatal) error but still routes the message: `foo.*` is then a
/// literal subject that the `foo.*` subscription matches.
#[tokio::test]
async fn pedantic_publish_to_wildcard_subject_gets_invalid_publish_subject() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false,\"pedantic\":true}\r\nSUB foo.* 1\r\nPUB foo.* 2\r\nhi\r\n")
        .await;
    c.expect_exact("-ERR 'Invalid Publish Subject'").await;
    assert_eq!(c.expect_msg().await.line, "MSG foo.* 1 2");
    c.send("PUB foo..bar 2\r\nhi\r\n").await;
    c.expect_exact("-ERR 'Invalid Publish Subject'").await;
    // Non-fatal: the connection stays open and valid publishes still work.
    c.send("PUB foo.bar 2\r\nok\r\n").await;
    let msg = c.expect_msg().await;
    assert_eq!(msg.subject, "foo.bar");
    c.ping_pong().await;
}

#[tokio::test]
async fn non_pedantic_publish_to_wildcard_subject_is_accepted() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPUB foo.* 2\r\nhi\r\n")
        .await;
    c.ping_pong().await;
}

#[tokio::test]
async fn echo_false_suppresses_own_messages_only() {
    let server = TestServer::start();
    let mut quiet =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"echo":false}"#).await;
    let mut other = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    quiet.send("SUB foo 1\r\n").await;
    quiet.ping_pong().await;
    other.send("SUB foo 9\r\n").await;
    other.ping_pong().await;

    quiet.send("PUB foo 4\r\nself\r\n").await;
    quiet.ping_pong().await; // PONG arrives with no MSG before it
    assert_eq!(other.expect_msg().await.payload, b"self");

    other.send("PUB foo 5\r\nother\r\n").await;
    assert_eq!(other.expect_msg().await.sid, "9"); // echo is on for `other`
    other.ping_pong().await;
    let msg = quiet.expect_msg().await;
    assert_eq!((msg.sid.as_str(), &msg.payload[..]), ("1", &b"other"[..]));
}

#[tokio::test]
async fn echo_true_delivers_own_messages() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false,"echo":true}"#).await;
    c.send("SUB foo 1\r\nPUB foo 1\r\nx\r\n").await;
    assert_eq!(c.expect_msg().await.line, "MSG foo 1 1");
}

#[tokio::test]
async fn operations_are_case_insensitive_and_accept_tabs() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("connect {\"verbose\":false}\r\nsub\tfoo\t 1\r\nPuB foo 2\r\nhi\r\nping\r\n")
        .await;
    assert_eq!(c.expect_msg().await.line, "MSG foo 1 2");
    c.expect_exact("PONG").await;
}

#[tokio::test]
async fn bare_newline_control_lines_are_accepted() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false}\nSUB foo 1\nPUB foo 2\nhi\r\nPING\n")
        .await;
    assert_eq!(c.expect_msg().await.line, "MSG foo 1 2");
    c.expect_exact("PONG").await;
}

#[tokio::test]
async fn unsub_with_max_stops_after_that_many_deliveries() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("SUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\n")
        .await;
    assert_eq!(c.expect_msg().await.payload, b"a");
    assert_eq!(c.expect_msg().await.payload, b"b");
    c.ping_pong().await;
}

#[tokio::test]
async fn unsub_of_unknown_sid_is_ignored() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("UNSUB 99\r\n").await;
    c.ping_pong().await;
}

#[tokio::test]
async fn repeated_sub_with_same_sid_delivers_once() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("SUB foo 1\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\n")
        .await;
    assert_eq!(c.expect_msg().await.line, "MSG foo 1 2");
    c.ping_pong().await;
}

#[tokio::test]
async fn unknown_operation_gets_error_and_close() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("FOO bar\r\nPING\r\n").await;
    c.expect_exact("-ERR 'Unknown Protocol Operation'").await;
    let rest = c.expect_closed(CLOSE_WAIT).await;
    assert!(
        rest.is_empty(),
        "data after the error: {:?}",
        String::from_utf8_lossy(&rest)
    );
}

#[tokio::test]
async fn payload_longer_than_declared_size_gets_unknown_protocol_operation_and_close() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("SUB foo 1\r\nPUB foo 2\r\nhello\r\nPING\r\n").await;
    c.expect_exact("-ERR 'Unknown Protocol Operation'").await;
    c.expect_closed(CLOSE_WAIT).await;
}

#[tokio::test]
async fn control_line_too_long_gets_error_and_close() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    let long_subject = "a".repeat(5000);
    c.send(format!("SUB {long_subject} 1\r\nPING\r\n")).await;
    c.expect_exact("-ERR 'maximum control line exceeded'").await;
    c.expect_closed(CLOSE_WAIT).await;
}

#[tokio::test]
async fn control_line_too_long_is_detected_before_its_line_end() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    // No CRLF yet: the server must not buffer an unbounded control line while waiting for one.
    c.send(format!("SUB {}", "a".repeat(5000))).await;
    c.expect_exact("-ERR 'maximum control line exceeded'").await;
    c.expect_closed(CLOSE_WAIT).await;
}

#[tokio::test]
async fn invalid_sub_subject_gets_error_and_connection_stays_open() {
    let server = TestServer::start();
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    for bad in ["foo..bar", "foo.>.bar", ".foo", "foo."] {
        c.send(format!("SUB {bad} 1\r\n")).await;
        c.expect_exact("-ERR 'Invalid Subject'").await;
    }
    c.send("SUB foo 2\r\nPUB foo 1\r\nx\r\n").await;
    assert_eq!(c.expect_msg().await.line, "MSG foo 2 1");
    c.ping_pong().await;
}

#[tokio::test]
async fn invalid_client_protocol_version_is_rejected() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false,\"protocol\":2}\r\nPING\r\n")
        .await;
    c.expect_exact("-ERR 'invalid client protocol'").await;
    c.expect_closed(CLOSE_WAIT).await;
}

/// Wrong argument counts or sizes are protocol violations: nats-server closes without a
/// specific `-ERR` text (it logs "processPub Parse Error").
#[tokio::test]
async fn malformed_arguments_close_the_connection() {
    let server = TestServer::start();
    for bad in [
        "PUB foo\r\n",
        "PUB foo abc\r\n",
        "SUB foo\r\n",
        "PUB foo -1\r\n",
    ] {
        // A working connection first, so only `bad` can be the reason for the close.
        let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
        c.send(format!("{bad}PING\r\n")).await;
        let rest = c.expect_closed(CLOSE_WAIT).await;
        let text = String::from_utf8_lossy(&rest);
        assert!(
            !text.contains("PONG"),
            "{bad:?} was followed by PONG: {text:?}"
        );
    }
}

#[tokio::test]
async fn malformed_connect_json_closes_the_connection() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {nope\r\nPING\r\n").await;
    let rest = c.expect_closed(CLOSE_WAIT).await;
    let text = String::from_utf8_lossy(&rest);
    assert!(
        !text.contains("PONG"),
        "bad CONNECT was followed by PONG: {text:?}"
    );
}

#[tokio::test]
async fn ping_before_connect_is_answered_without_auth() {
    let server = TestServer::start();
    let mut c = RawClient::connect(&server.addr()).await;
    c.ping_pong().await;
}

#[tokio::test]
async fn server_pings_and_closes_stale_connection() {
    let server = TestServer::with_config("ping_interval: \"300ms\"\nping_max: 2\n");
    let mut c = RawClient::connect(&server.addr()).await;
    c.send("CONNECT {\"verbose\":false}\r\n").await;
    // Never answer: expect PING, PING, then the stale error and close (~0.9 s with nats-server).
    c.expect_exact("PING").await;
    c.expect_exact("PING").await;
    c.expect_exact("-ERR 'Stale Connection'").await;
    c.expect_closed(CLOSE_WAIT).await;
}

#[tokio::test]
async fn client_answering_server_pings_stays_connected() {
    let server = TestServer::with_config("ping_interval: \"200ms\"\nping_max: 2\n");
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    let mut pings = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
    while tokio::time::Instant::now() < deadline {
        match c.read_line(Duration::from_millis(400)).await {
            Ok(line) if line == "PING" => {
                pings += 1;
                c.send("PONG\r\n").await;
            }
            Ok(line) => panic!("unexpected {line:?}"),
            Err(rill_tests::raw::ReadOutcome::TimedOut) => {}
            Err(why) => panic!("connection lost after {pings} pings: {why:?}"),
        }
    }
    assert!(
        pings >= 3,
        "expected several server PINGs in 1.5 s, got {pings}"
    );
    c.ping_pong().await;
}
