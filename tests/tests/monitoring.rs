//! HTTP monitoring endpoints (`-m -1`): /varz, /connz (subs, paging), /subsz, /healthz, /routez.
//! Counters may be updated asynchronously, so numeric checks poll until they hold (bounded).

use std::time::{Duration, Instant};

use rill_tests::http::{get, get_json};
use rill_tests::{RawClient, ServerBuilder, TestServer};

fn monitored() -> TestServer {
    ServerBuilder::new().monitoring().start()
}

/// Polls `GET path` until `check` accepts the JSON (5 s at most); returns that JSON.
async fn poll_json(
    server: &TestServer,
    path: &str,
    what: &str,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let json = get_json(server.monitor_port(), path);
        if check(&json) {
            return json;
        }
        assert!(
            Instant::now() < deadline,
            "GET {path}: never saw {what}; last: {json:#}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn varz_reports_identity_limits_and_counters() {
    let server = monitored();
    let mut a = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    let _b = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;

    let response = get(server.monitor_port(), "/varz");
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "content-type {:?}",
        response.header("content-type")
    );
    let varz = response.json();
    assert_eq!(varz["server_id"], a.info["server_id"]);
    assert_eq!(varz["version"], a.info["version"]);
    assert_eq!(varz["max_payload"], 1_048_576);
    assert_eq!(varz["port"], server.port());
    assert_eq!(varz["proto"], 1);
    assert!(
        varz["max_connections"].as_u64().is_some_and(|n| n > 0),
        "{varz:#}"
    );
    assert!(
        varz["start"].is_string() && varz["now"].is_string(),
        "{varz:#}"
    );
    assert!(varz["uptime"].is_string(), "{varz:#}");
    let in_msgs_before = varz["in_msgs"].as_u64().expect("in_msgs");

    poll_json(&server, "/varz", "connections == 2", |v| {
        v["connections"] == 2
    })
    .await;
    a.send("PUB some.subject 5\r\nhello\r\n".repeat(10)).await;
    a.ping_pong().await;
    let varz = poll_json(&server, "/varz", "in_msgs +10", |v| {
        v["in_msgs"]
            .as_u64()
            .is_some_and(|n| n >= in_msgs_before + 10)
    })
    .await;
    assert!(
        varz["in_bytes"].as_u64().is_some_and(|n| n >= 50),
        "{varz:#}"
    );
    assert!(
        varz["total_connections"].as_u64().is_some_and(|n| n >= 2),
        "{varz:#}"
    );
}

#[tokio::test]
async fn connz_lists_connections_with_subscriptions() {
    let server = monitored();
    let mut a =
        RawClient::connect_with(&server.addr(), r#"{"verbose":false,"name":"alpha"}"#).await;
    a.send("SUB orders.* 1\r\nSUB billing 2\r\n").await;
    a.ping_pong().await;
    let b = RawClient::connect_with(&server.addr(), r#"{"verbose":false,"name":"beta"}"#).await;
    let cid_a = a.info["client_id"].clone();
    let cid_b = b.info["client_id"].clone();

    let connz = poll_json(&server, "/connz?subs=1", "both connections and subs", |v| {
        v["num_connections"] == 2
            && v["connections"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["cid"] == cid_a && c["subscriptions"] == 2)
            })
    })
    .await;
    let conns = connz["connections"].as_array().expect("connections array");
    assert_eq!(conns.len(), 2);
    let alpha = conns
        .iter()
        .find(|c| c["cid"] == cid_a)
        .expect("connection alpha");
    assert_eq!(alpha["name"], "alpha");
    let mut subs: Vec<&str> = alpha["subscriptions_list"]
        .as_array()
        .expect("subscriptions_list")
        .iter()
        .map(|s| s.as_str().expect("subject string"))
        .collect();
    subs.sort_unstable();
    assert_eq!(subs, ["billing", "orders.*"]);
    let beta = conns
        .iter()
        .find(|c| c["cid"] == cid_b)
        .expect("connection beta");
    assert_eq!(beta["name"], "beta");
    assert_eq!(beta["subscriptions"], 0);
    assert!(
        beta.get("subscriptions_list")
            .is_none_or(|l| l.as_array().is_some_and(|l| l.is_empty())),
        "{beta:#}"
    );
    assert!(
        alpha["ip"].is_string() && alpha["port"].is_u64(),
        "{alpha:#}"
    );
}

#[tokio::test]
async fn connz_pages_with_limit_and_offset() {
    let server = monitored();
    let mut cids = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
        cids.push(c.info["client_id"].as_u64().expect("client_id"));
        clients.push(c);
    }
    cids.sort_unstable();
    poll_json(&server, "/connz", "3 connections", |v| {
        v["num_connections"] == 3
    })
    .await;

    let page = get_json(server.monitor_port(), "/connz?limit=1&offset=1");
    assert_eq!(page["num_connections"], 1, "{page:#}");
    assert_eq!(page["total"], 3, "{page:#}");
    assert_eq!(page["offset"], 1, "{page:#}");
    assert_eq!(page["limit"], 1, "{page:#}");
    let conns = page["connections"].as_array().expect("connections");
    assert_eq!(conns.len(), 1);
    // Default sort is by cid: offset 1 is the second-oldest connection.
    assert_eq!(conns[0]["cid"], cids[1], "{page:#}");

    let past_end = get_json(server.monitor_port(), "/connz?limit=2&offset=5");
    assert_eq!(past_end["num_connections"], 0, "{past_end:#}");
    assert!(
        past_end["connections"]
            .as_array()
            .is_some_and(|c| c.is_empty()),
        "{past_end:#}"
    );
}

#[tokio::test]
async fn subsz_counts_subscriptions() {
    let server = monitored();
    let base = get_json(server.monitor_port(), "/subsz")["num_subscriptions"]
        .as_u64()
        .expect("num_subscriptions");
    let mut c = RawClient::connect_with(&server.addr(), r#"{"verbose":false}"#).await;
    c.send("SUB a 1\r\nSUB b 2\r\nSUB c.* 3\r\nSUB d.> 4\r\nSUB e q 5\r\n")
        .await;
    c.ping_pong().await;
    poll_json(&server, "/subsz", "5 more subscriptions", |v| {
        v["num_subscriptions"].as_u64() == Some(base + 5)
    })
    .await;
    c.send("UNSUB 1\r\nUNSUB 2\r\n").await;
    c.ping_pong().await;
    poll_json(&server, "/subsz", "2 fewer subscriptions", |v| {
        v["num_subscriptions"].as_u64() == Some(base + 3)
    })
    .await;
}

#[tokio::test]
async fn healthz_reports_ok() {
    let server = monitored();
    let response = get(server.monitor_port(), "/healthz");
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json(), serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn routez_reports_no_routes_without_a_cluster() {
    let server = monitored();
    let routez = get_json(server.monitor_port(), "/routez");
    assert_eq!(routez["num_routes"], 0, "{routez:#}");
    assert!(
        routez
            .get("routes")
            .is_none_or(|r| r.as_array().is_some_and(|r| r.is_empty())),
        "{routez:#}"
    );
    assert!(routez["server_id"].is_string(), "{routez:#}");
}

#[tokio::test]
async fn unknown_monitoring_path_is_not_found() {
    let server = monitored();
    assert_eq!(get(server.monitor_port(), "/no-such-endpoint").status, 404);
}
