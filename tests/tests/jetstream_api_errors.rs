//! Malformed and invalid JetStream API requests get a JetStream error JSON (with the code and
//! err_code clients match on), never a crash or silence; the server keeps serving afterwards.
//! Validated against nats-server 2.15 (`RILL_SERVER_BIN=nats-server`).

use std::time::Duration;

use bytes::Bytes;
use rill_tests::{ServerBuilder, TempDir, TestServer};
use serde_json::Value;

fn start(store: &TempDir) -> TestServer {
    ServerBuilder::new()
        .args(["-js", "-sd", store.path().to_str().expect("utf8")])
        .start()
}

/// Sends `body` to `subject` and returns the JSON reply.
async fn request(client: &async_nats::Client, subject: &str, body: &[u8]) -> Value {
    let fut = client.request(subject.to_string(), Bytes::copy_from_slice(body));
    let reply = tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .unwrap_or_else(|_| panic!("no reply to {subject} within 5 s"))
        .unwrap_or_else(|e| panic!("request to {subject} failed: {e}"));
    serde_json::from_slice(&reply.payload).unwrap_or_else(|e| {
        panic!(
            "reply to {subject} is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&reply.payload)
        )
    })
}

/// The `(code, err_code)` of an error reply; panics when the reply is not an error.
fn error_of(reply: &Value, what: &str) -> (u64, u64) {
    let err = reply
        .get("error")
        .unwrap_or_else(|| panic!("{what}: expected an error, got {reply}"));
    let code = err["code"].as_u64().expect("error.code");
    let err_code = err["err_code"].as_u64().expect("error.err_code");
    assert!(
        err["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{what}: error without description: {reply}"
    );
    (code, err_code)
}

#[tokio::test]
async fn malformed_requests_get_error_json_and_the_server_keeps_serving() {
    let store = TempDir::new();
    let server = start(&store);
    let client = server.connect().await;

    let mut wrong = Vec::new();
    // (subject, body, expected code, expected err_code)
    let cases: &[(&str, &[u8], u64, u64)] = &[
        // Not JSON at all.
        ("$JS.API.STREAM.CREATE.S", b"{not json", 400, 10025),
        (
            "$JS.API.STREAM.CREATE.S",
            b"\xff\xfe\x00garbage",
            400,
            10025,
        ),
        // JSON of the wrong shape.
        ("$JS.API.STREAM.CREATE.S", b"[1,2,3]", 400, 10025),
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"S","subjects":"s.>"}"#,
            400,
            10025,
        ),
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"S","max_msgs":"many"}"#,
            400,
            10025,
        ),
        // Empty body: no name, so it cannot match the subject.
        ("$JS.API.STREAM.CREATE.S", b"", 400, 10056),
        // Name in the subject and in the body disagree.
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"T","subjects":["t"]}"#,
            400,
            10056,
        ),
        // Invalid stream name.
        ("$JS.API.STREAM.CREATE.S*", br#"{"name":"S*"}"#, 500, 10052),
        // Invalid values.
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"S","subjects":["s"],"max_msgs":5,"discard":"sideways"}"#,
            400,
            10025,
        ),
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"S","subjects":["s"],"retention":"forever"}"#,
            400,
            10025,
        ),
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"S","subjects":["a..b"]}"#,
            500,
            10052,
        ),
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"S","subjects":["s"],"num_replicas":99}"#,
            500,
            10052,
        ),
        // More than one replica on a single server.
        (
            "$JS.API.STREAM.CREATE.S",
            br#"{"name":"S","subjects":["s"],"num_replicas":3}"#,
            500,
            10074,
        ),
        // Things that do not exist.
        ("$JS.API.STREAM.INFO.NOPE", b"", 404, 10059),
        ("$JS.API.STREAM.DELETE.NOPE", b"", 404, 10059),
        ("$JS.API.STREAM.PURGE.NOPE", b"", 404, 10059),
        ("$JS.API.STREAM.MSG.GET.NOPE", br#"{"seq":1}"#, 404, 10059),
        ("$JS.API.CONSUMER.INFO.NOPE.C", b"", 404, 10059),
        (
            "$JS.API.CONSUMER.CREATE.NOPE",
            br#"{"stream_name":"NOPE","config":{}}"#,
            404,
            10059,
        ),
        // Malformed bodies for other endpoints.
        ("$JS.API.STREAM.NAMES", b"{oops", 400, 10025),
        ("$JS.API.STREAM.LIST", br#"{"offset":"ten"}"#, 400, 10025),
    ];
    for (subject, body, code, err_code) in cases {
        let what = format!("{subject} {:?}", String::from_utf8_lossy(body));
        let reply = request(&client, subject, body).await;
        if error_of(&reply, &what) != (*code, *err_code) {
            wrong.push(format!(
                "{what}: expected ({code}, {err_code}), got {reply}"
            ));
        }
    }

    // Requests against an existing stream with bad bodies.
    let ok = request(
        &client,
        "$JS.API.STREAM.CREATE.S",
        br#"{"name":"S","subjects":["s.>"]}"#,
    )
    .await;
    assert!(ok.get("error").is_none(), "create: {ok}");
    let cases: &[(&str, &[u8], u64, u64)] = &[
        ("$JS.API.STREAM.MSG.GET.S", b"{nope", 400, 10025),
        ("$JS.API.STREAM.MSG.GET.S", br#"{"seq":12345}"#, 404, 10037),
        ("$JS.API.STREAM.MSG.DELETE.S", br#"{"seq":"x"}"#, 400, 10025),
        ("$JS.API.STREAM.PURGE.S", br#"{"keep":-1}"#, 400, 10025),
        (
            "$JS.API.STREAM.UPDATE.S",
            br#"{"name":"S","subjects":["s.>"],"storage":"memory"}"#,
            500,
            10052,
        ),
        ("$JS.API.CONSUMER.CREATE.S", b"]]", 400, 10025),
        (
            "$JS.API.CONSUMER.CREATE.S",
            br#"{"stream_name":"S","config":{"ack_policy":"sometimes"}}"#,
            400,
            10025,
        ),
        (
            "$JS.API.CONSUMER.CREATE.S",
            br#"{"stream_name":"S","config":{"deliver_policy":"by_start_sequence"}}"#,
            400,
            10094,
        ),
        ("$JS.API.CONSUMER.INFO.S.none", b"", 404, 10014),
        // Empty or null bodies: a default request (no names, so they mismatch the subject),
        // except where a body is required.
        ("$JS.API.CONSUMER.CREATE.S", b"", 400, 10056),
        ("$JS.API.STREAM.UPDATE.S", b"", 500, 10052),
        ("$JS.API.STREAM.UPDATE.S", b"null", 500, 10052),
        ("$JS.API.CONSUMER.CREATE.S.C", b"null", 400, 10056),
        ("$JS.API.CONSUMER.DURABLE.CREATE.S.C", b"", 400, 10056),
        ("$JS.API.STREAM.MSG.GET.S", b"", 400, 10003),
        ("$JS.API.STREAM.MSG.DELETE.S", b"", 400, 10003),
    ];
    for (subject, body, code, err_code) in cases {
        let what = format!("{subject} {:?}", String::from_utf8_lossy(body));
        let reply = request(&client, subject, body).await;
        if error_of(&reply, &what) != (*code, *err_code) {
            wrong.push(format!(
                "{what}: expected ({code}, {err_code}), got {reply}"
            ));
        }
    }

    assert!(
        wrong.is_empty(),
        "unexpected replies:\n{}",
        wrong.join("\n")
    );

    // Still serving: the stream works and a fresh client connects.
    let js = async_nats::jetstream::new(server.connect().await);
    let ack = js
        .publish("s.1", "still here".into())
        .await
        .expect("publish")
        .await
        .expect("ack");
    assert_eq!(ack.sequence, 1);
}
